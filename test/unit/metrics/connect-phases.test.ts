import { describe, expect, it } from 'vitest';
import { nowMicros } from '../../../src/clock.js';
import { CONNECT_PHASES, CONNECT_PHASES_OF, isPhasedEnd, phaseDurations } from '../../../src/metrics/connect-phases.js';
import { runLoop } from '../../../src/probes/load-loop.js';

describe('connection set-up phases', () => {
  it('each phase lasts from the previous stamp to its own; the parts add up to the total exactly', () => {
    // A pg.connect on synthetic stamps (µs): sent at 1000, connected at 1180, TLS done at 2350, ready at 9990, result at 10321.
    const durations = phaseDurations(1000, [1180, 2350, 9990, 10321]);
    expect(durations).toEqual([180, 1170, 7640, 331]);
    expect(durations.reduce((a, b) => a + b, 0)).toBe(10321 - 1000);
  });

  it('a stamp before the previous one (a missed event) is a zero-length phase; the next phase takes the time, the sum stays exact', () => {
    const durations = phaseDurations(500, [620, 0, 900]);
    expect(durations).toEqual([120, 0, 280]);
    expect(durations.reduce((a, b) => a + b, 0)).toBe(400);
  });

  it('names the phases per metric, in set-up order: Redis has no TLS', () => {
    expect(CONNECT_PHASES_OF['pg.connect']).toEqual(['tcp', 'tls', 'auth', 'query']);
    expect(CONNECT_PHASES_OF['redis.connect']).toEqual(['tcp', 'auth', 'query']);
    expect(CONNECT_PHASES_OF['keepalive']).toBeUndefined();
    for (const phases of Object.values(CONNECT_PHASES_OF)) expect([...phases].sort((a, b) => CONNECT_PHASES.indexOf(a) - CONNECT_PHASES.indexOf(b))).toEqual(phases);
    expect(isPhasedEnd({ end: 1, stamps: [1] })).toBe(true);
    expect(isPhasedEnd(5)).toBe(false);
  });

  it('the load loop records each phase of every measured request, none of the warm-up or failed ones, and the parts add up to the total', async () => {
    let calls = 0;
    const result = await runLoop(
      { requests: 40, warmup: 10, concurrency: 2, loop: 'closed', phases: ['tcp', 'tls', 'auth', 'query'] },
      async () => {
        calls++;
        if (calls % 7 === 0) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        const s = nowMicros();
        return { end: s + 1000, stamps: [s + 100, s + 300, s + 700, s + 1000] };
      },
      new AbortController().signal,
    );
    const phases = result.phases!;
    expect(Object.keys(phases)).toEqual(['tcp', 'tls', 'auth', 'query']);
    const count = result.histogram.totalCount;
    expect(count + (result.errors['reset'] ?? 0)).toBe(40);
    for (const histogram of Object.values(phases)) expect(histogram.totalCount).toBe(count);
    expect(phases['tls']!.mean).toBe(200);
    expect(phases['auth']!.mean).toBe(400);
    expect(phases['query']!.mean).toBe(300);
    // Every request's parts add up to its latency; the histograms keep values within 0.1 % (exactly below 2048 µs), so the means agree that closely.
    const parts = Object.values(phases).reduce((sum, histogram) => sum + histogram.mean, 0);
    expect(Math.abs(parts - result.histogram.mean)).toBeLessThanOrEqual(result.histogram.mean * 0.002);
  });

  it('a loop without phases records none', async () => {
    const result = await runLoop({ requests: 5, warmup: 0, concurrency: 1, loop: 'closed' }, async () => {}, new AbortController().signal);
    expect(result.phases).toBeUndefined();
  });
});
