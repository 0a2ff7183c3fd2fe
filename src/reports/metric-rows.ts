/**
 * The flat list of (path, metric) figures every tabular output shares:
 * summary.csv, the Markdown tables, the console summary and the gate.
 */
import type { HistogramSummary } from '../metrics/histogram.js';
import { summarizeRun, type PathSummary } from '../results/summary.js';
import { phasesPresent, type RunResult } from '../results/types.js';

export interface MetricRow {
  path: string;
  /** e.g. `coldstart.total`, `coldstart.namespace`, `keepalive`, `pg.connect.tls` (a phase of pg.connect). */
  metric: string;
  source: 'measured' | 'modeled';
  summary: HistogramSummary;
  errors: number;
}

/** `paths`: the run's summaries when the caller has them already (decoding is the costly part). */
export function metricRows(run: RunResult, paths: readonly PathSummary[] = summarizeRun(run)): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const path of paths) {
    const failures = Object.values(path.coldStart.failures).reduce((a, b) => a + b, 0);
    rows.push({ path: path.strategy, metric: 'coldstart.total', source: 'measured', summary: path.coldStart.total, errors: failures });
    rows.push({ path: path.strategy, metric: 'coldstart.network', source: 'measured', summary: path.coldStart.network, errors: 0 });
    const phases = path.coldStart.phases;
    for (const phase of phasesPresent((oci) => phases[oci] !== undefined)) {
      const summary = phases[phase];
      if (summary !== undefined) rows.push({ path: path.strategy, metric: `coldstart.${phase}`, source: 'measured', summary, errors: 0 });
    }
    rows.push({ path: path.strategy, metric: 'coldstart.modeled', source: 'modeled', summary: path.coldStart.modeled, errors: 0 });
    for (const [metric, summary] of Object.entries(path.warm)) {
      if (summary === undefined) continue;
      rows.push({ path: path.strategy, metric, source: 'measured', summary, errors: summary.errors });
      // A new connection's set-up in phases, under the total: pg.connect.tcp, pg.connect.tls, …
      for (const [phase, part] of Object.entries(summary.phases ?? {})) rows.push({ path: path.strategy, metric: `${metric}.${phase}`, source: 'measured', summary: part, errors: 0 });
    }
  }
  return rows;
}
