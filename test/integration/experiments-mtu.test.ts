/**
 * MTU through the proxy: with the MSS clamp, payloads above the tunnel MTU
 * pass even when the user VPC drops ICMP; without it they blackhole exactly
 * then; the two-tenant key collision is shown with the kernel's own answer.
 */
import { describe, expect, it } from 'vitest';
import { experiment, expectNothingLeft, runExperimentScenario } from './experiments-helpers.js';

describe('experiment: mtu', () => {
  it('oversize payloads pass with the clamp; without it and without PMTUD, downloads blackhole', async () => {
    const { cli, run } = await runExperimentScenario([{ kind: 'mtu', name: 'mtu', sizes: [1200, 1500, 16000], requests: 3, timeoutMs: 800, encapsulationRequests: 100 }]);
    expect(cli.code, cli.stderr).toBe(0);
    const mtu = experiment(run, 'mtu', 'mtu');
    expect(mtu.outcome, mtu.message).toBe('completed');
    const m = mtu.measured!;
    expect(m.tunnelMtu).toBe(m.tunnel === 'vxlan' ? 1450 : m.tunnel === 'ipip' ? 1480 : 1472);
    const cases = (clamp: boolean, pmtud: string, direction: string) => m.cases.filter((c) => c.clamp === clamp && c.pmtud === pmtud && c.direction === direction);
    // With the clamp every size passes, in both directions, PMTUD or not.
    for (const pmtud of ['allowed', 'blocked']) {
      for (const direction of ['download', 'upload']) {
        expect(cases(true, pmtud, direction).map((c) => c.verdict)).toEqual(['ok', 'ok', 'ok']);
      }
    }
    // Without it, PMTUD saves downloads (the proxy's ICMP reaches the service) ...
    expect(cases(false, 'allowed', 'download').map((c) => c.verdict)).toEqual(['ok', 'ok', 'ok']);
    expect(cases(false, 'allowed', 'download').find((c) => c.bytes === 16000)!.icmp.sentByProxy).toBeGreaterThan(0);
    // ... and with ICMP dropped at the service, a body above the tunnel MTU blackholes.
    const blocked = cases(false, 'blocked', 'download');
    expect(blocked.find((c) => c.bytes === 1200)!.verdict).toBe('ok');
    expect(blocked.find((c) => c.bytes === 16000)!.verdict).toBe('blackhole');
    expect(blocked.find((c) => c.bytes === 16000)!.errors).toHaveProperty('timeout');
    expect(blocked.find((c) => c.bytes === 16000)!.icmp.droppedAtService).toBeGreaterThan(0);
    // Encapsulation cost: none and the tunnel in use were measured; missing modules are named.
    expect(m.encapsulations.find((x) => x.encapsulation === 'none')?.histogram).toBeDefined();
    expect(m.encapsulations.find((x) => x.encapsulation === m.tunnel)?.histogram).toBeDefined();
    // Two tenants, same key: the kernel refuses the second tunnel; with its own key it is accepted.
    expect(m.tenantCollision?.sameKey.error).toMatch(/exists/i);
    expect(m.tenantCollision?.distinctKey.ok).toBe(true);
    expectNothingLeft(run);
  });
});
