/** An agent's apply timing on the coordinator's clock: through an injected offset, within the estimate's ±δ/2, clamped to the request. */
import { describe, expect, it } from 'vitest';
import { agentToCoordinatorUs, applyResultToCoordinator } from '../../../src/agent/apply-timing.js';
import { estimateOffset, type ClockExchange } from '../../../src/agent/clock-offset.js';

/** Exchanges with an agent whose clock is `offsetUs` ahead; `outUs`/`backUs` are the one-way delays, `serveUs` the agent's own time. */
function exchanges(offsetUs: number, legs: ReadonlyArray<{ at: number; outUs: number; serveUs: number; backUs: number }>): ClockExchange[] {
  return legs.map(({ at, outUs, serveUs, backUs }) => ({ t0: at, t1: at + outUs + offsetUs, t2: at + outUs + serveUs + offsetUs, t3: at + outUs + serveUs + backUs }));
}

describe('apply timing: agent clock → coordinator clock', () => {
  const offsetUs = 7_000_123;
  // Asymmetric legs: the estimate's θ is off by half the asymmetry, inside its ±δ/2.
  const clock = estimateOffset(
    exchanges(offsetUs, [
      { at: 1_000_000, outUs: 90, serveUs: 10, backUs: 30 },
      { at: 1_001_000, outUs: 40, serveUs: 8, backUs: 20 },
      { at: 1_002_000, outUs: 300, serveUs: 10, backUs: 300 },
    ]),
  );

  it('recovers the injected offset within the estimate’s bound', () => {
    expect(clock.delayUs).toBe(60);
    expect(clock.uncertaintyUs).toBe(30);
    expect(Math.abs(clock.offsetUs - offsetUs)).toBeLessThanOrEqual(clock.uncertaintyUs);
    const trueCoordinatorUs = 1_002_500;
    const mapped = agentToCoordinatorUs(trueCoordinatorUs + offsetUs, clock);
    expect(Math.abs(mapped - trueCoordinatorUs)).toBeLessThanOrEqual(clock.uncertaintyUs + 1); // + rounding to whole µs
  });

  it('maps start and end alike: the kernel work’s duration is the agent’s, steps and queueing unchanged', () => {
    const result = applyResultToCoordinator({ steps: 3, startUs: 1_003_000 + offsetUs, endUs: 1_004_250 + offsetUs, queuedUs: 12 }, clock);
    expect(result.endUs - result.startUs).toBe(1_250);
    expect(result.steps).toBe(3);
    expect(result.queuedUs).toBe(12);
    expect(Math.abs(result.startUs - 1_003_000)).toBeLessThanOrEqual(clock.uncertaintyUs + 1);
  });

  it('is identity within ±δ/2 for two readers of one clock (the local child)', () => {
    const same = estimateOffset(exchanges(0, [{ at: 5_000, outUs: 70, serveUs: 15, backUs: 25 }]));
    expect(Math.abs(agentToCoordinatorUs(9_000, same) - 9_000)).toBeLessThanOrEqual(same.uncertaintyUs + 1);
  });

  it('keeps both stamps inside the request’s window, in order, when the estimate is off', () => {
    // A stale estimate 2 ms off: the mapped stamps would fall outside the request that caused them.
    const stale = { ...clock, offsetUs: offsetUs - 2_000 };
    const window = { sentUs: 2_000_000, answeredUs: 2_001_000 };
    const result = applyResultToCoordinator({ steps: 1, startUs: 2_000_200 + offsetUs, endUs: 2_000_700 + offsetUs, queuedUs: 0 }, stale, window);
    expect(result.startUs).toBeGreaterThanOrEqual(window.sentUs);
    expect(result.endUs).toBeLessThanOrEqual(window.answeredUs);
    expect(result.endUs).toBeGreaterThanOrEqual(result.startUs);
    // A window that contains the mapped stamps changes nothing.
    const wide = { sentUs: 0, answeredUs: 10_000_000 };
    const inside = applyResultToCoordinator({ steps: 1, startUs: 2_000_200 + offsetUs, endUs: 2_000_700 + offsetUs, queuedUs: 0 }, clock, wide);
    expect(inside).toEqual(applyResultToCoordinator({ steps: 1, startUs: 2_000_200 + offsetUs, endUs: 2_000_700 + offsetUs, queuedUs: 0 }, clock));
  });
});
