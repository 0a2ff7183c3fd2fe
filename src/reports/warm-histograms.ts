/** A path's warm histogram of one metric, merged over repetitions (corrected or, open loop, uncorrected). */
import type { Histogram } from '../metrics/histogram.js';
import { mergeNamed } from '../results/summary.js';
import type { PathResult } from '../results/types.js';
import type { WarmMetric } from '../scenario/schema.js';

export function mergedWarm(path: PathResult, metric: WarmMetric, which: 'histogram' | 'raw'): Histogram {
  const records = path.repetitions.flatMap((rep) => rep.warm.filter((w) => w.metric === metric).flatMap((w) => (w[which] === undefined ? [] : [{ h: w[which] }])));
  return mergeNamed(records, 'h', 'latency');
}

/** Warm metrics a path has results for, in the order they were measured. */
export function warmMetrics(path: PathResult): WarmMetric[] {
  return [...new Set(path.repetitions.flatMap((rep) => rep.warm.map((w) => w.metric)))];
}
