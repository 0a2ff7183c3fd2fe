/**
 * Two tenants on one function host and one proxy, on this kernel (VXLAN: the
 * VNI is a key): both tenants' tunnels between the same endpoints are
 * created, each tenant's requests are counted only at its own side, and the
 * run leaves nothing behind. (IPIP and GRE run in the QEMU tier; across machines:
 * tenants-across-machines.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { experiment, expectNothingLeft, runExperimentScenario } from './experiments-helpers.js';

describe('experiment: tenants', () => {
  it('gives each tenant its own keyed tunnel and delivers its traffic to its own side', async () => {
    const { cli, run } = await runExperimentScenario([{ kind: 'tenants', name: 'tenants', requests: 10 }], { tunnel: 'vxlan' });
    expect(cli.code, cli.stderr).toBe(0);
    const t = experiment(run, 'tenants', 'tenants');
    expect(t.outcome, t.message).toBe('completed');
    const m = t.measured!;
    expect(m.tunnel).toBe('vxlan');
    const [a, b] = m.tenants;
    expect(a?.key).toBe(1001);
    expect(b?.key).toBe(1002);
    expect(b?.tunnel.created).toBe(true);
    expect(b?.tunnel.attempts.map((x) => x.error)).toEqual([null, null]);
    for (const tenant of [a!, b!]) {
      expect(tenant.path).toBe('own');
      expect(tenant.tally.ok).toBe(10);
      expect(tenant.counted.own).toBeGreaterThan(0);
      expect(tenant.counted.other).toBe(0);
      expect(tenant.verdict).toBe('delivered');
    }
    expect(m.verdict).toBe('works');
    expect(m.summary).toBe("VXLAN VNIs 1001 and 1002: both tenants' traffic delivered to their own side.");
    expectNothingLeft(run);
  });
});

describe('experiment: tenants without a distinct key', () => {
  it('refuses the second tunnel and, shared, delivers tenant B into tenant A’s side', async () => {
    // The same VNI for both tenants is this kernel's stand-in for IPIP (no key at all): the
    // kernel tells the two tunnels apart by nothing, so it refuses the second.
    const { cli, run } = await runExperimentScenario([{ kind: 'tenants', name: 'same-key', requests: 10, secondKey: 1001 }], { tunnel: 'vxlan' });
    expect(cli.code, cli.stderr).toBe(0);
    const m = experiment(run, 'same-key', 'tenants').measured!;
    const [a, b] = m.tenants;
    expect(a?.verdict).toBe('delivered');
    expect(b?.tunnel.created).toBe(false);
    expect(b?.tunnel.attempts[0]?.error).toMatch(/exists/i);
    expect(b?.path).toBe('shared');
    // Every request answered — by way of tenant A's ENI: the failure is silent to the function.
    expect(b?.tally.ok).toBe(10);
    expect(b?.counted.own).toBe(0);
    expect(b?.counted.other).toBeGreaterThan(0);
    expect(b?.verdict).toBe('misdelivered');
    expect(m.verdict).toBe('broke');
    expect(m.summary).toMatch(
      /^Tenant B's VXLAN tunnel \(key 1001\) between the same endpoints was refused \(.*exists.*\); tenant B's traffic \(sent through tenant A's tunnel\) arrived at tenant A's side/,
    );
    expectNothingLeft(run);
  });
});

describe('experiment: tenants over an encapsulation this kernel lacks', () => {
  it('is an environment error naming the field (exit 3), and leaves nothing', async () => {
    // This machine's kernel has no ipip (docs/qemu-tier.md runs it on one that has).
    const { cli, run } = await runExperimentScenario([{ kind: 'tenants', name: 'ipip-here', tunnel: 'ipip' }], { tunnel: 'vxlan' });
    expect(cli.code, cli.stderr).toBe(3);
    // An environment error ends the run (engine/experiments.ts), as a missing keepalived does.
    expect(run?.outcome).toBe('errored');
    expect(run?.error?.message).toMatch(/^experiments\.0\.tunnel: the kernel under fh0 cannot create ipip links \(.+\)/);
    expect(run?.error?.hint).toMatch(/qemu-tier/);
    expectNothingLeft(run);
  });
});
