/** Timelines, outage gaps and connection survival from synthetic request traces. */
import { describe, expect, it } from 'vitest';
import { connectionEventsOf, connectionSurvival, firstOkAfter, longestGap, mergeTallies, pointsOf, tally, timeline } from '../../../src/experiments/analysis.js';
import { unsentTally } from '../../../src/experiments/load.js';
import type { RequestTrace } from '../../../src/probes/protocol.js';

/** A request every 5 ms from -500 ms to +1000 ms, 1 ms latency, none completing during [0, 300) ms. */
function outageTrace(t0: number, fault: number): RequestTrace {
  const requests: RequestTrace['requests'] = [];
  for (let at = -500_000; at < 1_000_000; at += 5000) {
    const done = at >= 0 && at < 300_000 ? 300_000 + (at % 20_000) : at + 1000;
    requests.push([at + fault - t0, at + fault - t0, done + fault - t0, at === 100_000 ? 1 : 0]);
  }
  return { t0, requests, errorKinds: ['timeout'], connections: [] };
}

describe('trace analysis', () => {
  const fault = 5_000_000;
  const points = pointsOf(outageTrace(1_000_000, fault), fault);

  it('puts requests on the fault clock', () => {
    expect(points[0]).toEqual({ intended: -500_000, sent: -500_000, done: -499_000, ok: true });
    expect(points.find((p) => !p.ok)).toMatchObject({ sent: 100_000, error: 'timeout' });
  });

  it('finds the outage that overlaps the fault, not a later stall', () => {
    const gap = longestGap(points, 1_000_000, -500_000);
    expect(gap).toEqual({ us: 300_000 - -4000, start: -4000, end: 300_000, recovered: true });
    // A window of interest that excludes the outage finds only normal spacing.
    expect(longestGap(points, 1_000_000, -500_000, [600_000, 900_000])?.us).toBe(5000);
  });

  it('an outage that never ends is censored at the window end', () => {
    const dead = points.filter((p) => p.done < 0);
    expect(longestGap(dead, 1_000_000, -500_000)).toEqual({ us: 1_004_000, start: -4000, end: 1_000_000, recovered: false });
    expect(firstOkAfter(dead)).toBeNull();
  });

  it('timeline buckets successes and failures by completion', () => {
    const t = timeline(points, -500_000, 1_000_000, 100_000);
    expect(t.ok).toHaveLength(15);
    expect(t.ok[0]).toBe(20);
    expect(t.ok[6]).toBe(0); // 100–200 ms after the fault: nothing completes
    expect(t.ok[8]).toBe(79); // the backlog completes at 300–320 ms, plus the first normal ones
    expect(t.failed.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('tallies errors by kind, counting unsent requests as failures', () => {
    expect(tally(points)).toEqual({ requests: 300, ok: 299, failed: 1, errors: { timeout: 1 } });
    expect(mergeTallies([tally(points), unsentTally(310, 300)])).toEqual({ requests: 310, ok: 299, failed: 11, errors: { timeout: 1, 'not-sent': 10 } });
    expect(unsentTally(5, 9)).toEqual({ requests: 0, ok: 0, failed: 0, errors: {} });
  });

  it('connections: open at the fault, lost, survived, reopened (per slot)', () => {
    const trace: RequestTrace = {
      t0: 0,
      requests: [],
      errorKinds: [],
      connections: [
        [100, 1, 0],
        [110, 1, 1],
        [120, 1, 2],
        [5_000_500, -1, 1],
        [5_000_900, 1, 1], // slot 1 lost at the fault and reconnected
        [5_000_950, 1, 3], // a new slot after the fault
      ],
    };
    expect(connectionSurvival(connectionEventsOf(trace, 5_000_000))).toEqual({ atFault: 3, survived: 2, lost: 1, openedAfter: 2 });
  });
});
