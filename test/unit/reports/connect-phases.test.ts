import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, recordMicros } from '../../../src/metrics/histogram.js';
import { metricRows } from '../../../src/reports/metric-rows.js';
import { openMetrics } from '../../../src/reports/openmetrics.js';
import { warmTable } from '../../../src/reports/tables.js';
import { summarizeRun } from '../../../src/results/summary.js';
import type { RunResult } from '../../../src/results/types.js';
import { loadRun } from './helpers.js';

const histogram = (values: number[]): string => {
  const h = createHistogram('latency');
  for (const value of values) recordMicros(h, value);
  return encodeHistogram(h);
};

/** run-small with a pg.connect warm result on every path: total 10 ms = tcp 0.2 + tls 2 + auth 7 + query 0.8. */
function runWithPgConnect(): RunResult {
  const run = loadRun('run-small');
  for (const path of run.paths) {
    for (const rep of path.repetitions) {
      const template = rep.warm[0];
      if (template === undefined) continue;
      rep.warm.push({
        ...template,
        metric: 'pg.connect',
        histogram: histogram([10_000, 10_000]),
        phases: { tcp: histogram([200, 200]), tls: histogram([2000, 2000]), auth: histogram([7000, 7000]), query: histogram([800, 800]) },
      });
    }
  }
  return run;
}

describe('a new connection set-up in phases, in the reports', () => {
  it('puts the parts under the total in the rows of summary.csv and report.md, in set-up order', () => {
    const run = runWithPgConnect();
    const rows = metricRows(run).filter((row) => row.path === 'baseline' && row.metric.startsWith('pg.connect'));
    expect(rows.map((row) => row.metric)).toEqual(['pg.connect', 'pg.connect.tcp', 'pg.connect.tls', 'pg.connect.auth', 'pg.connect.query']);
    const counts = new Set(rows.map((row) => row.summary.count));
    expect(counts.size).toBe(1);
    const parts = rows.slice(1).reduce((sum, row) => sum + row.summary.mean, 0);
    expect(parts).toBeCloseTo(rows[0]!.summary.mean, -1);
    const table = warmTable(summarizeRun(run));
    const metrics = table.rows.filter((row) => row[1] === 'baseline').map((row) => row[0]);
    expect(metrics.slice(metrics.indexOf('pg.connect'))).toEqual(['pg.connect', 'pg.connect.tcp', 'pg.connect.tls', 'pg.connect.auth', 'pg.connect.query']);
    expect(table.note).toMatch(/set-up in phases/);
  });

  it('lists the parts in metrics.prom', () => {
    const text = openMetrics(runWithPgConnect());
    for (const phase of ['tcp', 'tls', 'auth', 'query']) expect(text).toContain(`metric="pg.connect.${phase}"`);
  });

  it('a run without them says nothing about phases', () => {
    expect(warmTable(summarizeRun(loadRun('run-small'))).note).not.toMatch(/phases/);
  });
});
