/** summary.csv: one row per path × metric, values in µs. */
import { stringify } from 'csv-stringify/sync';
import type { RunResult } from '../results/types.js';
import { metricRows } from './metric-rows.js';

export const SUMMARY_COLUMNS = ['path', 'metric', 'source', 'unit', 'count', 'errors', 'min', 'mean', 'stdev', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const;

export function summaryCsv(run: RunResult): string {
  const records = metricRows(run).map((row) => [
    row.path, row.metric, row.source, 'us', row.summary.count, row.errors,
    row.summary.min, row.summary.mean, row.summary.stdev, row.summary.p50, row.summary.p90, row.summary.p99, row.summary.p999, row.summary.max,
  ]);
  return stringify(records, { header: true, columns: [...SUMMARY_COLUMNS] });
}
