/** The HA pair's plan: both proxies send and accept with the VIP, share the overlay address and MAC, SNAT to the user VIP; hosts point at the VIP. */
import { describe, expect, it } from 'vitest';
import { renderOp } from '../../../src/kernel/render.js';
import { toShellLine } from '../../../src/kernel/shell.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { haPair, haPrewarmPlan, haTeardownPlan } from '../../../src/experiments/failover/proxy-ha.js';
import { buildLayout } from '../../../src/topology/layout.js';
import { netnsName } from '../../../src/topology/naming.js';
import type { Plan } from '../../../src/topology/ops.js';

const TAG = 'abcd';
const shell = (p: Plan): string[] => p.ops.flatMap((op) => renderOp(op, (node) => netnsName(TAG, node)).map(toShellLine));
const scenario = parseScenario({ functionHosts: 2 });
const layout = buildLayout(scenario, TAG);
const ctx = (used: 'gre' | 'vxlan' | 'ipip') => ({ scenario, layout, tunnel: { requested: used, used, reason: 'test' } as const });

describe('proxy HA pair plan', () => {
  it('reserves the VIPs: platform n=63, user = the last proxy slot', () => {
    expect(layout.vips).toEqual({ platform: '198.18.0.63', user: '198.19.0.12' });
    expect(layout.proxies[7]?.userAddress).toBe(layout.vips.user);
    expect(layout.proxies[0]?.platformAddress).toBe('198.18.0.64');
  });

  it('over VXLAN: VIP as local address and a shared MAC on both proxies, hosts send to the VIP', () => {
    const lines = shell(haPrewarmPlan(ctx('vxlan')));
    for (const px of ['px0', 'px1']) {
      expect(lines).toContain(`ip -n coldpath-abcd-${px} link add name cpabcdtun mtu 1450 address 02:c0:1d:00:00:63 type vxlan id 1001 local 198.18.0.63 dstport 4789 dev eth0 ttl 64`);
      expect(lines).toContain(`ip -n coldpath-abcd-${px} addr add 100.127.0.1/24 dev cpabcdtun`);
      expect(lines).toContain(`bridge -n coldpath-abcd-${px} fdb append 00:00:00:00:00:00 dev cpabcdtun dst 198.18.0.17`);
    }
    expect(lines).toContain('ip -n coldpath-abcd-px1 addr add 198.18.0.65/20 dev eth0');
    expect(lines).toContain('ip -n coldpath-abcd-fh1 link add name cpabcdtun mtu 1450 type vxlan id 1001 local 198.18.0.17 remote 198.18.0.63 dstport 4789 dev eth0 ttl 64');
    expect(lines).toContain('ip -n coldpath-abcd-fh0 route add 198.19.0.0/16 via 100.127.0.1 dev cpabcdtun');
    const nft = lines.filter((line) => line.includes('coldpath-abcd-px0 nft')).join('\n');
    expect(nft).toContain('oifname "eth1" snat to 198.19.0.12');
    expect(nft).not.toContain('masquerade');
    expect(nft).toContain('iifname "eth1" ip daddr 198.19.0.12 tcp flags & (syn | rst) == 0 ct state new counter name "unsolicited" drop');
    expect(shell(haPrewarmPlan(ctx('vxlan')))).toMatchSnapshot();
  });

  it('over GRE: a keyed multipoint device with the VIP as local address, no MAC', () => {
    const lines = shell(haPrewarmPlan(ctx('gre')));
    expect(lines).toContain('ip -n coldpath-abcd-px1 link add name cpabcdtun mtu 1472 type gre local 198.18.0.63 key 1001 ttl 64 dev eth0');
    expect(lines).toContain('ip -n coldpath-abcd-fh0 link add name cpabcdtun mtu 1472 type gre local 198.18.0.16 remote 198.18.0.63 key 1001 ttl 64 dev eth0');
    expect(lines).toContain('ip -n coldpath-abcd-px0 neigh replace 100.127.0.129 lladdr 198.18.0.17 dev cpabcdtun');
  });

  it("teardown removes bridge ports before the proxies and hosts' tunnels", () => {
    const lines = shell(haTeardownPlan(ctx('vxlan')));
    expect(lines.indexOf('ip -n coldpath-abcd-pvpc link del dev cpabcdp0')).toBeLessThan(lines.indexOf('ip netns del coldpath-abcd-px0'));
    expect(lines).toContain('ip netns del coldpath-abcd-px1');
    expect(lines).toContain('ip -n coldpath-abcd-fh1 link del dev cpabcdtun');
    expect(haPair(ctx('ipip')).key).toBeUndefined();
  });
});
