/**
 * The CNI phase (instances.network: cni) flows through summaries and reports
 * in place of the container link, counts as network work, and a run wired by
 * coldpath is what it was.
 */
import { describe, expect, it } from 'vitest';
import { chartData } from '../../../src/reports/chart-data.js';
import { metricRows } from '../../../src/reports/metric-rows.js';
import { openMetrics } from '../../../src/reports/openmetrics.js';
import { coldStartTable } from '../../../src/reports/tables.js';
import { summarizePath, summarizeRun } from '../../../src/results/summary.js';
import type { RunResult } from '../../../src/results/types.js';
import { NETWORK_PHASES, phasesPresent, TIMELINE_PHASES } from '../../../src/results/versions.js';
import { currentRun } from './current-run.js';

/** The current run as if the CNI plugins had wired its instances: its container-link histograms become cni-add. */
function withCni(): RunResult {
  const run = currentRun();
  for (const path of run.paths) {
    for (const rep of path.repetitions) {
      for (const burst of rep.bursts) {
        const link = burst.histograms['container-link'];
        delete burst.histograms['container-link'];
        if (link !== undefined) burst.histograms['cni-add'] = link;
      }
    }
  }
  return run;
}

describe('the CNI phase', () => {
  it('takes the container link’s place on the timeline, and is network work', () => {
    expect(TIMELINE_PHASES.slice(TIMELINE_PHASES.indexOf('namespace'), TIMELINE_PHASES.indexOf('strategy-attach') + 1)).toEqual(['namespace', 'container-link', 'cni-add', 'strategy-attach']);
    expect(NETWORK_PHASES).toContain('cni-add');
    expect(phasesPresent((phase) => phase === 'cni-add')).toEqual(['queued', 'namespace', 'cni-add', 'strategy-attach', 'runtime-start', 'first-connect', 'first-response']);
  });

  it('is summarised in place of the container link, and becomes metric rows and OpenMetrics samples, only when recorded', () => {
    const coldpath = currentRun();
    const plain = summarizePath(coldpath.paths[0]!).coldStart.phases;
    expect(plain['cni-add']).toBeUndefined();
    expect(plain['container-link']?.count).toBeGreaterThan(0);
    expect(metricRows(coldpath).some((row) => row.metric === 'coldstart.cni-add')).toBe(false);
    expect(openMetrics(coldpath)).not.toMatch(/cni-add/);

    const cni = withCni();
    const phases = summarizePath(cni.paths[0]!).coldStart.phases;
    expect(phases['cni-add']?.count).toBeGreaterThan(0);
    expect(phases['container-link']).toBeUndefined();
    const rows = metricRows(cni).filter((row) => row.path === cni.paths[0]!.strategy && row.metric.startsWith('coldstart.'));
    expect(rows.findIndex((row) => row.metric === 'coldstart.cni-add')).toBe(rows.findIndex((row) => row.metric === 'coldstart.namespace') + 1);
    expect(rows.map((row) => row.metric)).not.toContain('coldstart.container-link');
    expect(openMetrics(cni)).toMatch(/phase="cni-add"/);
  });

  it('is drawn with the network phases, and the cold-start table says what it is', () => {
    const data = chartData(withCni());
    expect(data.measuredPhases.map((segment) => segment.segment)).toContain('cni-add');
    expect(data.measuredPhases.map((segment) => segment.segment)).not.toContain('container-link');
    expect(coldStartTable(summarizeRun(withCni())).note).toMatch(/the container link is the CNI plugins’ ADD/);
    expect(coldStartTable(summarizeRun(currentRun())).note).not.toMatch(/CNI/);
  });
});
