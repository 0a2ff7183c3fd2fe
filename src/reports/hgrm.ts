/** HdrHistogram `.hgrm` percentile distributions, one per path × metric. */
import { toHgrm } from '../metrics/histogram.js';
import { mergeNamed } from '../results/summary.js';
import type { RunResult } from '../results/types.js';

/** File name → content. Values in µs. */
export function hgrmFiles(run: RunResult): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of run.paths) {
    const bursts = path.repetitions.flatMap((rep) => rep.bursts.map((burst) => burst.histograms));
    for (const name of ['total', 'network', 'modeled']) {
      const histogram = mergeNamed(bursts, name);
      if (histogram.totalCount > 0) files.set(`${path.strategy}.coldstart-${name}.hgrm`, toHgrm(histogram));
    }
    const warm = path.repetitions.flatMap((rep) => rep.warm);
    for (const metric of new Set(warm.map((w) => w.metric))) {
      const histogram = mergeNamed(warm.filter((w) => w.metric === metric).map((w) => ({ h: w.histogram })), 'h', 'latency');
      if (histogram.totalCount > 0) files.set(`${path.strategy}.${metric}.hgrm`, toHgrm(histogram));
      const raws = warm.filter((w) => w.metric === metric && w.raw !== undefined).map((w) => ({ h: w.raw as string }));
      const raw = mergeNamed(raws, 'h', 'latency');
      if (raw.totalCount > 0) files.set(`${path.strategy}.${metric}-uncorrected.hgrm`, toHgrm(raw));
    }
  }
  return files;
}
