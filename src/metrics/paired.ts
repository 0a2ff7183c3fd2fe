/**
 * The difference between two series measured in the same repetitions,
 * paired by repetition: the repetition, not the request, is the unit that
 * replicates (requests within one repetition share its machine state).
 * A difference "holds" when its 95 % t-interval excludes zero.
 */
import { t975 } from './student-t.js';

export interface PairedDifference {
  /** Repetitions present in both series. */
  n: number;
  /** Mean of the per-repetition differences (a − b). */
  mean: number;
  /** 95 % t-interval of the mean; NaN with fewer than 2 repetitions. */
  low: number;
  high: number;
  /** Per-repetition differences, by repetition index. */
  values: number[];
}

export function pairedDifference(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): PairedDifference | undefined {
  const values: number[] = [];
  for (const [repetition, value] of [...a].sort(([x], [y]) => x - y)) {
    const other = b.get(repetition);
    if (other !== undefined) values.push(value - other);
  }
  const n = values.length;
  if (n === 0) return undefined;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (n < 2) return { n, mean, low: Number.NaN, high: Number.NaN, values };
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1);
  const half = t975(n - 1) * Math.sqrt(variance / n);
  return { n, mean, low: mean - half, high: mean + half, values };
}

/** The interval excludes zero: the sign of the difference holds across repetitions. */
export function holds(difference: PairedDifference | undefined): boolean {
  return difference !== undefined && difference.n >= 2 && (difference.low > 0 || difference.high < 0);
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
