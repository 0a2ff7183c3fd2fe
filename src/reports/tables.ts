/**
 * The report tables as plain data (header + rows of text cells), one per
 * concern, so report.md and report.html show the same figures formatted the
 * same way. Empty histograms show as `–`, never as 0.
 */
import { formatMicros, formatSignedMicros } from '../format.js';
import type { Table } from '../report-data.js';
import type { KernelCensus } from '../results/types.js';
import type { HistogramSummary } from '../metrics/histogram.js';
import type { PathSummary } from '../results/summary.js';
import type { RunResult } from '../results/types.js';
import type { PairedDifference } from '../metrics/paired.js';
import { costsOverBaseline, repetitionFigures } from '../results/path-costs.js';
import { METRICS, type WarmMetric } from '../scenario/schema.js';
import type { ResourceCounts } from '../strategies/types.js';
import { metricRows } from './metric-rows.js';
import { runSummaries } from './summaries.js';
import { formatRatio, formatReasons } from './text.js';

export { figureColumns, type Table } from '../report-data.js';

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
  // OCI instances (instances.runtime: oci): crun's create and start get columns of their own, before the runtime's own start.
  const oci = paths.some((path) => path.coldStart.phases['oci-create'] !== undefined);
  const cni = paths.some((path) => path.coldStart.phases['cni-add'] !== undefined);
  const ociMeans = (path: PathSummary): string[] =>
    oci
      ? (['oci-create', 'oci-start'] as const).map((phase) => {
          const summary = path.coldStart.phases[phase];
          return summary === undefined ? '–' : micros(summary, summary.mean);
        })
      : [];
  return {
    title: 'Cold start per path',
    note:
      'Cold path: the per-instance network work (namespace, container link, attach, first connect, TTFB) — what a path costs. ' +
      'Queued and runtime start are the harness (instances waiting for each other in a burst, the function runtime starting), the same on every path. ' +
      (cni ? 'With CNI networking, the container link is the CNI plugins’ ADD (loopback, then bridge with host-local IPAM). ' : '') +
      (oci ? 'With OCI instances, oci create (writing the bundle, then crun create) and oci start (crun start) come before the runtime’s own start. ' : '') +
      'Modeled: control-plane time in virtual time, shown apart and never added to the measured columns. Means add up; percentiles would not.',
    header: [
      'path',
      'ok / attempted',
      'cold path p50',
      'cold path p99',
      'queued mean',
      ...(oci ? ['oci create mean', 'oci start mean'] : []),
      'runtime start mean',
      'burst start → response p50',
      'modeled p50',
      'modeled p99',
    ],
    rows: paths.map((path) => {
      const attempted = path.bursts.reduce((sum, burst) => sum + burst.attempted, 0);
      const { modeled, network, phases, total } = path.coldStart;
      return [
        pathLabel(path),
        `${path.coldStart.instances} / ${attempted}`,
        micros(network, network.p50),
        micros(network, network.p99),
        micros(phases.queued, phases.queued.mean),
        ...ociMeans(path),
        micros(phases['runtime-start'], phases['runtime-start'].mean),
        micros(total, total.p50),
        micros(modeled, modeled.p50),
        micros(modeled, modeled.p99),
      ];
    }),
  };
}

/** Each path's cost over baseline per metric, paired by repetition, with the reference's cost beside it. */
export function pathCostTable(run: RunResult): Table {
  const rows: string[][] = [];
  for (const cost of costsOverBaseline(run)) {
    const agreement = (metric: WarmMetric): string => {
      const check = cost.agreement.find((item) => item.metric === metric);
      if (check === undefined) return '–';
      if (check.notApplied !== undefined) return `not checked: ${check.notApplied}`;
      return `${check.ok ? 'agrees' : 'DISAGREES'}: ${formatSignedMicros(check.coldpath)} vs ${formatSignedMicros(check.reference)} (bound ${formatMicros(check.bound)})`;
    };
    for (const [metric, difference] of Object.entries(cost.warm) as Array<[WarmMetric, PairedDifference]>) {
      rows.push([
        cost.strategy,
        metric,
        formatSignedMicros(difference.mean),
        interval(difference),
        difference.values.map(formatSignedMicros).join(', '),
        cost.reference === undefined || (metric !== 'echo' && metric !== 'keepalive') ? '–' : formatSignedMicros(cost.reference.mean),
        agreement(metric),
      ]);
    }
    if (cost.coldPath !== undefined) {
      rows.push([cost.strategy, 'cold path', formatSignedMicros(cost.coldPath.mean), interval(cost.coldPath), cost.coldPath.values.map(formatSignedMicros).join(', '), '–', '–']);
    }
  }
  return {
    title: 'Path cost over baseline',
    note:
      'p50 of the path minus p50 of baseline, in each repetition (the unit that replicates), then the mean and its 95 % t-interval. ' +
      "The reference is sockperf TCP ping-pong from the same container to the same service host; coldpath's echo and keep-alive costs must agree with its cost within the bound.",
    header: ['path', 'metric', 'cost (mean)', '95 % CI', 'per repetition', 'sockperf cost', 'check'],
    rows,
  };
}

/** One row per path and repetition: the order, what was measured, how warm-up and settling went. */
export function repetitionsTable(run: RunResult): Table {
  const rows: string[][] = [];
  for (const path of run.paths) {
    const figures = repetitionFigures(path);
    for (const rep of path.repetitions) {
      const figure = figures.find((item) => item.repetition === rep.index);
      const warmups = rep.warm.flatMap((result) => result.warmup);
      const { settles } = rep;
      rows.push([
        String(rep.index + 1),
        rep.slot === undefined ? '–' : String(rep.slot + 1),
        path.strategy,
        figure?.coldPath === undefined ? '–' : formatMicros(figure.coldPath),
        ...(['keepalive', 'echo'] as const).map((metric) => (figure?.warm[metric] === undefined ? '–' : formatMicros(figure.warm[metric] ?? 0))),
        figure?.reference === undefined ? '–' : formatMicros(figure.reference),
        warmups.length === 0 ? '–' : `${Math.max(...warmups.map((w) => w.requests))}${warmups.some((w) => w.mode === 'steady' && !w.converged) ? ' (not steady)' : ''}`,
        settles.length === 0 ? '–' : `${Math.round(settles.reduce((sum, item) => sum + item.waitedMs, 0))} ms${settles.every((item) => item.completed) ? '' : ' (incomplete)'}`,
      ]);
    }
  }
  rows.sort((a, b) => Number(a[0]) - Number(b[0]) || Number(a[1]) - Number(b[1]));
  return {
    title: 'Repetitions',
    note: "Each path in each repetition, in the order measured (p50s). Warm-up: requests until the slowest metric was steady. Settle: time spent waiting for the kernel between this block's stages.",
    header: ['repetition', 'order', 'path', 'cold path', 'keep-alive', 'echo', 'sockperf', 'warm-up requests', 'settle'],
    rows,
  };
}

const interval = (difference: PairedDifference): string => (difference.n < 2 ? '– (1 repetition)' : `${formatSignedMicros(difference.low)} to ${formatSignedMicros(difference.high)}`);

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
      // A new connection's set-up in phases, under the total (pg.connect, redis.connect).
      for (const [phase, part] of Object.entries(summary.phases ?? {})) {
        const referencePart = reference?.phases?.[phase as keyof typeof reference.phases];
        const partRatio = referencePart === undefined || referencePart.count === 0 || part.count === 0 ? '–' : formatRatio(part.p50 / referencePart.p50);
        rows.push([`${metric}.${phase}`, pathLabel(path), String(part.count), '–', micros(part, part.p50), partRatio, ...percentiles(part).slice(1)]);
      }
    }
  }
  return {
    title: 'Warm requests by metric',
    note: `Latency per request, all instances and repetitions merged (open loop: corrected for coordinated omission). × baseline: p50 ratio to the baseline path.${
      paths.some((path) => Object.values(path.warm).some((summary) => summary?.phases !== undefined))
        ? ' A new connection per request (pg.connect, redis.connect) has its set-up in phases under it: tcp (connect), tls (pg only), auth, query (the first query); each part is a distribution of its own, so their percentiles do not add up (their means do, in a closed loop).'
        : ''
    }`,
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

/** Kernel-counted holdings a report shows, in order, with their labels. */
export const KERNEL_LABELS = {
  userVpcPorts: 'user-VPC interfaces',
  userVpcAddresses: 'user-VPC addresses',
  links: 'links',
  routes: 'routes',
  neighbours: 'neighbour entries',
  nftRules: 'nft rules',
} as const satisfies Partial<Record<keyof KernelCensus, string>>;

export function resourcesTable(paths: readonly PathSummary[]): Table {
  let planned = false;
  const rows = paths.flatMap((path) => {
    const largest = [...path.bursts].sort((a, b) => b.size - a.size)[0];
    if (largest === undefined) return [];
    const r = largest.resources;
    const k = largest.kernelHeld;
    const plan = path.resourcesPer100;
    // Runs before schema 3 did not count: their plan figures, said so.
    if (k === undefined) planned = true;
    const counted = (key: keyof typeof KERNEL_LABELS, fallback?: number): string => (k !== undefined ? String(k[key]) : fallback === undefined ? '–' : `${fallback} (plan)`);
    return [
      [
        pathLabel(path),
        `${r.instances} (K = ${largest.size})`,
        counted('userVpcPorts', r.userVpcInterfaces),
        counted('userVpcAddresses', r.userSubnetIps),
        counted('links'),
        counted('routes', r.routeEntries),
        counted('neighbours'),
        counted('nftRules'),
        r.conntrackEntries === null ? '–' : String(r.conntrackEntries),
        `${plan.userVpcInterfaces} / ${plan.userSubnetIps} / ${plan.routeEntries}`,
      ],
    ];
  });
  return {
    title: 'Resources held',
    note:
      "Counted from the kernel at the end of the largest burst (instances alive): what the run's namespaces held beyond what they held before the path was built — its shared objects and its instances. " +
      (planned ? "Runs before schema 3 did not count; their figures marked (plan) come from the path's plan. " : '') +
      'The last column is what the plan holds at 100 instances: user-VPC interfaces / user-subnet IPs / route entries.',
    header: ['path', 'instances', ...Object.values(KERNEL_LABELS), 'conntrack', 'at 100 (plan)'],
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
