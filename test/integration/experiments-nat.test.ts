/** NAT limits of one proxy: port exhaustion is reached at small scale, reported with its cause, and the measured remedy (SNAT spread over two addresses) removes the failures. */
import { describe, expect, it } from 'vitest';
import { experiment, expectNothingLeft, NAT_16_PORTS, runExperimentScenario } from './experiments-helpers.js';

describe('experiment: nat', () => {
  it('exhausts a 16-port MASQUERADE and reports it', async () => {
    const { cli, run } = await runExperimentScenario([NAT_16_PORTS]);
    expect(cli.code, cli.stderr).toBe(0);
    const nat = experiment(run, 'nat', 'nat');
    expect(nat.outcome, nat.message).toBe('completed');
    const m = nat.measured!;
    expect(m.ports).toEqual({ first: 40000, last: 40015, count: 16 });
    const [free, full] = m.steps;
    // Churn alone, below ports ÷ TIME_WAIT (10/s < 16 ports / 1 s): nothing fails. (At 20/s it depends on
    // whether the kernel reuses a port in TIME_WAIT in time: 0 or 1 of 30 failed, run to run.)
    expect(free!.failed).toBe(0);
    // All 16 ports held from before the churn's first request to after its last: no new connection gets a
    // NAT mapping, the kernel drops their SYNs (retried after 1 s and 3 s) and they time out (measured: 30 of 30).
    expect(full!.held).toMatchObject({ opened: 16, lost: 0 });
    expect(full!.failed).toBeGreaterThanOrEqual(full!.requests * 0.9);
    expect(full!.errors).toHaveProperty('timeout');
    expect(full!.insertFailed).toBeGreaterThan(0);
    expect(m.failingAt).toEqual({ rate: 20, held: 16 });
    expect(m.exhausted).toBe('ports');
    expect(m.remedy.addressesNeeded).toBeGreaterThan(1);
    // The remedy, measured: two SNAT addresses chosen per flow.
    expect(m.spread?.addresses).toHaveLength(2);
    expect(m.spread!.tally.failed).toBeLessThan(full!.failed);
    expect(m.spread!.tally.ok).toBeGreaterThan(m.spread!.tally.requests * 0.8);
    expectNothingLeft(run);
  });
});
