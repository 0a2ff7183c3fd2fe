/** Two tenants on one proxy: tenant B's plan (same endpoints, own key, own addresses) and the verdict logic. */
import { describe, expect, it } from 'vitest';
import { singleProxy } from '../../../src/experiments/single-proxy.js';
import { tenantBTunnels, tenantBWiring, tenantsLayout, tenantsServicePlan, tenantsTeardown } from '../../../src/experiments/tenants/plan.js';
import { kernelWords, tenantsVerdict, tenantVerdict } from '../../../src/experiments/tenants/verdict.js';
import { tenantsReport } from '../../../src/experiments/tenants/report.js';
import type { TenantOutcome, TenantsResult } from '../../../src/experiments/types.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { experimentSchema } from '../../../src/scenario/experiments.js';
import { buildLayout } from '../../../src/topology/layout.js';
import type { TunnelType } from '../../../src/topology/ops.js';

const scenario = parseScenario({});
const layout = buildLayout(scenario, 'abcd');
const setUp = (type: TunnelType, secondKey?: number) => {
  const sp = singleProxy({ scenario, layout, tunnel: { requested: type, used: type, reason: 'test' } });
  const h = layout.hosts[0]!;
  return tenantsLayout(layout, sp, h, layout.userServices[0]!, secondKey);
};

describe('tenants plan', () => {
  it('puts tenant B between the same underlay endpoints as tenant A, with the next key', () => {
    const t = setUp('gre');
    const { host, proxy } = tenantBTunnels(t);
    expect(host).toMatchObject({ kind: 'tunnel.add', node: 'fh0', type: 'gre', local: t.host.address, remote: t.sp.proxy.platformAddress, key: 1002, underlay: 'eth0' });
    expect(proxy).toMatchObject({ kind: 'tunnel.add', node: 'px0', type: 'gre', local: t.sp.proxy.platformAddress, key: 1002, underlay: 'eth0' });
    expect(proxy).not.toHaveProperty('remote');
    expect(t.a.key).toBe(1001);
    expect(t.b.hostDev).not.toBe(t.a.hostDev);
    expect(t.b.hostDev.length).toBeLessThanOrEqual(15);
    expect(setUp('gre', 7).b.key).toBe(7);
  });

  it('gives IPIP no key at all: nothing tells the two tunnels apart', () => {
    const t = setUp('ipip', 7);
    expect(t.a.key).toBeUndefined();
    expect(t.b.key).toBeUndefined();
    const { host } = tenantBTunnels(t);
    expect(host).not.toHaveProperty('key');
  });

  it('uses a VNI and the VXLAN port for VXLAN', () => {
    expect(tenantBTunnels(setUp('vxlan')).proxy).toMatchObject({ type: 'vxlan', key: 1002, port: 4789 });
  });

  it("gives tenant B its own service, ENI and overlay addresses, distinct from tenant A's", () => {
    const t = setUp('gre');
    const all = [t.a.target, t.a.source, t.b.target, t.b.source];
    expect(new Set(all).size).toBe(4);
    expect(t.b.hostOverlay).not.toBe(t.host.tunnelAddress);
    expect(t.b.proxyOverlay).not.toBe(t.sp.proxy.tunnelAddress);
    const wiring = tenantBWiring(t, layout).ops;
    expect(wiring).toContainEqual({ kind: 'route.add', node: 'fh0', dst: `${t.b.target}/32`, via: t.b.proxyOverlay, dev: t.b.hostDev });
    expect(wiring).toContainEqual({ kind: 'neigh.replace', node: 'px0', dev: t.b.proxyDev, address: t.b.hostOverlay, lladdr: t.host.address });
    const nat = wiring.find((op) => op.kind === 'nft.table');
    expect(nat?.kind === 'nft.table' ? nat.body : '').toContain(`iifname "${t.b.proxyDev}" oifname "eth1" snat to ${t.b.source}`);
    expect(tenantBWiring(setUp('vxlan'), layout).ops).toContainEqual({ kind: 'fdb.append', node: 'px0', dev: t.b.proxyDev, dst: t.host.address });
  });

  it('counts each tenant at the user service by the ENI it came from, and removes it all', () => {
    const t = setUp('gre');
    const table = tenantsServicePlan(t, layout).ops.find((op) => op.kind === 'nft.table');
    const body = table?.kind === 'nft.table' ? table.body : '';
    expect(body).toContain(`ip daddr ${t.b.target} ip saddr ${t.a.source} tcp dport 8080 counter name "b_other"`);
    expect(body).toContain(`ip daddr ${t.b.target} ip saddr ${t.b.source} tcp dport 8080 counter name "b_own"`);
    expect(tenantsTeardown(t, layout).ops.map((op) => op.kind)).toEqual(['link.del', 'link.del', 'nft.delete', 'addr.del']);
  });

  it('is an experiment kind with defaults', () => {
    expect(experimentSchema.parse({ kind: 'tenants' })).toEqual({ kind: 'tenants', requests: 20, warmup: 2, timeoutMs: 2000, shareWhenRefused: true });
    expect(() => experimentSchema.parse({ kind: 'tenants', secondKey: 0 })).toThrow();
  });
});

const ok = (n: number) => ({ requests: n, ok: n, failed: 0, errors: {} });
const outcome = (tenant: 'A' | 'B', over: Partial<TenantOutcome>): TenantOutcome => {
  const base: TenantOutcome = {
    tenant,
    key: tenant === 'A' ? 1001 : 1002,
    tunnel: { created: true, attempts: [] },
    path: 'own',
    target: 'x',
    source: 'y',
    tally: ok(10),
    counted: { own: 40, other: 0 },
    verdict: 'delivered',
  };
  const merged = { ...base, ...over };
  return { ...merged, verdict: tenantVerdict(merged.path, merged.tally, merged.counted) };
};

describe('tenants verdict', () => {
  it('a tenant is delivered only when answered and counted at its own side alone', () => {
    expect(tenantVerdict('own', ok(10), { own: 40, other: 0 })).toBe('delivered');
    expect(tenantVerdict('shared', ok(10), { own: 0, other: 40 })).toBe('misdelivered');
    // A few timeouts on the way do not make it undelivered: the tally shows them.
    expect(tenantVerdict('own', { requests: 10, ok: 3, failed: 7, errors: { timeout: 7 } }, { own: 12, other: 0 })).toBe('delivered');
    expect(tenantVerdict('own', { requests: 10, ok: 0, failed: 10, errors: { timeout: 10 } }, { own: 12, other: 0 })).toBe('failed');
    expect(tenantVerdict('own', ok(10), { own: 0, other: 0 })).toBe('failed');
    expect(tenantVerdict('none', { requests: 0, ok: 0, failed: 0, errors: {} }, { own: 0, other: 0 })).toBe('not-sent');
  });

  it('GRE with both tenants delivered works', () => {
    expect(tenantsVerdict('gre', [outcome('A', {}), outcome('B', {})])).toEqual({ verdict: 'works', summary: "GRE keys 1001 and 1002: both tenants' traffic delivered to their own side." });
  });

  it('IPIP with the second tunnel refused broke, in the kernel’s words', () => {
    const refused = { created: false, attempts: [{ node: 'fh0', command: 'ip … type ipip …', error: 'RTNETLINK answers: File exists' }] };
    const b = outcome('B', { key: null, tunnel: refused, path: 'none', tally: { requests: 0, ok: 0, failed: 0, errors: {} }, counted: { own: 0, other: 0 } });
    const v = tenantsVerdict('ipip', [outcome('A', { key: null }), b]);
    expect(v.verdict).toBe('broke');
    expect(v.summary).toBe("IPIP has no key: tenant B's tunnel between the same endpoints was refused (File exists) — a proxy cannot serve two tenants from one host over IPIP.");
  });

  it('misdelivery broke, even when every request was answered', () => {
    const b = outcome('B', { counted: { own: 0, other: 40 } });
    expect(b.verdict).toBe('misdelivered');
    const v = tenantsVerdict('gre', [outcome('A', {}), b]);
    expect(v.verdict).toBe('broke');
    expect(v.summary).toBe("Tenant B's traffic arrived at tenant A's side: 40 packet(s) from tenant A's ENI, 0 from its own.");
  });

  it('takes the kernel’s words from its answer', () => {
    expect(kernelWords('RTNETLINK answers: File exists')).toBe('File exists');
    expect(kernelWords('Error: Unknown device type.')).toBe('Unknown device type.');
  });
});

describe('tenants report', () => {
  it('says first what broke, then each tenant', () => {
    const refused = { created: false, attempts: [{ node: 'fh0', command: 'ip -n x link add … type ipip …', error: 'RTNETLINK answers: File exists' }] };
    const tenants = [outcome('A', { key: null }), outcome('B', { key: null, tunnel: refused, path: 'shared', counted: { own: 0, other: 30 } })];
    const result: TenantsResult = {
      kind: 'tenants',
      name: 'tenants',
      outcome: 'completed',
      durationMs: 1,
      notes: [],
      measured: { tunnel: 'ipip', endpoints: { host: '198.18.0.16', proxy: '198.18.0.64' }, tenants, ...tenantsVerdict('ipip', tenants) },
    };
    const { blocks } = tenantsReport(result);
    const first = blocks[0];
    expect(first?.type === 'text' ? first.text : '').toMatch(
      /^Broke \(ipip, both tenants between 198\.18\.0\.16 and 198\.18\.0\.64\): IPIP has no key: tenant B's tunnel between the same endpoints was refused \(File exists\)/,
    );
    const table = blocks[1];
    expect(table?.type === 'table' ? table.table.rows[1] : []).toEqual([
      'B',
      'none',
      'refused: RTNETLINK answers: File exists',
      "the other tenant's tunnel",
      '10 / 10',
      '–',
      '0',
      '30',
      'misdelivered',
    ]);
    expect(tenantsReport({ ...result, measured: undefined } as unknown as TenantsResult).blocks).toEqual([]);
  });
});
