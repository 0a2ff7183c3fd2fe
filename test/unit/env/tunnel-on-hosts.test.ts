/** The tunnel of a run across machines, chosen from the kernels of the machines that hold its ends (their agents' `features`). */
import { describe, expect, it } from 'vitest';
import { chooseTunnelOnHosts, type HostFeatures, type KernelFeatures } from '../../../src/env/kernel-features.js';

const UNKNOWN = 'Error: Unknown device type.';
const kernel = (has: Partial<Record<'gre' | 'ipip' | 'vxlan', boolean>>): KernelFeatures => {
  const features = { veth: true, bridge: true, gre: has.gre ?? true, ipip: has.ipip ?? true, vxlan: has.vxlan ?? true, nftNat: true };
  const errors = Object.fromEntries((['gre', 'ipip', 'vxlan'] as const).filter((t) => !features[t]).map((t) => [t, UNKNOWN]));
  return { ...features, errors };
};
const host = (name: string, has: Partial<Record<'gre' | 'ipip' | 'vxlan', boolean>> = {}): HostFeatures => ({ host: name, features: kernel(has) });

describe('chooseTunnelOnHosts', () => {
  it('auto: GRE when every end has ip_gre (the QEMU guests: Debian 6.1)', () => {
    expect(chooseTunnelOnHosts('auto', [host('fn-1'), host('proxy-1')])).toEqual({ used: 'gre', reason: 'tunnel: auto; the kernels of fn-1, proxy-1 have ip_gre' });
  });

  it('auto: VXLAN when one end lacks ip_gre, naming it and its error', () => {
    const choice = chooseTunnelOnHosts('auto', [host('fn-1'), host('proxy-1', { gre: false })]);
    expect(choice).toEqual({ used: 'vxlan', reason: `tunnel: auto; proxy-1 has no ip_gre (proxy-1: ${UNKNOWN}), so VXLAN carries the proxy tunnel` });
  });

  it('auto: an error when the ends share neither', () => {
    const choice = chooseTunnelOnHosts('auto', [host('fn-1', { vxlan: false }), host('proxy-1', { gre: false })]);
    expect(choice).toMatchObject({ error: expect.stringMatching(/neither ip_gre nor vxlan in common \(proxy-1: .*; fn-1: /) });
  });

  it('an explicit tunnel every end can make is used; one an end lacks is an error naming that host', () => {
    expect(chooseTunnelOnHosts('ipip', [host('fn-1'), host('proxy-1')])).toMatchObject({ used: 'ipip' });
    expect(chooseTunnelOnHosts('gre', [host('fn-1', { gre: false }), host('proxy-1')])).toEqual({ error: `tunnel: gre requested, but a host cannot create gre links (fn-1: ${UNKNOWN})` });
  });
});
