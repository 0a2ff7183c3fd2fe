/**
 * A histogram flattened to its distinct recorded values and cumulative
 * counts, so that "the value at rank k" is a binary search. The bootstrap
 * asks that question hundreds of thousands of times; hdr's own
 * getValueAtPercentile walks every bucket on each call.
 */
import type { Histogram } from '../metrics/histogram.js';

export interface QuantileView {
  /** Number of recorded values. */
  readonly count: number;
  /** Distinct recorded values (hdr's highest equivalent value of each bucket), ascending. */
  readonly values: Float64Array;
  /** cumulative[i] = number of recorded values ≤ values[i]. */
  readonly cumulative: Float64Array;
}

/** hdr-histogram-js 3 keeps these on its JS histograms but not on the public interface. */
interface BucketAccess {
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
}

function hasBucketAccess(value: unknown): value is BucketAccess {
  const h = value as Partial<BucketAccess>;
  return typeof h.countsArrayLength === 'number' && typeof h.getCountAtIndex === 'function' && typeof h.valueFromIndex === 'function' && typeof h.highestEquivalentValue === 'function';
}

export function quantileView(histogram: Histogram): QuantileView {
  if (!hasBucketAccess(histogram)) throw new Error('compare needs a JS (non-WebAssembly) hdr histogram');
  const values: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < histogram.countsArrayLength && total < histogram.totalCount; i++) {
    const count = histogram.getCountAtIndex(i);
    if (count === 0) continue;
    total += count;
    values.push(histogram.highestEquivalentValue(histogram.valueFromIndex(i)));
    cumulative.push(total);
  }
  return { count: total, values: Float64Array.from(values), cumulative: Float64Array.from(cumulative) };
}

/** Builds a view from raw values (tests and synthetic data). */
export function viewOfValues(raw: readonly number[]): QuantileView {
  const sorted = [...raw].sort((a, b) => a - b);
  const values: number[] = [];
  const cumulative: number[] = [];
  sorted.forEach((value, i) => {
    if (values[values.length - 1] === value) cumulative[cumulative.length - 1] = i + 1;
    else {
      values.push(value);
      cumulative.push(i + 1);
    }
  });
  return { count: sorted.length, values: Float64Array.from(values), cumulative: Float64Array.from(cumulative) };
}

/** The k-th smallest recorded value (1-based; clamped into 1..count). */
export function valueAtRank(view: QuantileView, rank: number): number {
  const k = Math.min(Math.max(rank, 1), view.count);
  let lo = 0;
  let hi = view.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((view.cumulative[mid] ?? 0) >= k) hi = mid;
    else lo = mid + 1;
  }
  return view.values[lo] ?? Number.NaN;
}

/** The rank hdr uses for a percentile: ceil(p/100 · count), at least 1. */
export function rankOfPercentile(percentile: number, count: number): number {
  return Math.max(1, Math.ceil((percentile / 100) * count - 1e-9));
}

/** Same answer as hdr's getValueAtPercentile (and so as `summarize`). */
export function valueAtPercentile(view: QuantileView, percentile: number): number {
  return valueAtRank(view, rankOfPercentile(percentile, view.count));
}

/** All repetitions of a side as one distribution (for quartiles; never for the interval). */
export function poolViews(views: readonly QuantileView[]): QuantileView {
  const counts = new Map<number, number>();
  for (const view of views) {
    let previous = 0;
    view.values.forEach((value, i) => {
      const cumulative = view.cumulative[i] ?? previous;
      counts.set(value, (counts.get(value) ?? 0) + cumulative - previous);
      previous = cumulative;
    });
  }
  const values = [...counts.keys()].sort((a, b) => a - b);
  let total = 0;
  const cumulative = values.map((value) => (total += counts.get(value) ?? 0));
  return { count: total, values: Float64Array.from(values), cumulative: Float64Array.from(cumulative) };
}
