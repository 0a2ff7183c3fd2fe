/**
 * metrics.prom read back by a Prometheus text-format parser from npm
 * (prom2javascript) for its figures, and checked line by line against the
 * OpenMetrics rules that parser does not enforce (metadata before samples,
 * families not interleaved, unit suffixes, `# EOF` last).
 */
import { getMetricsFromIterator, type PromData, type PromMetrics, type PromSummaryData } from 'prom2javascript';
import { describe, expect, it } from 'vitest';
import { openMetrics } from '../../../src/reports/openmetrics.js';
import { runSummaries } from '../../../src/reports/summaries.js';
import { costsOverBaseline } from '../../../src/results/path-costs.js';
import { MEASURED_PHASES, type RunResult } from '../../../src/results/types.js';
import { loadRun } from './helpers.js';
import { summaryCsvRows } from './summary-csv-rows.js';

const parse = (text: string): Promise<PromMetrics> => getMetricsFromIterator(text.split('\n')[Symbol.iterator]());

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/;
const NUMBER = /^[-+]?(?:\d+(?:\.\d+)?(?:e[-+]?\d+)?|Inf)$/i;
const SUFFIXES: Record<string, readonly string[]> = { gauge: [''], summary: ['', '_sum', '_count'] };

/** The OpenMetrics text rules a generic parser lets through; returns the problems found. */
function openMetricsProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith('\n# EOF\n')) problems.push('must end with "# EOF" and a newline');
  const lines = text.slice(0, -'# EOF\n'.length).split('\n').slice(0, -1);
  const families = new Map<string, { type?: string; unit?: string; help?: boolean; samples: number }>();
  let current: string | undefined;
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1} ${JSON.stringify(line.slice(0, 80))}`;
    if (line === '' || line === '# EOF') {
      problems.push(`${where}: empty line or early EOF`);
      continue;
    }
    const meta = /^# (TYPE|UNIT|HELP) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      if (!NAME.test(name)) problems.push(`${where}: bad family name`);
      if (current !== name && families.has(name)) problems.push(`${where}: family ${name} interleaved with another`);
      current = name;
      const family = families.get(name) ?? { samples: 0 };
      families.set(name, family);
      if (family.samples > 0) problems.push(`${where}: metadata after samples`);
      if (kind === 'TYPE') family.type = rest;
      if (kind === 'UNIT') family.unit = rest;
      if (kind === 'HELP') family.help = true;
      continue;
    }
    if (line.startsWith('#')) {
      problems.push(`${where}: comment lines other than TYPE, UNIT, HELP and EOF are not OpenMetrics`);
      continue;
    }
    const sample = SAMPLE.exec(line);
    const family = current === undefined ? undefined : families.get(current);
    if (sample === null || current === undefined || family === undefined) {
      problems.push(`${where}: not a sample of a declared family`);
      continue;
    }
    family.samples++;
    const [, name = '', labelText = '', value = ''] = sample;
    if (!(SUFFIXES[family.type ?? ''] ?? []).some((suffix) => name === `${current}${suffix}`)) problems.push(`${where}: ${name} is not a sample name of ${family.type} ${current}`);
    if (!NUMBER.test(value)) problems.push(`${where}: value ${value} is not a number (NaN is never written)`);
    const seen = new Set<string>();
    for (let rest = labelText; rest !== ''; ) {
      const label = LABEL.exec(rest);
      if (label === null) {
        problems.push(`${where}: bad label set`);
        break;
      }
      if (seen.has(label[1] ?? '')) problems.push(`${where}: label ${label[1]} twice`);
      seen.add(label[1] ?? '');
      rest = rest.slice(label[0].length);
    }
  }
  for (const [name, family] of families) {
    if (family.type === undefined || family.help !== true) problems.push(`${name}: TYPE and HELP expected`);
    if (family.unit !== undefined && !name.endsWith(`_${family.unit}`)) problems.push(`${name}: must end with its unit ${family.unit}`);
    if (family.samples === 0) problems.push(`${name}: family without samples`);
  }
  return problems;
}

const seconds = (us: number): number => us / 1e6;

function summaryOf(metrics: PromMetrics, path: string, metric: string): PromSummaryData | undefined {
  const data = metrics['coldpath_latency_seconds']?.data as PromSummaryData[] | undefined;
  return data?.find((entry) => entry.labels['path'] === path && entry.labels['metric'] === metric);
}

function gauge(metrics: PromMetrics, name: string, labels: Record<string, string>): number | undefined {
  const data = metrics[name]?.data as PromData[] | undefined;
  return data?.find((entry) => Object.entries(labels).every(([key, value]) => entry.labels[key] === value) && Object.keys(entry.labels).length === Object.keys(labels).length)?.value;
}

describe('metrics.prom (OpenMetrics)', () => {
  it.each(['run-small', 'run-aborted'] as const)('of %s follows the OpenMetrics text rules', (fixture) => {
    expect(openMetricsProblems(openMetrics(loadRun(fixture)))).toEqual([]);
  });

  it('has a summary per path and measured latency with the quantiles, count and sum of summary.csv, in seconds', async () => {
    const run = loadRun('run-small');
    const metrics = await parse(openMetrics(run));
    expect(metrics['coldpath_latency_seconds']?.type).toBe('summary');
    const csv = summaryCsvRows(run);
    let checked = 0;
    for (const path of run.paths) {
      for (const metric of ['coldstart.total', 'coldstart.network', 'connect', 'keepalive', 'newconn', 'echo']) {
        const row = csv.get(`${path.strategy} ${metric}`);
        const summary = summaryOf(metrics, path.strategy, metric);
        if (row === undefined) {
          expect(summary, `${path.strategy} ${metric}`).toBeUndefined();
          continue;
        }
        expect(summary?.quantiles, `${path.strategy} ${metric}`).toEqual({ '0.5': seconds(row.p50), '0.9': seconds(row.p90), '0.99': seconds(row.p99), '0.999': seconds(row.p999) });
        expect(summary?.count).toBe(row.count);
        expect(summary?.sum).toBeCloseTo(seconds(row.mean * row.count), 9);
        checked++;
      }
    }
    expect(checked).toBe(24);
  });

  it('has gauges for every cold-start phase, the modeled control plane and each path cost over baseline', async () => {
    const run = loadRun('run-small');
    const metrics = await parse(openMetrics(run));
    for (const name of ['coldpath_coldstart_phase_seconds', 'coldpath_modeled_control_plane_seconds', 'coldpath_path_cost_seconds', 'coldpath_run_timestamp_seconds']) {
      expect(metrics[name]?.type, name).toBe('gauge');
    }
    for (const path of runSummaries(run)) {
      for (const phase of MEASURED_PHASES) {
        // A run wired by coldpath records every measured phase, container-link included.
        const figures = path.coldStart.phases[phase]!;
        expect(gauge(metrics, 'coldpath_coldstart_phase_seconds', { path: path.strategy, phase, statistic: 'p50' }), `${path.strategy} ${phase}`).toBe(seconds(figures.p50));
        expect(gauge(metrics, 'coldpath_coldstart_phase_seconds', { path: path.strategy, phase, statistic: 'mean' })).toBeCloseTo(seconds(figures.mean), 9);
      }
    }
    expect(gauge(metrics, 'coldpath_modeled_control_plane_seconds', { path: 'eni', statistic: 'p50' })).toBe(seconds(summaryCsvRows(run).get('eni coldstart.modeled')?.p50 ?? Number.NaN));
    expect(gauge(metrics, 'coldpath_modeled_control_plane_seconds', { path: 'baseline', statistic: 'p50' })).toBeUndefined();
    const costs = costsOverBaseline(run);
    expect(costs.length).toBe(3);
    for (const cost of costs) {
      const keepalive = cost.warm.keepalive;
      if (keepalive === undefined) throw new Error('fixture changed: no keep-alive cost');
      const labels = { path: cost.strategy, against: 'baseline', metric: 'keepalive' };
      expect(gauge(metrics, 'coldpath_path_cost_seconds', { ...labels, statistic: 'mean' })).toBeCloseTo(seconds(keepalive.mean), 12);
      expect(gauge(metrics, 'coldpath_path_cost_seconds', { ...labels, statistic: 'ci95_low' })).toBeCloseTo(seconds(keepalive.low), 12);
      expect(gauge(metrics, 'coldpath_path_cost_seconds', { ...labels, statistic: 'ci95_high' })).toBeCloseTo(seconds(keepalive.high), 12);
      expect(gauge(metrics, 'coldpath_path_cost_seconds', { ...labels, metric: 'coldstart.network', statistic: 'mean' })).toBeCloseTo(seconds(cost.coldPath?.mean ?? Number.NaN), 12);
    }
    expect(gauge(metrics, 'coldpath_run_timestamp_seconds', { run_id: run.runId, scenario: 'default', outcome: 'completed', coldpath: '0.1.0', tunnel: 'vxlan' })).toBe(
      Date.parse(run.startedAt) / 1000,
    );
  });

  it('leaves out what was not measured: skipped paths, empty histograms, intervals of one repetition', async () => {
    const run = loadRun('run-aborted');
    const text = openMetrics(run);
    expect(text).not.toMatch(/path="(peering|gre-proxy)"/);
    expect(text).not.toMatch(/NaN/);
    const metrics = await parse(text);
    expect(summaryOf(metrics, 'baseline', 'keepalive')?.count).toBe(summaryCsvRows(run).get('baseline keepalive')?.count);
    // eni ran one repetition: its cost has a mean but no interval.
    expect(gauge(metrics, 'coldpath_path_cost_seconds', { path: 'eni', against: 'baseline', metric: 'coldstart.network', statistic: 'mean' })).toBeDefined();
    expect(gauge(metrics, 'coldpath_path_cost_seconds', { path: 'eni', against: 'baseline', metric: 'coldstart.network', statistic: 'ci95_low' })).toBeUndefined();
  });

  it('escapes label values and HELP text so that they read back unchanged', async () => {
    const run: RunResult = loadRun('run-small');
    run.scenario = { ...run.scenario, name: 'a "quoted" \\ name\nwith a newline' };
    run.controlPlane = { ...run.controlPlane, profile: 'x "y" \\ z' };
    const text = openMetrics(run);
    expect(openMetricsProblems(text)).toEqual([]);
    const metrics = await parse(text);
    expect((metrics['coldpath_run_timestamp_seconds']?.data as PromData[] | undefined)?.[0]?.labels['scenario']).toBe(run.scenario.name);
  });

  it('is the sockperf reference too, when the run has one', async () => {
    const run = loadRun('run-small');
    const eni = run.paths.find((path) => path.strategy === 'eni');
    const echo = eni?.repetitions[0]?.warm.find((warm) => warm.metric === 'echo');
    if (eni?.repetitions[0] === undefined || echo === undefined) throw new Error('fixture changed');
    eni.repetitions[0].reference = { tool: 'sockperf', outcome: 'completed', metric: 'echo', histogram: echo.histogram, durationUs: 1_000_000 };
    const metrics = await parse(openMetrics(run));
    expect(gauge(metrics, 'coldpath_reference_latency_seconds', { path: 'eni', tool: 'sockperf', statistic: 'p50' })).toBeGreaterThan(0);
    expect(gauge(metrics, 'coldpath_reference_latency_seconds', { path: 'baseline', tool: 'sockperf', statistic: 'p50' })).toBeUndefined();
  });
});
