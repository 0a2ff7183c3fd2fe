/**
 * The OCI runtime's phases flow through summaries and reports where a run
 * recorded them, and nowhere else: a process run's rows are what they were.
 */
import { describe, expect, it } from 'vitest';
import { metricRows } from '../../../src/reports/metric-rows.js';
import { openMetrics } from '../../../src/reports/openmetrics.js';
import { coldStartTable } from '../../../src/reports/tables.js';
import { summarizePath, summarizeRun } from '../../../src/results/summary.js';
import type { RunResult } from '../../../src/results/types.js';
import { MEASURED_PHASES, phasesPresent, TIMELINE_PHASES } from '../../../src/results/versions.js';
import { currentRun } from './current-run.js';

function withOciPhases(): RunResult {
  const run = currentRun();
  for (const path of run.paths) {
    for (const rep of path.repetitions) {
      for (const burst of rep.bursts) {
        const namespace = burst.histograms['namespace'] as string;
        burst.histograms['oci-create'] = namespace;
        burst.histograms['oci-start'] = namespace;
      }
    }
  }
  return run;
}

describe('OCI phases', () => {
  it('sit between strategy-attach and runtime-start on the timeline', () => {
    expect(TIMELINE_PHASES.slice(TIMELINE_PHASES.indexOf('strategy-attach'), TIMELINE_PHASES.indexOf('runtime-start') + 1)).toEqual(['strategy-attach', 'oci-create', 'oci-start', 'runtime-start']);
    expect(phasesPresent((phase) => phase === 'container-link')).toEqual([...MEASURED_PHASES]);
  });

  it('are summarised, and become metric rows and OpenMetrics samples, only when recorded', () => {
    const process = currentRun();
    expect(summarizePath(process.paths[0]!).coldStart.phases['oci-create']).toBeUndefined();
    expect(metricRows(process).some((row) => row.metric.startsWith('coldstart.oci-'))).toBe(false);
    expect(openMetrics(process)).not.toMatch(/oci-create/);

    const oci = withOciPhases();
    expect(summarizePath(oci.paths[0]!).coldStart.phases['oci-create']?.count).toBeGreaterThan(0);
    const rows = metricRows(oci).filter((row) => row.path === oci.paths[0]!.strategy && row.metric.startsWith('coldstart.'));
    expect(rows.map((row) => row.metric)).toContain('coldstart.oci-start');
    expect(rows.findIndex((row) => row.metric === 'coldstart.oci-create')).toBe(rows.findIndex((row) => row.metric === 'coldstart.strategy-attach') + 1);
    expect(openMetrics(oci)).toMatch(/phase="oci-create"/);
  });

  it('get columns of their own in the cold-start table, before the runtime start, only when recorded', () => {
    const header = (run: RunResult): readonly string[] => coldStartTable(summarizeRun(run)).header;
    expect(header(currentRun())).not.toContain('oci create mean');
    const oci = header(withOciPhases());
    expect(oci.slice(oci.indexOf('queued mean'), oci.indexOf('runtime start mean') + 1)).toEqual(['queued mean', 'oci create mean', 'oci start mean', 'runtime start mean']);
  });
});
