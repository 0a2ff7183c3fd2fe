/**
 * Points of an HDR-style percentile curve: x is 1/(1-p) on a log scale, so
 * 90 %, 99 %, 99.9 % … are evenly spaced and the tail gets the room it
 * deserves. Sampled at even steps of log x up to what the sample count
 * supports, then the maximum at x = count.
 */
import type { Histogram } from '../metrics/histogram.js';

/** Points per factor of ten in 1/(1-p): enough for a smooth curve, few enough to keep the HTML small. */
const POINTS_PER_DECADE = 10;

export interface CurvePoint {
  /** 0..100. */
  percentile: number;
  /** 1 / (1 - percentile/100). */
  inverseTail: number;
  valueUs: number;
}

export function percentileCurve(histogram: Histogram): CurvePoint[] {
  const count = histogram.totalCount;
  if (count === 0) return [];
  const points: CurvePoint[] = [];
  for (let step = 0; ; step++) {
    const inverseTail = 10 ** (step / POINTS_PER_DECADE);
    if (inverseTail >= count) break;
    const percentile = 100 * (1 - 1 / inverseTail);
    points.push({ percentile: round(percentile), inverseTail: round(inverseTail), valueUs: histogram.getValueAtPercentile(percentile) });
  }
  // With n samples the maximum stands for the 1 - 1/n percentile: the last point, at x = n.
  points.push({ percentile: round(100 * (1 - 1 / count)), inverseTail: count, valueUs: histogram.maxValue });
  return points;
}

/** Six significant digits: stable text in the report, far finer than a chart pixel. */
const round = (value: number): number => Number(value.toPrecision(6));
