import { describe, expect, it } from 'vitest';
import { bootstrapRatio } from '../../../src/compare/bootstrap.js';
import { MIN_REPETITIONS_TO_SET_ASIDE, setAsideDisturbed } from '../../../src/compare/disturbed.js';
import type { RepetitionView } from '../../../src/compare/extract.js';
import { viewOfValues } from '../../../src/compare/quantiles.js';
import { Random } from '../../../src/compare/random.js';
import { judgeRatio } from '../../../src/compare/verdict.js';

const logs = (values: readonly number[]): number[] => values.map(Math.log);

describe("Hampel's rule over repetitions", () => {
  it('sets aside a repetition that fell into a slow phase, and only it', () => {
    // gre-proxy keep-alive p50s of one real run (µs): one repetition at 1.6×
    const rule = setAsideDisturbed(logs([75, 74, 73, 74, 74, 122, 76, 75]));
    expect(rule.setAside).toEqual([5]);
    expect(rule.kept).toEqual([0, 1, 2, 3, 4, 6, 7]);
  });

  it('is symmetric: an unusually fast repetition is set aside as well', () => {
    expect(setAsideDisturbed(logs([75, 74, 73, 74, 40, 76, 75])).setAside).toEqual([4]);
  });

  it('leaves ordinary scatter alone even when the MAD is nearly 0', () => {
    const rule = setAsideDisturbed(logs([75, 75, 75, 75, 75, 78, 72]));
    expect(rule.setAside).toEqual([]);
    expect(rule.limit).toBeCloseTo(Math.log(1.05));
  });

  it('never sets aside half of the repetitions', () => {
    const rule = setAsideDisturbed(logs([75, 74, 130, 125, 73, 140, 76, 150]));
    expect(rule.kept.length).toBeGreaterThan(4);
  });

  it(`does not apply below ${MIN_REPETITIONS_TO_SET_ASIDE} repetitions`, () => {
    const rule = setAsideDisturbed(logs([75, 74, 150, 76]));
    expect(rule.setAside).toEqual([]);
    expect(rule.limit).toBeUndefined();
  });
});

/** A repetition of 400 latencies around `medianUs` (the spread inside one repetition). */
function repetition(random: Random, index: number, medianUs: number): RepetitionView {
  return { repetition: index, view: viewOfValues(Array.from({ length: 400 }, () => Math.round(medianUs * Math.exp(0.2 * random.normal())))) };
}

/** A run whose repetitions sit at `level` ± 1.5 %, except `slow` ones at 1.6×. */
function run(random: Random, level: number, reps: number, slow: readonly number[]): RepetitionView[] {
  return Array.from({ length: reps }, (_, i) => repetition(random, i, level * (1 + 0.015 * random.normal()) * (slow.includes(i) ? 1.6 : 1)));
}

describe('intervals with disturbed repetitions', () => {
  const options = { iterations: 2000, seed: 1, key: 'gre-proxy/keepalive.p50' };

  it('catch a 10 % regression that a slow repetition on each side would hide', () => {
    const random = new Random(7);
    const base = run(random, 75, 8, [2]);
    const next = run(random, 82.5, 8, [0, 6]);
    const kept = bootstrapRatio(base, next, 50, options);
    const all = bootstrapRatio(base, next, 50, { ...options, setAside: false });
    expect(kept.setAside).toEqual({ base: [2], next: [0, 6] });
    expect(kept.method).toBe('repetitions');
    expect(judgeRatio(kept, 0.05).verdict).toBe('regressed');
    expect(all.setAside).toBeUndefined();
    expect(judgeRatio(all, 0.05).verdict).not.toBe('regressed');
    expect(kept.repetitions).toEqual({ base: 8, next: 8 });
  });

  it('stay paired when no repetition is set aside', () => {
    const random = new Random(8);
    const estimate = bootstrapRatio(run(random, 75, 6, []), run(random, 75, 6, []), 50, options);
    expect(estimate.method).toBe('paired');
    expect(estimate.setAside).toBeUndefined();
    expect(judgeRatio(estimate, 0.05).verdict).toBe('unchanged');
  });

  it('keep every repetition with 3 a side (too few to tell a disturbed one)', () => {
    const random = new Random(9);
    const estimate = bootstrapRatio(run(random, 75, 3, [1]), run(random, 75, 3, []), 50, options);
    expect(estimate.setAside).toBeUndefined();
    expect(estimate.method).toBe('paired');
  });
});
