import { describe, expect, it } from 'vitest';
import { bootstrapLevel, bootstrapRatio } from '../../../src/compare/bootstrap.js';
import type { RepetitionView } from '../../../src/compare/extract.js';
import { quantileView, valueAtPercentile, viewOfValues, type QuantileView } from '../../../src/compare/quantiles.js';
import { Random } from '../../../src/compare/random.js';
import { judgeRatio } from '../../../src/compare/verdict.js';
import { decodeHistogram } from '../../../src/metrics/histogram.js';
import { loadFixture } from './helpers.js';

/** One repetition: `count` lognormal latencies around `medianUs`, shifted by a repetition effect. */
function repetition(random: Random, medianUs: number, count: number, repSigma: number, spread = 0.3): QuantileView {
  const shift = repSigma * random.normal();
  return viewOfValues(Array.from({ length: count }, () => Math.round(medianUs * Math.exp(shift + spread * random.normal()))));
}

/** A run of `reps` repetitions; `offset` numbers them differently, so that two runs are not paired. */
const runOf = (random: Random, medianUs: number, reps: number, repSigma: number, count = 500, offset = 0): RepetitionView[] =>
  Array.from({ length: reps }, (_, i) => ({ repetition: i + offset, view: repetition(random, medianUs, count, repSigma) }));

/** Repetition i is slower by trend[i] (a run warming up), the same in every run. */
const trendingRun = (random: Random, medianUs: number, trend: readonly number[], repSigma: number): RepetitionView[] =>
  trend.map((factor, i) => ({ repetition: i, view: repetition(random, medianUs * factor, 300, repSigma) }));

const options = (key: string, iterations = 2000) => ({ iterations, seed: 1, key });

describe('random draws', () => {
  it('have the right means', () => {
    const random = new Random(42);
    const n = 20_000;
    let u = 0;
    let g = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      const x = random.uniform();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      u += x;
      g += random.gamma(3.5);
      b += random.beta(2, 6);
    }
    expect(u / n).toBeCloseTo(0.5, 2);
    expect(g / n).toBeCloseTo(3.5, 1);
    expect(b / n).toBeCloseTo(0.25, 2);
  });
});

describe('quantile views', () => {
  it('give the same percentiles as hdr (and so as summarize)', () => {
    const run = loadFixture();
    for (const path of run.paths) {
      for (const warm of path.repetitions.flatMap((rep) => rep.warm)) {
        const histogram = decodeHistogram(warm.histogram);
        const view = quantileView(histogram);
        expect(view.count).toBe(histogram.totalCount);
        for (const p of [0.1, 25, 50, 90, 99, 99.9, 100]) expect(valueAtPercentile(view, p)).toBe(histogram.getValueAtPercentile(p));
      }
    }
  });
});

describe('bootstrap interval of NEW/BASE', () => {
  it('identical data: ratio 1, interval around 1, unchanged', () => {
    const reps = runOf(new Random(1), 100, 5, 0.02);
    const unpaired = bootstrapRatio(
      reps,
      reps.map((rep) => ({ ...rep, repetition: rep.repetition + 10 })),
      50,
      options('same'),
    );
    expect(unpaired.ratio).toBe(1);
    expect(unpaired.method).toBe('repetitions');
    expect(unpaired.ci.low).toBeLessThan(1);
    expect(unpaired.ci.high).toBeGreaterThan(1);
    expect(judgeRatio(unpaired, 0.1).verdict).toBe('unchanged');
    // paired with itself: every difference is 0
    const paired = bootstrapRatio(reps, reps, 50, options('same'));
    expect(paired.method).toBe('paired');
    expect(paired.ci).toEqual({ low: 1, high: 1 });
    expect(judgeRatio(paired, 0.1).verdict).toBe('unchanged');
  });

  it('a known +50% effect is detected and covered', () => {
    const random = new Random(2);
    const base = runOf(random, 100, 3, 0.05);
    const next = runOf(random, 150, 3, 0.05);
    const estimate = bootstrapRatio(base, next, 50, options('effect'));
    expect(estimate.ci.low).toBeGreaterThan(1.1);
    expect(estimate.ci.low).toBeLessThan(1.5);
    expect(estimate.ci.high).toBeGreaterThan(1.5);
    expect(judgeRatio(estimate, 0.1).verdict).toBe('regressed');
    expect(judgeRatio(bootstrapRatio(next, base, 50, options('effect')), 0.1).verdict).toBe('improved');
  });

  it('is reproducible: same seed and key, same interval', () => {
    const random = new Random(3);
    const base = runOf(random, 100, 3, 0.05);
    const next = runOf(random, 110, 4, 0.05, 500, 3);
    const a = bootstrapRatio(base, next, 99, options('k'));
    const b = bootstrapRatio(base, next, 99, options('k'));
    const c = bootstrapRatio(base, next, 99, { ...options('k'), seed: 2 });
    expect(b).toEqual(a);
    expect(c.ci).not.toEqual(a.ci);
    expect(c.ratio).toBe(a.ratio);
  });

  it('A/A with repetition-level noise: the interval excludes 1 in at most ~5% of experiments, never beyond ±10%', () => {
    // 3 repetitions per run, repetitions shifted by 10% (σ of log) — noisier than a pinned run's medians.
    const random = new Random(4);
    const experiments = 200;
    let excluded = 0;
    let regressed = 0;
    for (let i = 0; i < experiments; i++) {
      const base = runOf(random, 100, 3, 0.1, 200);
      const next = runOf(random, 100, 3, 0.1, 200, i % 2 === 0 ? 0 : 10); // half paired, half not
      const estimate = bootstrapRatio(base, next, 50, options(`aa${i}`, 1000));
      if (estimate.ci.low > 1 || estimate.ci.high < 1) excluded++;
      if (judgeRatio(estimate, 0.1).verdict === 'regressed') regressed++;
    }
    expect(excluded / experiments).toBeLessThanOrEqual(0.06);
    expect(regressed).toBe(0);
  });

  it('covers a true +30% effect in ≥ 94% of experiments', () => {
    const random = new Random(5);
    const experiments = 150;
    let covered = 0;
    for (let i = 0; i < experiments; i++) {
      const base = runOf(random, 100, 3, 0.1, 200);
      const next = runOf(random, 130, 3, 0.1, 200, i % 2 === 0 ? 0 : 10);
      const { ci } = bootstrapRatio(base, next, 50, options(`cov${i}`, 1000));
      // the true ratio of the medians of the two lognormals is exactly 1.3
      if (ci.low <= 1.3 && ci.high >= 1.3) covered++;
    }
    expect(covered / experiments).toBeGreaterThanOrEqual(0.94);
  });

  it('one repetition: only a huge, clearly separated change is called', () => {
    const random = new Random(6);
    const base = runOf(random, 100, 1, 0);
    const small = bootstrapRatio(base, runOf(random, 115, 1, 0), 50, options('one-small'));
    expect(small.method).toBe('within-histogram');
    const quartiles = (b: QuantileView, n: QuantileView) => ({
      base: { p25: valueAtPercentile(b, 25), p75: valueAtPercentile(b, 75) },
      next: { p25: valueAtPercentile(n, 25), p75: valueAtPercentile(n, 75) },
    });
    const next115 = runOf(new Random(7), 115, 1, 0);
    expect(judgeRatio(bootstrapRatio(base, next115, 50, options('a')), 0.1, quartiles(base[0]!.view, next115[0]!.view)).verdict).toBe('inconclusive');
    const next3x = runOf(new Random(8), 300, 1, 0);
    expect(judgeRatio(bootstrapRatio(base, next3x, 50, options('b')), 0.1, quartiles(base[0]!.view, next3x[0]!.view)).verdict).toBe('regressed');
    // the same 3× change in p99 alone, with overlapping bulk: not called
    expect(judgeRatio(bootstrapRatio(base, next3x, 50, options('c')), 0.1, quartiles(base[0]!.view, base[0]!.view)).verdict).toBe('inconclusive');
  });
});

describe('pairing by repetition', () => {
  it('same repetitions on both sides are paired; others are not', () => {
    const random = new Random(10);
    expect(bootstrapRatio(runOf(random, 100, 3, 0.05), runOf(random, 100, 3, 0.05), 50, options('p')).method).toBe('paired');
    expect(bootstrapRatio(runOf(random, 100, 3, 0.05), runOf(random, 100, 3, 0.05, 500, 1), 50, options('u')).method).toBe('repetitions');
    expect(bootstrapRatio(runOf(random, 100, 3, 0.05), runOf(random, 100, 2, 0.05), 50, options('u2')).method).toBe('repetitions');
  });

  it('removes a warm-up drift shared by both runs, which the unpaired interval counts as noise', () => {
    // Repetition 1 is 60% slower than repetition 3 in every run; NEW is 30% slower throughout.
    const trend = [1.6, 1.2, 1.0];
    const base = trendingRun(new Random(11), 100, trend, 0.01);
    const next = trendingRun(new Random(12), 130, trend, 0.01);
    const paired = bootstrapRatio(base, next, 50, options('drift'));
    const unpaired = bootstrapRatio(
      base,
      next.map((rep) => ({ ...rep, repetition: rep.repetition + 10 })),
      50,
      options('drift'),
    );
    expect(paired.method).toBe('paired');
    expect(unpaired.method).toBe('repetitions');
    expect(paired.ratio).toBeCloseTo(1.3, 1);
    expect(judgeRatio(paired, 0.1).verdict).toBe('regressed');
    expect(judgeRatio(unpaired, 0.1).verdict).toBe('inconclusive');
    expect(paired.ci.high / paired.ci.low).toBeLessThan(unpaired.ci.high / unpaired.ci.low);
  });
});

describe('bootstrap interval of one run', () => {
  it('brackets the value and widens with fewer repetitions', () => {
    const random = new Random(9);
    const reps = runOf(random, 100, 5, 0.05);
    const five = bootstrapLevel(reps, 50, options('level'));
    const two = bootstrapLevel(reps.slice(0, 2), 50, options('level'));
    expect(five.ci.low).toBeLessThan(five.value);
    expect(five.ci.high).toBeGreaterThan(five.value);
    expect(two.ci.high / two.ci.low).toBeGreaterThan(five.ci.high / five.ci.low);
  });
});
