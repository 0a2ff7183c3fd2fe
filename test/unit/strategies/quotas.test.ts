import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { createStrategy } from '../../../src/strategies/index.js';
import { Ipam } from '../../../src/strategies/ipam.js';
import { masqChain, masqConfig, readConfigMap } from '../../../src/strategies/ip-masq-agent.js';
import { tunnelMtu } from '../../../src/strategies/gre-proxy.js';
import type { TunnelChoice } from '../../../src/strategies/types.js';
import { instanceLayout } from '../../../src/topology/instance-plan.js';
import { buildLayout } from '../../../src/topology/layout.js';

const tunnel: TunnelChoice = { requested: 'auto', used: 'vxlan', reason: 'test' };

describe('IPAM', () => {
  it('hands out the lowest free address and takes returns back in order', () => {
    const ipam = new Ipam(10, 13);
    expect([ipam.allocate(1), ipam.allocate(2), ipam.allocate(3)]).toEqual([10, 11, 12]);
    ipam.release(1);
    expect(ipam.allocate(4)).toBe(10);
    expect(ipam.allocate(5)).toBe(13);
    expect(ipam.allocate(6)).toBeUndefined();
    expect(ipam.allocate(2)).toBe(11); // same owner, same address
    expect(ipam.used).toBe(4);
  });
});

describe('eni strategy limits', () => {
  it('refuses an instance beyond the ENI quota with a recorded reason, and frees quota on release', () => {
    const scenario = parseScenario({ eni: { quotaPerVpc: 2 } });
    const layout = buildLayout(scenario, 'abcd');
    const eni = createStrategy('eni', { scenario, layout, tunnel });
    const instances = [0, 1, 2].map((id) => instanceLayout(layout, id, 0, id));
    expect(eni.attach(instances[0]!).ok).toBe(true);
    expect(eni.attach(instances[1]!).ok).toBe(true);
    const third = eni.attach(instances[2]!);
    expect(third).toMatchObject({ ok: false, reason: 'eni-quota' });
    expect(third.ok ? '' : third.message).toMatch(/2 of eni\.quotaPerVpc 2/);
    eni.release(instances[0]!);
    expect(eni.attach(instances[2]!).ok).toBe(true);
  });

  it('runs out of user-subnet addresses before the quota on a small subnet', () => {
    // /28: 16 addresses; 4 reserved first, 1 last, 1 service, 8 proxy slots → 2 for ENIs.
    const scenario = parseScenario({ user: { cidr: '198.19.0.0/16', subnet: '198.19.0.0/28' } });
    const layout = buildLayout(scenario, 'abcd');
    const eni = createStrategy('eni', { scenario, layout, tunnel });
    const results = [0, 1, 2].map((id) => eni.attach(instanceLayout(layout, id, 0, id)));
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ reason: 'subnet-exhausted' });
  });
});

describe('peering limits', () => {
  it('refuses to build when the user route table quota is too small', () => {
    const scenario = parseScenario({ functionHosts: 4, peering: { routeTableQuota: 3 } });
    const peering = createStrategy('peering', { scenario, layout: buildLayout(scenario, 'abcd'), tunnel });
    const prewarm = peering.prewarm();
    expect(prewarm).toMatchObject({ ok: false, reason: 'route-table-quota' });
    expect(prewarm.ok ? '' : prewarm.message).toMatch(/needs 5 peering routes .*routeTableQuota is 3/);
  });
});

describe('gre-proxy', () => {
  it('sizes the tunnel MTU for each encapsulation', () => {
    expect(tunnelMtu('gre', false)).toBe(1476);
    expect(tunnelMtu('gre', true)).toBe(1472);
    expect(tunnelMtu('ipip', false)).toBe(1480);
    expect(tunnelMtu('vxlan', true)).toBe(1450);
  });

  it('expects the proxy eth1 address as the source seen by the user service', () => {
    const scenario = parseScenario({ proxy: { count: 2 }, functionHosts: 2 });
    const layout = buildLayout(scenario, 'abcd');
    const proxy = createStrategy('gre-proxy', { scenario, layout, tunnel });
    const onHost1 = proxy.attach(instanceLayout(layout, 1, 1, 0));
    expect(onHost1).toMatchObject({ ok: true, expectedSource: layout.proxies[1]?.userAddress });
  });
});

describe('ip-masq-agent configuration', () => {
  it('defaults to the pod and platform networks', () => {
    const config = masqConfig(parseScenario({}));
    expect(config.nonMasqueradeCIDRs).toEqual(['100.64.0.0/16', '198.18.0.0/20']);
    expect(masqChain(config)).toBe('ip daddr { 100.64.0.0/16, 198.18.0.0/20 } return\nip daddr 169.254.0.0/16 return\ncounter masquerade');
  });

  it('reads a ConfigMap as the agent does, and its config alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'masq-'));
    const configMap = join(dir, 'cm.yaml');
    writeFileSync(
      configMap,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ip-masq-agent, namespace: kube-system}\ndata:\n  config: |\n    nonMasqueradeCIDRs:\n      - 10.0.0.0/8\n    masqLinkLocal: true\n    resyncInterval: 60s\n',
    );
    expect(readConfigMap(configMap)).toMatchObject({ nonMasqueradeCIDRs: ['10.0.0.0/8'], masqLinkLocal: true });
    expect(masqChain(readConfigMap(configMap))).not.toMatch(/169\.254/);
    const bare = join(dir, 'config.yaml');
    writeFileSync(bare, 'nonMasqueradeCIDRs: [192.168.0.0/16]\n');
    expect(readConfigMap(bare).nonMasqueradeCIDRs).toEqual(['192.168.0.0/16']);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'nonMasqueradeCIDRs: [not-a-cidr]\n');
    expect(() => readConfigMap(bad)).toThrow(/proxy\.ipMasqAgent\.configMapFile .*nonMasqueradeCIDRs\.0: "not-a-cidr" is not a CIDR/);
    const noData = join(dir, 'nodata.yaml');
    writeFileSync(noData, 'kind: ConfigMap\ndata: {}\n');
    expect(() => readConfigMap(noData)).toThrow(/has no data\.config/);
  });
});
