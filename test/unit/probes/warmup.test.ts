import { describe, expect, it } from 'vitest';
import { nowMicros } from '../../../src/clock.js';
import { runLoop } from '../../../src/probes/load-loop.js';
import { median } from '../../../src/metrics/paired.js';
import { isSteady, WarmupTracker, type SteadyStateSpec } from '../../../src/probes/warmup.js';

const T0 = 1_000_000;

/** Feeds one latency per window slot, each 100 µs after the last; stops when the tracker is done. Returns the adds made. */
function feed(tracker: WarmupTracker, latencies: readonly number[], stepUs = 100): number {
  let adds = 0;
  for (const latency of latencies) {
    if (tracker.done) break;
    adds++;
    tracker.add(latency, T0 + adds * stepUs);
  }
  return adds;
}

/** `window` copies of each median, one window after another. */
const windowsOf = (medians: readonly number[], window: number): number[] => medians.flatMap((m) => Array<number>(window).fill(m));

describe('median', () => {
  it('odd count: the middle value, whatever the input order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([7])).toBe(7);
  });

  it('even count: the mean of the two middle values', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 20])).toBe(15);
  });

  it('sorts numerically, not as strings', () => {
    expect(median([100, 9, 20])).toBe(20);
  });

  it('does not reorder its input; empty gives NaN', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
    expect(median([])).toBeNaN();
  });
});

describe('isSteady', () => {
  const spec = { windows: 3, tolerance: 0.1 };

  it('needs at least `windows` medians', () => {
    expect(isSteady([100, 100], spec)).toBe(false);
    expect(isSteady([100, 100, 100], spec)).toBe(true);
  });

  it('looks at the last `windows` medians only', () => {
    expect(isSteady([500, 300, 100, 100, 100], spec)).toBe(true);
    expect(isSteady([100, 100, 100, 300], spec)).toBe(false);
  });

  it('spread (max − min) / min within the tolerance, the bound included', () => {
    expect(isSteady([100, 110, 105], spec)).toBe(true);
    expect(isSteady([100, 111, 105], spec)).toBe(false);
    // Relative to the smallest, not the largest: 100 → 110 is 10 %, 110 → 100 too.
    expect(isSteady([110, 100, 110], spec)).toBe(true);
  });

  it('a zero median is never steady', () => {
    expect(isSteady([0, 0, 0], spec)).toBe(false);
  });
});

describe('WarmupTracker, fixed', () => {
  it('claim() is true exactly minRequests times, then false', () => {
    const tracker = new WarmupTracker(5, undefined, T0);
    const claims = Array.from({ length: 8 }, () => tracker.claim());
    expect(claims).toEqual([true, true, true, true, true, false, false, false]);
    expect(tracker.done).toBe(true);
    const record = tracker.record();
    expect(record.mode).toBe('fixed');
    expect(record.requests).toBe(5);
    expect(record).not.toHaveProperty('converged');
  });

  it('is not done before the first claim past minRequests', () => {
    const tracker = new WarmupTracker(2, undefined, T0);
    expect(tracker.done).toBe(false);
    tracker.claim();
    tracker.claim();
    expect(tracker.done).toBe(false);
    expect(tracker.claim()).toBe(false);
    expect(tracker.done).toBe(true);
  });

  it('no warm-up: done from the start, nothing claimed, no duration', () => {
    const tracker = new WarmupTracker(0, undefined, T0);
    expect(tracker.done).toBe(true);
    expect(tracker.claim()).toBe(false);
    expect(tracker.record()).toEqual({ mode: 'fixed', requests: 0, durationUs: 0 });
  });

  it('add() does not count in fixed mode', () => {
    const tracker = new WarmupTracker(3, undefined, T0);
    tracker.add(100, T0 + 10);
    tracker.add(100, T0 + 20);
    expect(tracker.record().requests).toBe(0);
    expect(tracker.claim()).toBe(true);
  });
});

describe('WarmupTracker, steady', () => {
  const spec: SteadyStateSpec = { window: 5, windows: 3, tolerance: 0.05, timeLimitMs: 60_000 };

  it('a falling series converges only once it has plateaued for `windows` windows', () => {
    const tracker = new WarmupTracker(0, spec, T0);
    const medians = [300, 250, 200, 150, 100, 100, 100, 100, 100];
    const latencies = windowsOf(medians, spec.window);
    // Not done anywhere before the third window at 100 is complete.
    for (let i = 0; i < 7 * spec.window - 1; i++) {
      expect(tracker.claim()).toBe(true);
      tracker.add(latencies[i] as number, T0 + (i + 1) * 100);
      expect(tracker.done).toBe(false);
    }
    tracker.add(100, T0 + 7 * spec.window * 100);
    expect(tracker.done).toBe(true);
    expect(tracker.claim()).toBe(false);
    const record = tracker.record();
    expect(record).toEqual({
      mode: 'steady',
      requests: 35,
      durationUs: 3500,
      converged: true,
      windowP50s: [300, 250, 200, 150, 100, 100, 100],
    });
  });

  it('medians of windows with spread latencies, not their means', () => {
    const tracker = new WarmupTracker(0, { window: 3, windows: 2, tolerance: 0.05, timeLimitMs: 60_000 }, T0);
    // Each window has one outlier; the medians are 100 and 101 (1 % apart).
    feed(tracker, [100, 5000, 90, 101, 1, 200]);
    const record = tracker.record();
    expect(record.mode === 'steady' && record.converged).toBe(true);
    expect(record.mode === 'steady' ? record.windowP50s : undefined).toEqual([100, 101]);
  });

  it('keeps only the last 8 window medians', () => {
    const tracker = new WarmupTracker(0, { window: 1, windows: 3, tolerance: 0.01, timeLimitMs: 60_000 }, T0);
    const medians = [1000, 900, 800, 700, 600, 500, 400, 300, 200, 100, 100, 100];
    expect(feed(tracker, medians)).toBe(12);
    const record = tracker.record();
    expect(record.mode === 'steady' && record.converged).toBe(true);
    expect(record.mode === 'steady' ? record.windowP50s : undefined).toEqual([600, 500, 400, 300, 200, 100, 100, 100]);
  });

  it('a series that never settles ends at the time limit, not converged', () => {
    const tracker = new WarmupTracker(0, { window: 2, windows: 3, tolerance: 0.05, timeLimitMs: 1 }, T0);
    // Window medians alternate 100, 200, 100, …; adds come 100 µs apart, so the 1 ms limit falls on the 10th.
    const latencies = windowsOf([100, 200, 100, 200, 100, 200, 100, 200], 2);
    const adds = feed(tracker, latencies);
    expect(adds).toBe(10);
    expect(tracker.done).toBe(true);
    expect(tracker.record()).toEqual({
      mode: 'steady',
      requests: 10,
      durationUs: 1000,
      converged: false,
      windowP50s: [100, 200, 100, 200, 100],
    });
  });

  it('minRequests holds warm-up open after the medians agree', () => {
    const tracker = new WarmupTracker(20, { window: 2, windows: 3, tolerance: 0.05, timeLimitMs: 60_000 }, T0);
    // Steady from the 6th request on; the least is 20.
    const adds = feed(tracker, Array<number>(40).fill(100));
    expect(adds).toBe(20);
    const record = tracker.record();
    expect(record.mode === 'steady' && record.converged).toBe(true);
    expect(record.requests).toBe(20);
  });

  it('failed requests count towards minRequests but not into a window', () => {
    const tracker = new WarmupTracker(0, { window: 2, windows: 2, tolerance: 0.05, timeLimitMs: 60_000 }, T0);
    tracker.add(undefined, T0 + 100);
    tracker.add(undefined, T0 + 200);
    tracker.add(100, T0 + 300);
    tracker.add(undefined, T0 + 400);
    tracker.add(100, T0 + 500);
    expect(tracker.done).toBe(false);
    const partial = tracker.record();
    expect(partial.mode === 'steady' ? partial.windowP50s : undefined).toEqual([100]);
    tracker.add(100, T0 + 600);
    tracker.add(100, T0 + 700);
    expect(tracker.done).toBe(true);
    expect(tracker.record().requests).toBe(7);
  });

  it('adds after the end are ignored', () => {
    const tracker = new WarmupTracker(0, { window: 1, windows: 2, tolerance: 0.05, timeLimitMs: 60_000 }, T0);
    feed(tracker, [100, 100]);
    expect(tracker.done).toBe(true);
    tracker.add(900, T0 + 10_000);
    expect(tracker.record()).toEqual({ mode: 'steady', requests: 2, durationUs: 200, converged: true, windowP50s: [100, 100] });
  });
});

describe('runLoop with a steady-state warm-up', () => {
  const steady: SteadyStateSpec = { window: 10, windows: 3, tolerance: 0.5, timeLimitMs: 60_000 };
  /** Synthetic latency by call: three falling windows (1000, 500, 250 µs), then 100 µs. */
  const fallingThenFlat = (): (() => Promise<number>) => {
    let calls = 0;
    return async () => {
      const window = Math.floor(calls++ / steady.window);
      const latency = [1000, 500, 250][window] ?? 100;
      return nowMicros() + latency;
    };
  };

  it('closed loop: warms up until the latency settles, then measures exactly `requests`', async () => {
    const result = await runLoop({ requests: 50, warmup: 0, steady, concurrency: 1, loop: 'closed' }, fallingThenFlat(), new AbortController().signal);
    expect(result.warmup.mode).toBe('steady');
    if (result.warmup.mode !== 'steady') return;
    expect(result.warmup.converged).toBe(true);
    // Windows 1000, 500, 250, 100, 100, 100: converged with the 6th window.
    expect(result.warmup.requests).toBe(60);
    expect(result.warmup.windowP50s).toHaveLength(6);
    expect(result.warmup.windowP50s[0]).toBeGreaterThanOrEqual(1000);
    expect(result.warmup.windowP50s.slice(3).every((p50) => p50 >= 100)).toBe(true);
    expect(result.histogram.totalCount).toBe(50);
    // The warm-up's slow requests are not in the measurement.
    expect(result.histogram.minNonZeroValue).toBeGreaterThanOrEqual(100);
    expect(result.histogram.getValueAtPercentile(50)).toBeLessThan(250);
    expect(result.aborted).toBe(false);
  });

  it('closed loop: the warm-up count is the least number of warm-up requests', async () => {
    const result = await runLoop({ requests: 20, warmup: 90, steady, concurrency: 1, loop: 'closed' }, fallingThenFlat(), new AbortController().signal);
    expect(result.warmup.mode === 'steady' && result.warmup.converged).toBe(true);
    expect(result.warmup.requests).toBe(90);
    expect(result.histogram.totalCount).toBe(20);
  });

  it('open loop: the steady warm-up runs first, then the measured schedule', async () => {
    const result = await runLoop({ requests: 30, warmup: 0, steady, concurrency: 1, loop: 'open', rate: 20_000 }, fallingThenFlat(), new AbortController().signal);
    expect(result.warmup.mode).toBe('steady');
    expect(result.warmup.mode === 'steady' && result.warmup.converged).toBe(true);
    expect(result.histogram.totalCount).toBe(30);
    expect(result.raw?.totalCount).toBe(30);
  });
});
