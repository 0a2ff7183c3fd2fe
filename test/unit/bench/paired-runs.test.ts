/** Pairs of whole runs in both orders (bench/hosts.ts): the order bookkeeping and the ratio arithmetic, no privileges. */
import { describe, expect, it } from 'vitest';
import { abbaOrder, compareSides, type MeasuredPair, verdictOf } from '../../../bench/paired-runs.js';
import { meanInterval, ratioInterval, welchInterval } from '../../../bench/stats.js';

const pairOf = (pair: number, acrossFirst: boolean, across: Record<string, number>, one: Record<string, number>): MeasuredPair => ({
  pair,
  acrossFirst,
  across: Object.fromEntries(Object.entries(across).map(([path, v]) => [path, { keepalive: v }])),
  one: Object.fromEntries(Object.entries(one).map(([path, v]) => [path, { keepalive: v }])),
});

describe('abbaOrder', () => {
  it('alternates which side runs first, so the runs go A B B A A B …', () => {
    const plan = abbaOrder(4);
    expect(plan.map((p) => p.order.join(' '))).toEqual(['across one', 'one across', 'across one', 'one across']);
    expect(plan.flatMap((p) => p.order.map((s) => (s === 'across' ? 'A' : 'B'))).join('')).toBe('ABBAABBA');
    expect(plan.map((p) => p.pair)).toEqual([0, 1, 2, 3]);
  });

  it('one pair is across first; refuses no pairs or a fraction', () => {
    expect(abbaOrder(1)).toEqual([{ pair: 0, order: ['across', 'one'] }]);
    expect(() => abbaOrder(0)).toThrow(/≥ 1/);
    expect(() => abbaOrder(1.5)).toThrow(/whole/);
  });
});

describe('intervals', () => {
  it('meanInterval: t interval of the mean, none from one value', () => {
    expect(meanInterval([5])).toEqual({ n: 1, mean: 5, low: undefined, high: undefined });
    // mean 2, sd 1, n 3: half-width t(2) × 1/√3 = 4.303 / 1.732.
    const i = meanInterval([1, 2, 3]);
    expect(i.mean).toBe(2);
    expect(i.high! - 2).toBeCloseTo(4.303 / Math.sqrt(3), 6);
    expect(2 - i.low!).toBeCloseTo(4.303 / Math.sqrt(3), 6);
  });

  it('ratioInterval: geometric mean, symmetric in log (×2 and ÷2 average to 1)', () => {
    const i = ratioInterval([2, 0.5]);
    expect(i.mean).toBeCloseTo(1, 12);
    expect(i.low! * i.high!).toBeCloseTo(1, 9);
    expect(ratioInterval([1.2, 1.2, 1.2])).toMatchObject({ mean: expect.closeTo(1.2, 12), low: expect.closeTo(1.2, 12), high: expect.closeTo(1.2, 12) });
  });

  it('welchInterval: difference of means, none unless both groups have two', () => {
    expect(welchInterval([1], [0, 0])).toMatchObject({ mean: 1, low: undefined });
    const i = welchInterval([3, 5], [1, 1]);
    expect(i.mean).toBe(3);
    // Group b has no spread: df = 1, half-width t(1) × √(2/2).
    expect(i.high! - 3).toBeCloseTo(12.706, 3);
  });
});

describe('compareSides', () => {
  it('per path: medians, across ÷ one per pair, split by which side ran first, overhead and change over baseline', () => {
    const pairs = [
      pairOf(0, true, { baseline: 110, eni: 220 }, { baseline: 100, eni: 200 }),
      pairOf(1, false, { baseline: 132, eni: 264 }, { baseline: 120, eni: 240 }),
      pairOf(2, true, { baseline: 99, eni: 198 }, { baseline: 90, eni: 180 }),
      pairOf(3, false, { baseline: 121, eni: 242 }, { baseline: 110, eni: 220 }),
    ];
    const [baseline, eni] = compareSides(pairs);
    expect(baseline).toMatchObject({ path: 'baseline', metric: 'keepalive', pairs: 4, one: 105, across: 115.5, overBaselineUs: undefined });
    expect(baseline!.ratio.mean).toBeCloseTo(1.1, 12);
    expect(baseline!.ratio.low).toBeCloseTo(1.1, 9);
    expect(baseline!.acrossFirst.n).toBe(2);
    expect(baseline!.acrossSecond.n).toBe(2);
    expect(baseline!.orderEffect.mean).toBeCloseTo(1, 12);
    expect(baseline!.verdict).toBe('across slower');
    expect(eni!.overheadUs.mean).toBeCloseTo((20 + 24 + 18 + 22) / 4, 9);
    // eni − baseline grows by 10 % too: (110 − 100), (132 − 120), …
    expect(eni!.overBaselineUs!.mean).toBeCloseTo((10 + 12 + 9 + 11) / 4, 9);
  });

  it('a difference that only one order shows is not stated: order-dependent when the interval excludes 1', () => {
    const pairs = [pairOf(0, true, { baseline: 130 }, { baseline: 100 }), pairOf(1, false, { baseline: 99 }, { baseline: 100 }), pairOf(2, true, { baseline: 131 }, { baseline: 100 })];
    const [row] = compareSides(pairs);
    expect(row!.acrossFirst.mean).toBeGreaterThan(1.2);
    expect(row!.acrossSecond.mean).toBeLessThan(1);
    // Three pairs cannot exclude 1 with one of them the other way; were the interval narrower, the split would still name it.
    expect(row!.verdict).toBe('no difference shown');
    expect(verdictOf({ n: 3, mean: 1.2, low: 1.1, high: 1.3 }, { n: 2, mean: 1.3, low: 1.2, high: 1.4 }, { n: 1, mean: 0.99, low: undefined, high: undefined })).toBe('order-dependent');
  });

  it('one pair: figures and a ratio, no interval and no verdict', () => {
    const [row] = compareSides([pairOf(0, true, { eni: 150 }, { eni: 100 })]);
    expect(row).toMatchObject({ pairs: 1, one: 100, across: 150, verdict: 'too few pairs' });
    expect(row!.ratio).toMatchObject({ n: 1, mean: expect.closeTo(1.5, 12), low: undefined });
    expect(row!.acrossSecond.n).toBe(0);
  });

  it('leaves out a path or metric only one side measured in a pair; a holding interval shows no difference', () => {
    const pairs = [pairOf(0, true, { baseline: 101, eni: 1 }, { baseline: 100 }), pairOf(1, false, { baseline: 99 }, { baseline: 100 })];
    const rows = compareSides(pairs);
    expect(rows.map((r) => r.path)).toEqual(['baseline']);
    expect(rows[0]!.verdict).toBe('no difference shown');
  });
});
