/**
 * metrics.prom: a run's summaries in the OpenMetrics text format, in seconds
 * (OpenMetrics' base unit; run.json holds µs). The figures are the ones
 * summary.csv and the path-cost table show, converted, never recomputed.
 *
 * Only the summary and gauge types are used, so the same text is also valid
 * Prometheus text format 0.0.4 (which reads `# UNIT` and `# EOF` as comments):
 * node_exporter's textfile collector and the Pushgateway take it as is.
 * No run id on the samples: series then line up across runs for trending;
 * the run is named once, on `coldpath_run_timestamp_seconds`.
 */
import type { HistogramSummary } from '../metrics/histogram.js';
import type { PairedDifference } from '../metrics/paired.js';
import { costsOverBaseline, referenceP50 } from '../results/path-costs.js';
import { phasesPresent, type RunResult } from '../results/types.js';
import { metricRows } from './metric-rows.js';
import { runSummaries } from './summaries.js';

/** The latency families carry these metrics of summary.csv (measured, whole distributions). */
const LATENCY_METRIC = /^(coldstart\.total|coldstart\.network|connect|keepalive|newconn|echo|redis\.get|redis\.connect(\.(tcp|auth|query))?|pg\.query|pg\.connect(\.(tcp|tls|auth|query))?|http\.get)$/;

const QUANTILES: ReadonlyArray<[string, keyof HistogramSummary]> = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
];

type Labels = ReadonlyArray<readonly [string, string]>;

interface Family {
  name: string;
  type: 'summary' | 'gauge';
  help: string;
  lines: string[];
}

export function openMetrics(run: RunResult): string {
  const families = [runFamily(run), latencyFamily(run), phaseFamily(run), modeledFamily(run), costFamily(run), referenceFamily(run)];
  const out: string[] = [];
  for (const family of families) {
    if (family.lines.length === 0) continue;
    out.push(`# TYPE ${family.name} ${family.type}`, `# UNIT ${family.name} seconds`, `# HELP ${family.name} ${escapeHelp(family.help)}`, ...family.lines);
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}

function runFamily(run: RunResult): Family {
  const started = Date.parse(run.startedAt);
  const labels: Labels = [
    ['run_id', run.runId],
    ['scenario', run.scenario.name],
    ['outcome', run.outcome],
    ['coldpath', run.fingerprint.coldpath],
    ['tunnel', run.tunnel?.used ?? 'none'],
  ];
  return {
    name: 'coldpath_run_timestamp_seconds',
    type: 'gauge',
    help: 'Start of the run these metrics come from, seconds since the epoch; its labels name the run.',
    lines: Number.isFinite(started) ? [sample('coldpath_run_timestamp_seconds', labels, started / 1000)] : [],
  };
}

function latencyFamily(run: RunResult): Family {
  const name = 'coldpath_latency_seconds';
  const lines: string[] = [];
  for (const row of metricRows(run, runSummaries(run))) {
    // An empty histogram has no quantiles; absent reads right, 0 would read as a measured 0 s.
    if (row.source !== 'measured' || !LATENCY_METRIC.test(row.metric) || row.summary.count === 0) continue;
    const labels: Labels = [
      ['path', row.path],
      ['metric', row.metric],
    ];
    for (const [quantile, field] of QUANTILES) lines.push(sample(name, [...labels, ['quantile', quantile]], micros(row.summary[field])));
    // HDR histograms keep no exact sum: count × mean over the buckets (within 0.1 %), the mean summary.csv shows.
    lines.push(sample(`${name}_sum`, labels, micros(row.summary.mean * row.summary.count)));
    lines.push(sample(`${name}_count`, labels, row.summary.count));
  }
  return {
    name,
    type: 'summary',
    help: 'Measured latency per path and metric, all repetitions merged: coldstart.total (burst start to first response), coldstart.network (the per-instance cold path), and the warm metrics (connect, keepalive, newconn, echo, redis.get, redis.connect, pg.query, pg.connect, http.get), and the set-up phases of a new connection under its metric (pg.connect.tcp, .tls, .auth, .query; redis.connect.tcp, .auth, .query). Quantiles as in summary.csv.',
    lines,
  };
}

function phaseFamily(run: RunResult): Family {
  const name = 'coldpath_coldstart_phase_seconds';
  const lines: string[] = [];
  for (const path of runSummaries(run)) {
    const phases = path.coldStart.phases;
    for (const phase of phasesPresent((oci) => phases[oci] !== undefined)) {
      const summary = phases[phase];
      if (summary === undefined || summary.count === 0) continue;
      for (const [statistic, value] of statistics(summary)) {
        lines.push(
          sample(
            name,
            [
              ['path', path.strategy],
              ['phase', phase],
              ['statistic', statistic],
            ],
            micros(value),
          ),
        );
      }
    }
  }
  return {
    name,
    type: 'gauge',
    help: 'Measured cold-start phase durations per path, every burst merged; statistic is mean (means add up along the timeline), p50 or p99. queued and runtime-start are the harness (waiting in a burst, the function runtime starting), the same on every path.',
    lines,
  };
}

function modeledFamily(run: RunResult): Family {
  const name = 'coldpath_modeled_control_plane_seconds';
  const lines: string[] = [];
  for (const path of runSummaries(run)) {
    const modeled = path.coldStart.modeled;
    if (modeled.count === 0) continue;
    for (const [statistic, value] of statistics(modeled))
      lines.push(
        sample(
          name,
          [
            ['path', path.strategy],
            ['statistic', statistic],
          ],
          micros(value),
        ),
      );
  }
  return {
    name,
    type: 'gauge',
    help: `Modeled control-plane time per instance (profile ${run.controlPlane.profile}): virtual time, never slept, never part of a measured figure.`,
    lines,
  };
}

function costFamily(run: RunResult): Family {
  const name = 'coldpath_path_cost_seconds';
  const lines: string[] = [];
  for (const cost of costsOverBaseline(run)) {
    const series: Array<[string, PairedDifference | undefined]> = [...Object.entries(cost.warm), ['coldstart.network', cost.coldPath], ['sockperf', cost.reference]];
    for (const [metric, difference] of series) {
      if (difference === undefined) continue;
      const labels: Labels = [
        ['path', cost.strategy],
        ['against', cost.against],
        ['metric', metric],
      ];
      lines.push(sample(name, [...labels, ['statistic', 'mean']], micros(difference.mean)));
      // Fewer than two repetitions have no interval: its bounds are left out rather than written as NaN.
      if (Number.isFinite(difference.low) && Number.isFinite(difference.high)) {
        lines.push(sample(name, [...labels, ['statistic', 'ci95_low']], micros(difference.low)));
        lines.push(sample(name, [...labels, ['statistic', 'ci95_high']], micros(difference.high)));
      }
    }
  }
  return {
    name,
    type: 'gauge',
    help: 'What a path costs over baseline: per repetition the p50 difference, then their mean and 95 % t-interval (statistic mean, ci95_low, ci95_high). metric sockperf is the same cost measured by the reference instrument.',
    lines,
  };
}

function referenceFamily(run: RunResult): Family {
  const name = 'coldpath_reference_latency_seconds';
  const lines: string[] = [];
  for (const path of run.paths) {
    const p50 = referenceP50(path);
    if (p50 !== undefined)
      lines.push(
        sample(
          name,
          [
            ['path', path.strategy],
            ['tool', 'sockperf'],
            ['statistic', 'p50'],
          ],
          micros(p50),
        ),
      );
  }
  return {
    name,
    type: 'gauge',
    help: 'The reference instrument: sockperf TCP ping-pong round trip from the same container to the same service, p50 over its repetitions.',
    lines,
  };
}

const statistics = (summary: HistogramSummary): Array<[string, number]> => [
  ['mean', summary.mean],
  ['p50', summary.p50],
  ['p99', summary.p99],
];

/** µs → s, printed without binary noise (54 µs is 0.000054, not 0.000054000000000000004). */
const micros = (us: number): number => Number((us / 1e6).toPrecision(12));

function sample(name: string, labels: Labels, value: number): string {
  const text = labels.length === 0 ? '' : `{${labels.map(([key, label]) => `${key}="${escapeLabel(label)}"`).join(',')}}`;
  return `${name}${text} ${formatNumber(value)}`;
}

/** OpenMetrics numbers: plain decimals or exponents; JavaScript prints `1e-7`, which both formats accept. */
const formatNumber = (value: number): string => (Number.isInteger(value) ? value.toFixed(0) : String(value));

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Backslash and newline escaped as both formats do; a double quote (escaped only by OpenMetrics, an error in 0.0.4) becomes a single one. */
const escapeHelp = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, "'");
