/** Tiny statistics for whole-run benchmarks: these machines are noisy, so medians and spreads. */
import { t975, welchDf } from '../src/metrics/student-t.js';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;

/** A mean with its two-sided 95 % Student-t interval; no interval from fewer than 2 values. */
export interface MeanInterval {
  n: number;
  mean: number;
  low: number | undefined;
  high: number | undefined;
}

/**
 * The mean of `values` and its t interval: the values are independent replicates (one per pair of
 * whole runs), so their spread is the noise the machine adds between runs; 2–5 of them give a
 * wide interval, and that width is the honest answer.
 */
export function meanInterval(values: readonly number[]): MeanInterval {
  const n = values.length;
  const mean = n === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / n;
  if (n < 2) return { n, mean, low: undefined, high: undefined };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  const half = t975(n - 1) * Math.sqrt(variance / n);
  return { n, mean, low: mean - half, high: mean + half };
}

/** A ratio's geometric mean and interval: the t interval of the mean log, mapped back (ratios multiply, so logs average). */
export function ratioInterval(ratios: readonly number[]): MeanInterval {
  const logs = meanInterval(ratios.map(Math.log));
  const exp = (value: number | undefined): number | undefined => (value === undefined ? undefined : Math.exp(value));
  return { n: logs.n, mean: Math.exp(logs.mean), low: exp(logs.low), high: exp(logs.high) };
}

/**
 * Welch's interval of the difference of two means (a − b), for two independent groups of
 * replicates; none unless each group has ≥ 2.
 */
export function welchInterval(a: readonly number[], b: readonly number[]): MeanInterval {
  const ma = meanInterval(a);
  const mb = meanInterval(b);
  const mean = ma.mean - mb.mean;
  const n = a.length + b.length;
  if (a.length < 2 || b.length < 2) return { n, mean, low: undefined, high: undefined };
  const variance = (values: readonly number[], m: number): number => values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1);
  const va = variance(a, ma.mean);
  const vb = variance(b, mb.mean);
  const half = t975(welchDf(va, a.length, vb, b.length)) * Math.sqrt(va / a.length + vb / b.length);
  return { n, mean, low: mean - half, high: mean + half };
}
