/**
 * Confidence intervals for "the p-th percentile of a path's latency", with
 * a run's repetitions as the unit of replication (the thousands of requests
 * inside one repetition are not independent evidence about the next run).
 *
 * The statistic of a run is the geometric mean over its repetitions of each
 * repetition's percentile; NEW/BASE of two of them is a difference of mean
 * logs, which is what the interval is built on.
 *
 * - Paired (both runs have the same repetitions, ≥ 2): repetition i of BASE
 *   is compared with repetition i of NEW and the n differences resampled.
 *   Runs drift within themselves in the same way every time (the long-lived
 *   services keep warming up: repetition 1 is the slowest), which pairing
 *   removes instead of counting it as noise.
 * - Unpaired (≥ 2 repetitions each, different sets): each side's
 *   repetitions resampled; Welch–Satterthwaite df.
 * - Disturbed repetitions (disturbed.ts) are set aside first when both sides
 *   have ≥ 5: a repetition that fell into one of the machine's slow phases
 *   is not evidence about the code. Pairing then holds only if both sides
 *   kept the same repetitions.
 * - One repetition on a side: nothing is known about run-to-run spread; the
 *   interval comes from resampling inside that histogram (exactly: the k-th
 *   order statistic of m uniform draws is Beta(k, m−k+1), mapped through the
 *   empirical quantile function), and verdict.ts demands much more of it.
 *
 * With 2–5 repetitions a percentile bootstrap is too narrow (1/n variance,
 * normal tails), so the interval is expanded as in Hesterberg's "expanded
 * percentile" interval: deviations scaled by √(n/(n−1)), half-widths by
 * t(df)/z; and never narrower than t(df) × the bootstrap standard error
 * (with 2 repetitions the percentiles cannot reach the 2.5 % tails).
 */
import { setAsideDisturbed } from './disturbed.js';
import type { RepetitionView } from './extract.js';
import { Random, seedFor } from './random.js';
import { rankOfPercentile, valueAtPercentile, valueAtRank, type QuantileView } from './quantiles.js';
import { t975, welchDf, Z_975 } from '../metrics/student-t.js';

export interface Interval {
  low: number;
  high: number;
}

export interface BootstrapOptions {
  /** Resamples per estimate. Default 4000. */
  iterations: number;
  /** Base seed; each estimate derives its own from `key`. Default 1. */
  seed: number;
  /** Names the estimate (e.g. `gre-proxy/keepalive.p50`) so its draws are its own. */
  key: string;
  /** Set aside disturbed repetitions (disturbed.ts) before the interval of a ratio. Default true. */
  setAside?: boolean;
}

export const DEFAULT_BOOTSTRAP = { iterations: 4000, seed: 1 } as const;

/**
 * - `paired`: the same ≥ 2 repetitions on both sides, differences per repetition resampled.
 * - `repetitions`: ≥ 2 repetitions on each side, each side's repetitions resampled.
 * - `within-histogram`: a side has 1 repetition: that side resampled inside its histogram.
 */
export type IntervalMethod = 'paired' | 'repetitions' | 'within-histogram' | 'history';

export interface RatioEstimate {
  /** Geometric mean over BASE's repetitions of each one's percentile, µs. */
  base: number;
  next: number;
  /** next / base. */
  ratio: number;
  /** 95 % interval of the ratio. */
  ci: Interval;
  method: IntervalMethod;
  repetitions: { base: number; next: number };
  /** Degrees of freedom of the t expansion (not for `within-histogram`). */
  df?: number;
  /** Repetitions (their numbers) set aside as disturbed on each side; absent when none were. */
  setAside?: { base: number[]; next: number[] };
}

export interface LevelEstimate {
  /** Geometric mean over repetitions of each one's percentile, µs. */
  value: number;
  /** 95 % interval of that value. */
  ci: Interval;
  method: Exclude<IntervalMethod, 'paired' | 'history'>;
  repetitions: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / (xs.length - 1);
}

/** One repetition's percentile, as a resample of its own histogram would give it. */
function drawPercentile(view: QuantileView, percentile: number, random: Random): number {
  const m = view.count;
  const k = rankOfPercentile(percentile, m);
  const u = random.beta(k, m - k + 1);
  return valueAtRank(view, Math.ceil(u * m));
}

/** A bootstrap replicate of the mean of `values`, its deviation scaled by √(n/(n−1)). */
function drawMean(values: readonly number[], observed: number, random: Random): number {
  const n = values.length;
  let sum = 0;
  for (let j = 0; j < n; j++) sum += values[random.index(n)] ?? observed;
  return observed + (sum / n - observed) * Math.sqrt(n / (n - 1));
}

/** A replicate of one side's mean log percentile: its repetitions resampled, or its single histogram. */
function drawSide(reps: readonly RepetitionView[], logs: readonly number[], observed: number, percentile: number, random: Random): number {
  const only = reps[0];
  if (reps.length === 1 && only !== undefined) return Math.log(drawPercentile(only.view, percentile, random));
  return drawMean(logs, observed, random);
}

function quantileOfSorted(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const lo = sorted[below] ?? Number.NaN;
  const hi = sorted[above] ?? Number.NaN;
  return lo + (hi - lo) * (position - below);
}

/**
 * The 2.5 %–97.5 % range of the draws around their median, each half-width scaled by t/z and
 * at least t × their standard deviation. `t` undefined: the plain percentile range.
 */
function expandedInterval(draws: Float64Array, t: number | undefined): Interval {
  const sorted = draws.slice().sort();
  const center = quantileOfSorted(sorted, 0.5);
  const low = quantileOfSorted(sorted, 0.025);
  const high = quantileOfSorted(sorted, 0.975);
  if (t === undefined) return { low, high };
  const m = mean([...sorted]);
  const sd = Math.sqrt(sorted.reduce((sum, x) => sum + (x - m) ** 2, 0) / Math.max(1, sorted.length - 1));
  const expand = t / Z_975;
  return { low: center - Math.max(expand * (center - low), t * sd), high: center + Math.max(expand * (high - center), t * sd) };
}

function requireData(reps: readonly RepetitionView[], side: string): void {
  if (reps.length === 0 || reps.some((rep) => rep.view.count === 0)) throw new Error(`bootstrap: ${side} needs ≥ 1 non-empty repetition`);
}

const logPercentiles = (reps: readonly RepetitionView[], percentile: number): number[] => reps.map((rep) => Math.log(valueAtPercentile(rep.view, percentile)));

/** Both sides hold the same ≥ 2 repetitions (by index). */
function pairable(base: readonly RepetitionView[], next: readonly RepetitionView[]): boolean {
  return base.length >= 2 && base.length === next.length && base.every((rep, i) => rep.repetition === next[i]?.repetition);
}

/** Each side's repetitions minus the disturbed ones (both sides need enough repetitions for the rule). */
function withoutDisturbed(
  base: readonly RepetitionView[],
  next: readonly RepetitionView[],
  percentile: number,
): { base: RepetitionView[]; next: RepetitionView[]; setAside?: { base: number[]; next: number[] } } {
  const baseRule = setAsideDisturbed(logPercentiles(base, percentile));
  const nextRule = setAsideDisturbed(logPercentiles(next, percentile));
  if (baseRule.limit === undefined || nextRule.limit === undefined || (baseRule.setAside.length === 0 && nextRule.setAside.length === 0)) return { base: [...base], next: [...next] };
  const pick = (reps: readonly RepetitionView[], indexes: readonly number[]): RepetitionView[] => indexes.flatMap((i) => (reps[i] === undefined ? [] : [reps[i]]));
  return {
    base: pick(base, baseRule.kept),
    next: pick(next, nextRule.kept),
    setAside: { base: pick(base, baseRule.setAside).map((rep) => rep.repetition), next: pick(next, nextRule.setAside).map((rep) => rep.repetition) },
  };
}

/**
 * 95 % interval of NEW/BASE for the p-th percentile (percentile in 0..100). With enough
 * repetitions, disturbed ones are set aside first; the rest are then paired only if both sides
 * kept the same repetitions.
 */
export function bootstrapRatio(allBase: readonly RepetitionView[], allNext: readonly RepetitionView[], percentile: number, options: BootstrapOptions): RatioEstimate {
  requireData(allBase, 'BASE');
  requireData(allNext, 'NEW');
  const { base, next, setAside } = options.setAside === false ? { base: allBase, next: allNext, setAside: undefined } : withoutDisturbed(allBase, allNext, percentile);
  const random = new Random(seedFor(options.seed, options.key));
  const baseLogs = logPercentiles(base, percentile);
  const nextLogs = logPercentiles(next, percentile);
  const baseObserved = mean(baseLogs);
  const nextObserved = mean(nextLogs);
  const draws = new Float64Array(options.iterations);
  let method: IntervalMethod;
  let df: number | undefined;
  if (pairable(base, next)) {
    method = 'paired';
    const differences = nextLogs.map((x, i) => x - (baseLogs[i] ?? 0));
    const observed = nextObserved - baseObserved;
    for (let b = 0; b < options.iterations; b++) draws[b] = drawMean(differences, observed, random);
    df = differences.length - 1;
  } else {
    method = base.length >= 2 && next.length >= 2 ? 'repetitions' : 'within-histogram';
    for (let b = 0; b < options.iterations; b++) {
      draws[b] = drawSide(next, nextLogs, nextObserved, percentile, random) - drawSide(base, baseLogs, baseObserved, percentile, random);
    }
    if (method === 'repetitions') df = welchDf(sampleVariance(baseLogs), base.length, sampleVariance(nextLogs), next.length);
  }
  const logInterval = expandedInterval(draws, df === undefined ? undefined : t975(df));
  return {
    base: Math.exp(baseObserved),
    next: Math.exp(nextObserved),
    ratio: Math.exp(nextObserved - baseObserved),
    ci: { low: Math.exp(logInterval.low), high: Math.exp(logInterval.high) },
    method,
    repetitions: { base: allBase.length, next: allNext.length },
    ...(df === undefined ? {} : { df }),
    ...(setAside === undefined ? {} : { setAside }),
  };
}

/** 95 % interval of one run's p-th percentile (for absolute limits such as `coldstart.p50<5ms`). */
export function bootstrapLevel(reps: readonly RepetitionView[], percentile: number, options: BootstrapOptions): LevelEstimate {
  requireData(reps, 'NEW');
  const random = new Random(seedFor(options.seed, options.key));
  const logs = logPercentiles(reps, percentile);
  const observed = mean(logs);
  const draws = new Float64Array(options.iterations);
  for (let b = 0; b < options.iterations; b++) draws[b] = drawSide(reps, logs, observed, percentile, random);
  const method = reps.length >= 2 ? 'repetitions' : 'within-histogram';
  const logInterval = expandedInterval(draws, method === 'repetitions' ? t975(reps.length - 1) : undefined);
  return { value: Math.exp(observed), ci: { low: Math.exp(logInterval.low), high: Math.exp(logInterval.high) }, method, repetitions: reps.length };
}
