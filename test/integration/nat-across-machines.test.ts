/**
 * The `nat` experiment across three emulated machines (machines.ts): `coldpath run --hosts` with
 * `executor: ssh`, the proxy px0 on proxy-1 with MASQUERADE limited to 16 ports, the churn and the
 * held connections from fn-1 (its CLOCK_MONOTONIC 250 s ahead: a time namespace) to svc-1. The
 * proxy's conntrack statistics and nft counters are read on proxy-1 through its agent; the
 * churner's traces are read on fn-1's clock. The same result as on one machine
 * (experiments-nat.test.ts), and nothing left on any machine.
 * Needs root, dist/, Debian's openssh-server and openssh-client, conntrack and a kernel with time namespaces.
 */
import { describe, expect, it } from 'vitest';
import { expectNothingLeftOn, nodesOn, runAcrossMachines } from './across-machines.js';
import { NAT_16_PORTS } from './experiments-helpers.js';

/** The baseline path only (the experiment builds its own proxy); the steps of experiments-nat.test.ts. */
const SCENARIO = {
  name: 'nat-across-machines-test',
  strategies: ['baseline'],
  tunnel: 'vxlan',
  functionHosts: 1,
  repetitions: 1,
  burst: { sizes: [1] },
  workload: { requests: 50, warmup: 10, metrics: ['keepalive'] },
  cpu: { placement: 'none' },
  reference: { tool: 'none' },
  experiments: [NAT_16_PORTS],
};

describe('the nat experiment across machines (executor ssh, three machines, VXLAN)', () => {
  const across = runAcrossMachines(
    {
      prefix: 'cpm-nat',
      machines: [
        { name: 'fn-1', role: 'function-host', monotonicOffsetS: 250 },
        { name: 'proxy-1', role: 'proxy' },
        { name: 'svc-1', role: 'service-host' },
      ],
    },
    SCENARIO,
  );

  const natOf = () => {
    const nat = across.run().experiments.find((e) => e.name === 'nat');
    if (nat?.kind !== 'nat') throw new Error('no nat experiment');
    expect(nat.outcome, nat.message).toBe('completed');
    if (nat.measured === undefined) throw new Error('nat: nothing measured');
    return nat.measured;
  };

  it('places the proxy on proxy-1, away from the churn on fn-1', () => {
    expect(nodesOn(across.run(), 'proxy-1')).toContain('px0');
    expect(nodesOn(across.run(), 'fn-1')).toContain('fh0');
    expect(nodesOn(across.run(), 'fn-1')).not.toContain('px0');
  });

  it("exhausts proxy-1's 16 ports as on one machine: held connections take them all, the churn fails, two SNAT addresses remedy it", () => {
    const m = natOf();
    expect(m.ports).toEqual({ first: 40000, last: 40015, count: 16 });
    const [free, full] = m.steps;
    expect(free!.failed).toBe(0);
    expect(full!.held).toMatchObject({ opened: 16, lost: 0 });
    expect(full!.failed).toBeGreaterThanOrEqual(full!.requests * 0.9);
    // Read on proxy-1 by its agent: its namespace's conntrack statistics and the limit table's counters.
    expect(full!.insertFailed).toBeGreaterThan(0);
    expect(full!.synIn).toBeGreaterThan(0);
    expect(full!.conntrackPeak).toBeGreaterThan(0);
    expect(m.failingAt).toEqual({ rate: 20, held: 16 });
    expect(m.exhausted).toBe('ports');
    expect(m.spread?.addresses).toHaveLength(2);
    expect(m.spread!.tally.ok).toBeGreaterThan(m.spread!.tally.requests * 0.8);
    console.log(
      `[nat across machines] churn only ${free!.ok}/${free!.requests} ok; 16 held: ${full!.ok}/${full!.requests} ok, ${full!.insertFailed} insert failures; two addresses: ${m.spread!.tally.ok}/${m.spread!.tally.requests} ok`,
    );
  });

  it("lines the churn's requests up on fn-1's clock: the timeline spans the experiment, not fn-1's 250 s offset", () => {
    const m = natOf();
    const buckets = m.timeline.ok.length;
    const requests = m.timeline.ok.reduce((a, b) => a + b, 0) + m.timeline.failed.reduce((a, b) => a + b, 0);
    // Three steps of 1.5 s with pauses of 1.5 s and the requests' timeouts: well under a minute of 250 ms buckets.
    expect(buckets * m.timeline.bucketUs, 'the timeline spans').toBeLessThan(60_000_000);
    expect(requests, 'every request of the three steps in the timeline').toBe(m.steps.reduce((sum, s) => sum + s.requests, 0) + m.spread!.tally.requests);
  });

  it('leaves nothing on any machine', async () => {
    await expectNothingLeftOn(across.machines(), across.run());
  });
});
