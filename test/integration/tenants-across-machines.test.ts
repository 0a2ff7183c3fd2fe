/**
 * The `tenants` experiment across three emulated machines (machines.ts; issue
 * 12, "IPIP between guests"): `coldpath run --hosts` with `executor: ssh`,
 * the tunnels between the function host (fn-1) and the proxy (proxy-1), the
 * counters at the user service on svc-1, every plan, command and probe sent to
 * the node's machine's agent. This kernel has no ip_gre or ipip, so VXLAN
 * stands in: distinct VNIs are both delivered; the same VNI for both tenants
 * (a tunnel nothing tells apart, as IPIP's) is refused by fn-1's kernel in its
 * own words and tenant B's requests arrive at tenant A's side. The QEMU tier
 * runs real IPIP and GRE across three kernels (test/qemu/multi-host.test.ts).
 * Needs root, dist/, Debian's openssh-server and openssh-client and a kernel
 * with time namespaces.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/types.js';
import { expectNothingLeftOn, nodesOn, runAcrossMachines } from './across-machines.js';

/** Small: one function host, the baseline path only (the experiments build their own proxy), 10 requests a tenant. */
const SCENARIO = {
  name: 'tenants-across-machines-test',
  strategies: ['baseline'],
  tunnel: 'vxlan',
  functionHosts: 1,
  repetitions: 1,
  burst: { sizes: [1] },
  workload: { requests: 50, warmup: 10, metrics: ['keepalive'] },
  cpu: { placement: 'none' },
  reference: { tool: 'none' },
  experiments: [
    { kind: 'tenants', name: 'tenants', requests: 10 },
    // The same VNI for both: this kernel's stand-in for IPIP (no key at all), refused by the kernel.
    { kind: 'tenants', name: 'same-key', requests: 10, secondKey: 1001 },
  ],
};

const tenantsOf = (run: RunResult, name: string) => {
  const t = run.experiments.find((e) => e.name === name);
  if (t?.kind !== 'tenants') throw new Error(`no tenants experiment ${name}`);
  expect(t.outcome, t.message).toBe('completed');
  if (t.measured === undefined) throw new Error(`${name}: nothing measured`);
  return t.measured;
};

describe('the tenants experiment across machines (executor ssh, three machines, VXLAN)', () => {
  const across = runAcrossMachines(
    {
      prefix: 'cpm-ten',
      machines: [
        { name: 'fn-1', role: 'function-host', monotonicOffsetS: 300 },
        { name: 'proxy-1', role: 'proxy' },
        { name: 'svc-1', role: 'service-host' },
      ],
    },
    SCENARIO,
  );
  const theRun = across.run;

  it('places the function host, the proxy and the user service on their machines', () => {
    expect(nodesOn(theRun(), 'fn-1')).toContain('fh0');
    expect(nodesOn(theRun(), 'proxy-1')).toContain('px0');
    expect(nodesOn(theRun(), 'svc-1').some((n) => n.startsWith('us-'))).toBe(true);
  });

  it('gives each tenant its own VXLAN tunnel between fn-1 and proxy-1 and delivers each to its own side on svc-1', () => {
    const m = tenantsOf(theRun(), 'tenants');
    expect(m.tunnel).toBe('vxlan');
    const [a, b] = m.tenants;
    expect([a?.key, b?.key]).toEqual([1001, 1002]);
    expect(b?.tunnel.created).toBe(true);
    expect(b?.tunnel.attempts.map((x) => [x.node, x.error])).toEqual([
      ['fh0', null],
      ['px0', null],
    ]);
    for (const tenant of [a!, b!]) {
      expect(tenant.path).toBe('own');
      expect(tenant.tally.ok, `tenant ${tenant.tenant}`).toBe(10);
      expect(tenant.counted.own, `tenant ${tenant.tenant}: packets counted at its side on svc-1`).toBeGreaterThan(0);
      expect(tenant.counted.other).toBe(0);
      expect(tenant.verdict).toBe('delivered');
    }
    expect(m.verdict).toBe('works');
    expect(m.summary).toBe("VXLAN VNIs 1001 and 1002: both tenants' traffic delivered to their own side.");
  });

  it("with one VNI for both, fn-1's kernel refuses tenant B's tunnel in its own words, and B's requests arrive at A's side", () => {
    const m = tenantsOf(theRun(), 'same-key');
    const [a, b] = m.tenants;
    expect(a?.verdict).toBe('delivered');
    expect(b?.tunnel.created).toBe(false);
    // The remote kernel's answer, carried by the agent's error (`stderr`), not the coordinator's wrapping of it.
    const [onHost] = b?.tunnel.attempts ?? [];
    expect(onHost?.node).toBe('fh0');
    expect(onHost?.error).toMatch(/^(RTNETLINK answers|Error): .*exists/i);
    expect(onHost?.error).not.toMatch(/fn-1|request|refused/);
    expect(b?.path).toBe('shared');
    expect(b?.tally.ok).toBe(10);
    expect(b?.counted.own).toBe(0);
    expect(b?.counted.other).toBeGreaterThan(0);
    expect(b?.verdict).toBe('misdelivered');
    expect(m.verdict).toBe('broke');
    const report = readFileSync(join(across.out(), readdirSync(across.out())[0] as string, 'report.md'), 'utf8');
    expect(report).toMatch(/Tenant B's VXLAN tunnel \(key 1001\) between the same endpoints was refused/);
    console.log(`[tenants across machines] ${m.summary} (attempts: ${JSON.stringify(b?.tunnel.attempts.map((x) => [x.node, x.error]))})`);
  });

  it('leaves nothing on any machine', async () => {
    await expectNothingLeftOn(across.machines(), theRun());
  });
});
