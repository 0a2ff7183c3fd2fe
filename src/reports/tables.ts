/**
 * The report tables as plain data (header + rows of text cells), one per
 * concern, so report.md and report.html show the same figures formatted the
 * same way. Empty histograms show as `–`, never as 0.
 */
import { formatMicros } from '../cli/format.js';
import type { HistogramSummary } from '../metrics/histogram.js';
import type { PathSummary } from '../results/summary.js';
import type { RunResult } from '../results/types.js';
import { METRICS } from '../scenario/schema.js';
import type { ResourceCounts } from '../strategies/types.js';
import { metricRows } from './metric-rows.js';
import { runSummaries } from './summaries.js';
import { formatRatio, formatReasons } from './text.js';

export interface Table {
  title: string;
  /** One sentence on what the figures are. */
  note: string;
  header: string[];
  rows: string[][];
}

/** Which columns hold figures (judged by the first row), to right-align them in every renderer. */
export function figureColumns(table: Table): boolean[] {
  return table.header.map((_, i) => /^[\d–−+]/.test(table.rows[0]?.[i] ?? ''));
}

const micros = (summary: HistogramSummary, value: number): string => (summary.count === 0 ? '–' : formatMicros(value));

const percentiles = (summary: HistogramSummary): string[] => [
  micros(summary, summary.p50),
  micros(summary, summary.p90),
  micros(summary, summary.p99),
  micros(summary, summary.p999),
  micros(summary, summary.max),
];

const pathLabel = (path: PathSummary): string => (path.outcome === 'completed' ? path.strategy : `${path.strategy} (${path.outcome})`);

export function coldStartTable(paths: readonly PathSummary[]): Table {
  return {
    title: 'Cold start per path',
    note: 'Measured: burst start → first response, all burst sizes and repetitions merged. Network: namespace, container link, attach, first connect and TTFB only. Modeled: control-plane time in virtual time, shown apart and never added to the measured columns.',
    header: ['path', 'ok / attempted', 'p50', 'p90', 'p99', 'p99.9', 'max', 'network p50', 'modeled p50', 'modeled p99'],
    rows: paths.map((path) => {
      const attempted = path.bursts.reduce((sum, burst) => sum + burst.attempted, 0);
      const { modeled } = path.coldStart;
      return [
        pathLabel(path),
        `${path.coldStart.instances} / ${attempted}`,
        ...percentiles(path.coldStart.total),
        micros(path.coldStart.network, path.coldStart.network.p50),
        micros(modeled, modeled.p50),
        micros(modeled, modeled.p99),
      ];
    }),
  };
}

export function warmTable(paths: readonly PathSummary[]): Table {
  const baseline = paths.find((path) => path.strategy === 'baseline');
  const rows: string[][] = [];
  for (const metric of METRICS) {
    for (const path of paths) {
      const summary = path.warm[metric];
      if (summary === undefined) continue;
      const reference = baseline?.warm[metric];
      const ratio = reference === undefined || reference.count === 0 || summary.count === 0 ? '–' : formatRatio(summary.p50 / reference.p50);
      rows.push([metric, pathLabel(path), String(summary.count), String(summary.errors), micros(summary, summary.p50), ratio, ...percentiles(summary).slice(1)]);
    }
  }
  return {
    title: 'Warm requests by metric',
    note: 'Latency per request, all instances and repetitions merged (open loop: corrected for coordinated omission). × baseline: p50 ratio to the baseline path.',
    header: ['metric', 'path', 'count', 'errors', 'p50', '× baseline', 'p90', 'p99', 'p99.9', 'max'],
    rows,
  };
}

export function burstTable(paths: readonly PathSummary[]): Table {
  return {
    title: 'Bursts by size',
    note: 'K instances cold-started at once; repetitions merged. Modeled columns are virtual control-plane time (API throttling included), apart from the measured ones.',
    header: ['path', 'K', 'ok / attempted', 'p50', 'p99', 'modeled p50', 'modeled p99', 'failures'],
    rows: paths.flatMap((path) =>
      [...path.bursts]
        .sort((a, b) => a.size - b.size)
        .map((burst) => {
          const failed = Object.values(burst.failures).reduce((sum, count) => sum + count, 0);
          return [
            pathLabel(path),
            String(burst.size),
            `${burst.attempted - failed} / ${burst.attempted}`,
            micros(burst.total, burst.total.p50),
            micros(burst.total, burst.total.p99),
            micros(burst.modeled, burst.modeled.p50),
            micros(burst.modeled, burst.modeled.p99),
            failed === 0 ? '0' : formatReasons(burst.failures),
          ];
        }),
    ),
  };
}

export const RESOURCE_LABELS: Record<keyof ResourceCounts | 'conntrackEntries', string> = {
  userVpcInterfaces: 'user-VPC interfaces',
  userSubnetIps: 'user-subnet IPs',
  routeEntries: 'route entries',
  proxies: 'proxies',
  tunnels: 'tunnels',
  peeringConnections: 'peering connections',
  conntrackEntries: 'conntrack entries',
};

export function resourcesTable(paths: readonly PathSummary[]): Table {
  const rows = paths.flatMap((path) => {
    const largest = [...path.bursts].sort((a, b) => b.size - a.size)[0];
    if (largest === undefined) return [];
    const r = largest.resources;
    const plan = path.resourcesPer100;
    return [
      [
        pathLabel(path),
        `${r.instances} (K = ${largest.size})`,
        String(r.userVpcInterfaces),
        String(r.userSubnetIps),
        String(r.routeEntries),
        String(r.proxies),
        String(r.tunnels),
        String(r.peeringConnections),
        r.conntrackEntries === null ? '–' : String(r.conntrackEntries),
        `${plan.userVpcInterfaces} / ${plan.userSubnetIps} / ${plan.routeEntries}`,
      ],
    ];
  });
  return {
    title: 'Resources held',
    note: 'Held at the end of the largest burst (instances alive). The last column is what the plan holds at 100 instances: user-VPC interfaces / user-subnet IPs / route entries.',
    header: ['path', 'instances', 'user-VPC ifaces', 'subnet IPs', 'routes', 'proxies', 'tunnels', 'peerings', 'conntrack', 'at 100 (plan)'],
    rows,
  };
}

/** Every (path, metric) figure of summary.csv, exact µs. */
export function metricTable(run: RunResult): Table {
  const exact = (summary: HistogramSummary, value: number): string => (summary.count === 0 ? '–' : String(value));
  return {
    title: 'All figures (µs)',
    note: 'The rows of summary.csv: every measured phase, the modeled total and every warm metric, exact values in µs.',
    header: ['path', 'metric', 'source', 'count', 'errors', 'min', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'],
    rows: metricRows(run, runSummaries(run)).map((row) => {
      const s = row.summary;
      return [row.path, row.metric, row.source, String(s.count), String(row.errors), ...[s.min, s.mean, s.p50, s.p90, s.p99, s.p999, s.max].map((v) => exact(s, v))];
    }),
  };
}

/** The control-plane profile the modeled phases were drawn from, with its sources. */
export function modelTable(run: RunResult): Table {
  return {
    title: `Modeled control plane: profile ${run.controlPlane.profile}`,
    note: `${run.controlPlane.description} Lognormal per phase fitted to median and p99; API token bucket ${run.controlPlane.apiBucket.capacity} tokens, ${run.controlPlane.apiBucket.refillPerSecond}/s.`,
    header: ['phase', 'what', 'median', 'p99', 'API call', 'sources'],
    rows: Object.entries(run.controlPlane.phases).map(([id, spec]) => [
      id,
      spec.label,
      formatMicros(spec.medianMs * 1000),
      formatMicros(spec.p99Ms * 1000),
      spec.apiCall ? 'yes' : 'no',
      spec.sources.map((source) => (source.url === '' ? source.title : `${source.title} <${source.url}>`)).join('; '),
    ]),
  };
}
