/**
 * summary.csv: one row per path × metric, values in µs. A metric with no
 * samples (e.g. modeled time of a path without control-plane calls) keeps its
 * row with count 0 and empty values: 0 would read as a measured 0 µs.
 */
import { stringify } from 'csv-stringify/sync';
import type { RunResult } from '../results/types.js';
import { metricRows } from './metric-rows.js';
import { runSummaries } from './summaries.js';

export const SUMMARY_COLUMNS = ['path', 'metric', 'source', 'unit', 'count', 'errors', 'min', 'mean', 'stdev', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const;

export function summaryCsv(run: RunResult): string {
  const records = metricRows(run, runSummaries(run)).map((row) => {
    const s = row.summary;
    const values = s.count === 0 ? Array<string>(8).fill('') : [s.min, s.mean, s.stdev, s.p50, s.p90, s.p99, s.p999, s.max];
    return [row.path, row.metric, row.source, 'us', s.count, row.errors, ...values];
  });
  return stringify(records, { header: true, columns: [...SUMMARY_COLUMNS] });
}
