/** summary.csv read back as figures: the reference the machine-readable formats must agree with. */
import { summaryCsv } from '../../../src/reports/summary-csv.js';
import type { RunResult } from '../../../src/results/types.js';

export interface SummaryCsvRow {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

/** `path metric` → figures (µs), rows with samples only. summary.csv has no quoted fields. */
export function summaryCsvRows(run: RunResult): Map<string, SummaryCsvRow> {
  const [header, ...lines] = summaryCsv(run).trim().split('\n');
  const columns = (header ?? '').split(',');
  const rows = new Map<string, SummaryCsvRow>();
  for (const line of lines) {
    const cells = new Map(line.split(',').map((cell, i) => [columns[i] ?? '', cell]));
    if (cells.get('count') === '0') continue;
    const number = (column: string): number => Number(cells.get(column));
    rows.set(`${cells.get('path')} ${cells.get('metric')}`, {
      count: number('count'),
      mean: number('mean'),
      p50: number('p50'),
      p90: number('p90'),
      p99: number('p99'),
      p999: number('p99.9'),
    });
  }
  return rows;
}
