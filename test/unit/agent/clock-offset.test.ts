/** The coordinator's clock-offset estimator on synthetic exchanges whose true offset, delays and drift are known. */
import { describe, expect, it } from 'vitest';
import { combineEstimates, DEFAULT_DRIFT_BOUND_PPM, estimateOffset, exchangeOffset, toCoordinatorTime, type ClockExchange } from '../../../src/agent/clock-offset.js';
import { isColdpathError } from '../../../src/errors.js';

/** A deterministic PRNG (mulberry32), so every failure replays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Link {
  /** Agent clock minus coordinator clock at coordinator time 0 (µs). */
  offsetUs: number;
  /** Rate difference: the offset grows by this many µs per coordinator second. */
  driftPpm?: number;
}

/**
 * One exchange starting at coordinator time `sendUs`: `forwardUs` to the agent, `agentUs` inside it,
 * `returnUs` back. Timestamps are truncated to integer µs, as both clocks give them.
 */
function exchange(link: Link, sendUs: number, forwardUs: number, agentUs: number, returnUs: number): ClockExchange {
  const agentClock = (c: number): number => Math.floor(c + link.offsetUs + ((link.driftPpm ?? 0) * c) / 1e6);
  const readUs = sendUs + forwardUs;
  const answerUs = readUs + agentUs;
  return { t0: Math.floor(sendUs), t1: agentClock(readUs), t2: agentClock(answerUs), t3: Math.floor(answerUs + returnUs) };
}

/** `count` exchanges from `startUs` with jittered, asymmetric one-way delays (a base plus exponential queueing). */
function jittered(link: Link, startUs: number, count: number, seed: number): ClockExchange[] {
  const next = random(seed);
  const queueing = (meanUs: number): number => -Math.log(1 - next()) * meanUs;
  const exchanges: ClockExchange[] = [];
  let at = startUs;
  for (let i = 0; i < count; i++) {
    const e = exchange(link, at, 40 + queueing(300), 5 + next() * 20, 25 + queueing(900));
    exchanges.push(e);
    at = e.t3 + 100;
  }
  return exchanges;
}

const trueOffsetAt = (link: Link, coordinatorUs: number): number => link.offsetUs + ((link.driftPpm ?? 0) * coordinatorUs) / 1e6;

describe('one exchange', () => {
  it('θ = ((t1 − t0) + (t2 − t3)) / 2 and δ = (t3 − t0) − (t2 − t1)', () => {
    expect(exchangeOffset({ t0: 1000, t1: 5100, t2: 5130, t3: 1250 })).toEqual({ offsetUs: (4100 + 3880) / 2, delayUs: 250 - 30 });
  });

  it('an asymmetric path moves θ inside θ ± δ/2, never out of it', () => {
    const link = { offsetUs: 7_000 };
    const slowBack = exchangeOffset(exchange(link, 1_000, 50, 10, 500));
    expect(slowBack.offsetUs).toBe(7_000 + (50 - 500) / 2);
    expect(slowBack.delayUs).toBe(550);
    expect(Math.abs(slowBack.offsetUs - link.offsetUs)).toBeLessThanOrEqual(slowBack.delayUs / 2);
    // Entirely one-way: θ sits on the edge of its bound.
    const oneWay = exchangeOffset(exchange(link, 1_000, 0, 10, 400));
    expect(Math.abs(oneWay.offsetUs - link.offsetUs)).toBe(oneWay.delayUs / 2);
  });

  it('refuses an exchange out of order, naming its timestamps', () => {
    expect(() => exchangeOffset({ t0: 10, t1: 50, t2: 40, t3: 30 })).toThrow(/t0 10, t1 50, t2 40, t3 30/);
    expect(() => exchangeOffset({ t0: 10, t1: 50, t2: 60, t3: 5 })).toThrow(/out of order/);
  });
});

describe('estimateOffset', () => {
  it('takes the least-delay exchange: uncertainty δ_min / 2, at the middle of that exchange', () => {
    const link = { offsetUs: -3_000_000 };
    const exchanges = [exchange(link, 0, 400, 10, 100), exchange(link, 1_000, 60, 10, 40), exchange(link, 2_000, 30, 10, 900)];
    const estimate = estimateOffset(exchanges);
    expect(estimate).toEqual({ kind: 'offset', offsetUs: -3_000_000 + (60 - 40) / 2, uncertaintyUs: 50, delayUs: 100, atUs: 1_055, samples: 3 });
  });

  it('on equal delays, the earliest exchange wins', () => {
    const link = { offsetUs: 0 };
    expect(estimateOffset([exchange(link, 0, 10, 0, 30), exchange(link, 100, 30, 0, 10)]).offsetUs).toBe(-10);
  });

  it('recovers a known injected offset within its bound, over jitter and asymmetric queues (200 seeded rounds)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const link = { offsetUs: 123_456_789 - seed * 1_000_003 };
      const estimate = estimateOffset(jittered(link, 5_000_000, 20, seed));
      expect(Math.abs(estimate.offsetUs - link.offsetUs), `seed ${seed}`).toBeLessThanOrEqual(estimate.uncertaintyUs);
      // The least delay of 20 exchanges is close to the path's floor (≈ 70 µs + agent time), so the bound is tight.
      expect(estimate.uncertaintyUs, `seed ${seed}`).toBeLessThan(400);
    }
  });

  it('is exact on a symmetric path, whatever the agent takes', () => {
    const link = { offsetUs: 42_000 };
    expect(estimateOffset([exchange(link, 10_000, 80, 35, 80)]).offsetUs).toBe(42_000);
  });

  it('refuses no exchanges at all', () => {
    let error: unknown;
    try {
      estimateOffset([]);
    } catch (caught) {
      error = caught;
    }
    expect(isColdpathError(error) && error.message).toBe('no clock exchanges to estimate an offset from');
  });
});

describe('drift between a start and an end estimate', () => {
  const link = { offsetUs: 2_500_000, driftPpm: 40 };
  const start = estimateOffset(jittered(link, 1_000_000, 20, 7));
  const end = estimateOffset(jittered(link, 61_000_000, 20, 8));
  const drift = combineEstimates(start, end);

  it('measures the rate difference within its stated bound', () => {
    expect(end.offsetUs - start.offsetUs).toBeGreaterThan(2_000);
    expect(Math.abs(drift.driftPpm - 40)).toBeLessThanOrEqual(drift.driftUncertaintyPpm);
    expect(drift.driftUncertaintyPpm).toBeLessThan(10);
  });

  it('maps agent timestamps inside and beyond the run to coordinator time within their uncertainty', () => {
    for (const coordinatorUs of [1_000_000, 17_000_000, 31_000_000, 60_000_000, 75_000_000]) {
      const agentUs = coordinatorUs + trueOffsetAt(link, coordinatorUs);
      const mapped = toCoordinatorTime(agentUs, drift, { maxUncertaintyUs: 10_000 });
      if (mapped.kind !== 'mapped') throw new Error(`too uncertain at ${coordinatorUs}`);
      expect(Math.abs(mapped.coordinatorUs - coordinatorUs), `at ${coordinatorUs}`).toBeLessThanOrEqual(mapped.uncertaintyUs + 1e-6);
    }
  });

  it('interpolates the bound between the estimates and widens it beyond them', () => {
    const at = (coordinatorUs: number): number => {
      const mapped = toCoordinatorTime(coordinatorUs + trueOffsetAt(link, coordinatorUs), drift, { maxUncertaintyUs: 1e9 });
      return mapped.uncertaintyUs;
    };
    const middle = (start.atUs + end.atUs) / 2;
    expect(at(middle)).toBeCloseTo((start.uncertaintyUs + end.uncertaintyUs) / 2, 3);
    expect(at(end.atUs + (end.atUs - start.atUs))).toBeCloseTo(start.uncertaintyUs + 2 * end.uncertaintyUs, 3);
  });

  it('a single estimate ignores drift at first, then pays the drift bound with distance', () => {
    const single = start;
    const mapped = toCoordinatorTime(single.atUs + single.offsetUs, single, { maxUncertaintyUs: 1e9 });
    expect(mapped).toEqual({ kind: 'mapped', coordinatorUs: single.atUs, uncertaintyUs: single.uncertaintyUs });
    const later = toCoordinatorTime(single.atUs + 1_000_000 + single.offsetUs, single, { maxUncertaintyUs: 1e9 });
    expect(later.uncertaintyUs).toBeCloseTo(single.uncertaintyUs + DEFAULT_DRIFT_BOUND_PPM, 6);
    const disciplined = toCoordinatorTime(single.atUs + 1_000_000 + single.offsetUs, single, { maxUncertaintyUs: 1e9, driftBoundPpm: 15 });
    expect(disciplined.uncertaintyUs).toBeCloseTo(single.uncertaintyUs + 15, 6);
  });

  it('refuses an end estimate that is not after the start', () => {
    expect(() => combineEstimates(end, start)).toThrow(/not after the start estimate/);
  });
});

describe('too uncertain', () => {
  const estimate = estimateOffset([exchange({ offsetUs: 900 }, 0, 100, 10, 100)]);

  it('says so, with the bound and the uncertainty, instead of a time', () => {
    expect(estimate.uncertaintyUs).toBe(100);
    expect(toCoordinatorTime(5_000, estimate, { maxUncertaintyUs: 50 })).toEqual({
      kind: 'too-uncertain',
      boundUs: 50,
      uncertaintyUs: 100 + (Math.abs(5_000 - 900 - 105) * DEFAULT_DRIFT_BOUND_PPM) / 1e6,
    });
  });

  it('maps when the uncertainty is within the bound', () => {
    expect(toCoordinatorTime(estimate.atUs + 900, estimate, { maxUncertaintyUs: 100 })).toEqual({ kind: 'mapped', coordinatorUs: 105, uncertaintyUs: 100 });
  });

  it('a drift estimate far beyond its end becomes too uncertain', () => {
    const link = { offsetUs: 0, driftPpm: 10 };
    const drift = combineEstimates(estimateOffset([exchange(link, 0, 100, 10, 100)]), estimateOffset([exchange(link, 1_000_000, 100, 10, 100)]));
    expect(toCoordinatorTime(1_500_000, drift, { maxUncertaintyUs: 1_000 }).kind).toBe('mapped');
    expect(toCoordinatorTime(20_000_000, drift, { maxUncertaintyUs: 1_000 })).toMatchObject({ kind: 'too-uncertain', boundUs: 1_000 });
  });
});
