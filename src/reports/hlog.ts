/**
 * HdrHistogram interval logs (`.hlog`), one per path and warm metric, for
 * HdrHistogram's HistogramLogProcessor and other log readers. run.json keeps
 * one histogram per repetition per metric, so each repetition is one interval:
 * the honest resolution (finer intervals were never recorded).
 *
 * Values are µs, as in run.json. Interval_Max is in ms (max / 1000), the unit
 * HdrHistogram's own tools print. run.json records how long each measurement
 * took but not when it started, so the intervals are laid end to end from the
 * run's start: their timestamps order the repetitions and give their lengths,
 * not the wall-clock time each one ran. The file's header says both.
 */
import * as hdr from 'hdr-histogram-js';
import { decodeHistogram } from '../metrics/histogram.js';
import type { PathResult, RunResult } from '../results/types.js';
import type { WarmMetric } from '../scenario/schema.js';
import { warmMetrics } from './warm-histograms.js';

/** Interval_Max is the interval's max value divided by this: µs → ms. */
export const HLOG_MAX_VALUE_UNIT_RATIO = 1000;

/** File name → content: `<path>.<metric>.hlog`, and `-uncorrected` twins for open-loop runs. */
export function hlogFiles(run: RunResult): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of run.paths) {
    for (const metric of warmMetrics(path)) {
      for (const which of ['histogram', 'raw'] as const) {
        const intervals = warmIntervals(path, metric, which);
        if (!intervals.some((interval) => interval.histogram.totalCount > 0)) continue;
        const name = `${path.strategy}.${metric}${which === 'raw' ? '-uncorrected' : ''}`;
        files.set(`${name}.hlog`, intervalLog(run, name, intervals));
      }
    }
  }
  return files;
}

interface Interval {
  repetition: number;
  durationUs: number;
  histogram: hdr.Histogram;
}

/** One interval per warm measurement of the metric, in repetition order (normally one per repetition). */
function warmIntervals(path: PathResult, metric: WarmMetric, which: 'histogram' | 'raw'): Interval[] {
  const repetitions = [...path.repetitions].sort((a, b) => a.index - b.index);
  return repetitions.flatMap((rep) =>
    rep.warm.flatMap((warm) => {
      const encoded = warm[which];
      return warm.metric !== metric || encoded === undefined ? [] : [{ repetition: rep.index, durationUs: warm.durationUs, histogram: decodeHistogram(encoded) }];
    }),
  );
}

function intervalLog(run: RunResult, name: string, intervals: readonly Interval[]): string {
  let text = '';
  const writer = new hdr.HistogramLogWriter((chunk) => {
    text += chunk;
  });
  const startMs = Date.parse(run.startedAt);
  const startSeconds = (Number.isFinite(startMs) ? startMs : 0) / 1000;
  writer.outputLogFormatVersion();
  writer.outputComment(`[coldpath run ${run.runId}: ${name}, one interval per repetition]`);
  writer.outputComment('[Values are microseconds (us), as in run.json; Interval_Max is in milliseconds (max / 1000). HistogramLogProcessor -outputValueUnitRatio 1000 prints ms]');
  writer.outputComment('[Interval timestamps: measuring time of each repetition laid end to end from the run start; run.json does not record when each one started]');
  // Written here rather than with outputStartTime, which adds a blank line and the local time zone's date.
  writer.outputComment(`[StartTime: ${startSeconds.toFixed(3)} (seconds since epoch), ${run.startedAt}]`);
  writer.outputComment(`[BaseTime: ${startSeconds.toFixed(3)} (seconds since epoch)]`);
  writer.outputLegend();
  let offsetSeconds = 0;
  for (const interval of intervals) {
    const lengthSeconds = interval.durationUs / 1e6;
    writer.outputComment(`[repetition ${interval.repetition}]`);
    writer.outputIntervalHistogram(interval.histogram, offsetSeconds, offsetSeconds + lengthSeconds, HLOG_MAX_VALUE_UNIT_RATIO);
    offsetSeconds += lengthSeconds;
  }
  return text;
}
