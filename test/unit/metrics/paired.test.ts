import { describe, expect, it } from 'vitest';
import { holds, pairedDifference } from '../../../src/metrics/paired.js';

const T_975_DF2 = 4.303;

describe('pairedDifference', () => {
  // Repetitions 0..2 are in both; 3 only in a, 5 only in b. a is not in key order.
  const a = new Map([
    [2, 17],
    [0, 10],
    [3, 99],
    [1, 12],
  ]);
  const b = new Map([
    [0, 5],
    [1, 6],
    [2, 8],
    [5, 1],
  ]);

  it('pairs by repetition: only keys in both series, in key order', () => {
    const d = pairedDifference(a, b);
    expect(d?.n).toBe(3);
    expect(d?.values).toEqual([5, 6, 9]);
  });

  it('mean and 95 % t-interval match a hand computation (n = 3, t = 4.303)', () => {
    const d = pairedDifference(a, b)!;
    // Differences 5, 6, 9: mean 20/3; sample variance ((5−m)² + (6−m)² + (9−m)²) / 2 = 13/3.
    const mean = 20 / 3;
    const half = T_975_DF2 * Math.sqrt(13 / 3 / 3);
    expect(d.mean).toBeCloseTo(mean, 10);
    expect(d.low).toBeCloseTo(mean - half, 6);
    expect(d.high).toBeCloseTo(mean + half, 6);
    // Numbers written out: half ≈ 5.1716.
    expect(d.low).toBeCloseTo(1.4951, 3);
    expect(d.high).toBeCloseTo(11.8383, 3);
  });

  it('is a − b: swapping the series flips the signs', () => {
    const d = pairedDifference(b, a)!;
    expect(d.values).toEqual([-5, -6, -9]);
    expect(d.mean).toBeCloseTo(-20 / 3, 10);
    expect(d.high).toBeCloseTo(-1.4951, 3);
  });

  it('one shared repetition: the difference, with NaN bounds', () => {
    const d = pairedDifference(
      new Map([[4, 30]]),
      new Map([
        [4, 12],
        [0, 1],
      ]),
    )!;
    expect(d.n).toBe(1);
    expect(d.mean).toBe(18);
    expect(d.values).toEqual([18]);
    expect(d.low).toBeNaN();
    expect(d.high).toBeNaN();
  });

  it('no shared repetition: undefined', () => {
    expect(pairedDifference(new Map([[0, 1]]), new Map([[1, 1]]))).toBeUndefined();
    expect(pairedDifference(new Map(), new Map())).toBeUndefined();
  });

  it('identical differences: a zero-width interval at the mean', () => {
    const d = pairedDifference(
      new Map([
        [0, 10],
        [1, 11],
      ]),
      new Map([
        [0, 7],
        [1, 8],
      ]),
    )!;
    expect(d.low).toBe(3);
    expect(d.high).toBe(3);
  });
});

describe('holds', () => {
  it('true when the interval lies above zero', () => {
    const d = pairedDifference(
      new Map([
        [0, 10],
        [1, 12],
        [2, 17],
      ]),
      new Map([
        [0, 5],
        [1, 6],
        [2, 8],
      ]),
    );
    expect(d!.low).toBeGreaterThan(0);
    expect(holds(d)).toBe(true);
  });

  it('true when the interval lies below zero', () => {
    const d = pairedDifference(
      new Map([
        [0, 5],
        [1, 6],
        [2, 8],
      ]),
      new Map([
        [0, 10],
        [1, 12],
        [2, 17],
      ]),
    );
    expect(d!.high).toBeLessThan(0);
    expect(holds(d)).toBe(true);
  });

  it('false when the interval contains zero, though the mean is not zero', () => {
    // Differences 1, −1, 3: mean 1, but the interval is about ±5.
    const d = pairedDifference(
      new Map([
        [0, 11],
        [1, 9],
        [2, 13],
      ]),
      new Map([
        [0, 10],
        [1, 10],
        [2, 10],
      ]),
    );
    expect(d!.mean).toBe(1);
    expect(d!.low).toBeLessThan(0);
    expect(d!.high).toBeGreaterThan(0);
    expect(holds(d)).toBe(false);
  });

  it('false with one repetition, however large the difference', () => {
    expect(holds(pairedDifference(new Map([[0, 1000]]), new Map([[0, 1]])))).toBe(false);
    expect(holds({ n: 1, mean: 999, low: 998, high: 1000, values: [999] })).toBe(false);
  });

  it('false without a difference', () => {
    expect(holds(undefined)).toBe(false);
  });
});
