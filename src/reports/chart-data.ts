/**
 * The data behind every chart, as flat rows computed from run.json (through
 * the shared summaries and histograms). Kept apart from the chart specs so
 * each can be tested as plain data.
 */
import { NETWORK_PHASES, phasesPresent, type InstanceResult, type PathResult, type RunResult } from '../results/types.js';
import { METRICS, type StrategyName, type WarmMetric } from '../scenario/schema.js';
import { percentileCurve } from './percentile-curve.js';
import { runSummaries } from './summaries.js';
import { KERNEL_LABELS, RESOURCE_LABELS } from './tables.js';
import { mergedWarm } from './warm-histograms.js';

export interface LatencyPoint {
  path: StrategyName;
  /** `corrected` for open loop (coordinated omission), `uncorrected` its raw twin, else `measured`. */
  series: 'measured' | 'corrected' | 'uncorrected';
  percentile: number;
  inverseTail: number;
  latencyUs: number;
}

export interface PhaseSegment {
  /** The bar this segment belongs to (one per path, and per path and kind for modeled bars). */
  row: string;
  path: StrategyName;
  segment: string;
  source: 'measured' | 'modeled';
  meanUs: number;
  /** Stacking order inside the bar. */
  order: number;
}

export interface BurstPoint {
  path: StrategyName;
  size: number;
  stat: 'p50' | 'p99';
  us: number;
}

export interface FailurePoint {
  path: StrategyName;
  size: number;
  reason: string;
  count: number;
}

export interface ResourcePoint {
  path: StrategyName;
  instances: number;
  resource: string;
  count: number;
}

export interface ChartData {
  /** Paths in run order. */
  paths: StrategyName[];
  /** Every burst size run, ascending. */
  burstSizes: number[];
  latency: Partial<Record<WarmMetric, LatencyPoint[]>>;
  /** The per-instance cold path: network phases only. */
  measuredPhases: PhaseSegment[];
  /** The harness's own part: waiting in a burst and starting the runtime. */
  harnessPhases: PhaseSegment[];
  modeledPhases: PhaseSegment[];
  /** Cold path (network phases) per burst size. */
  burstTotals: BurstPoint[];
  burstModeled: BurstPoint[];
  failures: FailurePoint[];
  resources: ResourcePoint[];
}

/** Name of the modeled segment for time spent waiting for API tokens. */
export const THROTTLE_SEGMENT = 'API throttling';

export function chartData(run: RunResult): ChartData {
  const summaries = runSummaries(run);
  const data: ChartData = {
    paths: run.paths.map((path) => path.strategy),
    burstSizes: [...new Set(summaries.flatMap((summary) => summary.bursts.map((burst) => burst.size)))].sort((a, b) => a - b),
    latency: {},
    measuredPhases: [],
    harnessPhases: [],
    modeledPhases: [],
    burstTotals: [],
    burstModeled: [],
    failures: [],
    resources: [],
  };
  for (const metric of METRICS) {
    const points = run.paths.flatMap((path) => latencyPoints(path, metric));
    if (points.length > 0) data.latency[metric] = points;
  }
  for (const summary of summaries) {
    const path = summary.strategy;
    if (summary.coldStart.total.count > 0) {
      const row = summary.outcome === 'completed' ? path : `${path} (${summary.outcome})`;
      const phases = summary.coldStart.phases;
      phasesPresent((oci) => phases[oci] !== undefined).forEach((phase, order) => {
        const target = (NETWORK_PHASES as readonly string[]).includes(phase) ? data.measuredPhases : data.harnessPhases;
        target.push({ row, path, segment: phase, source: 'measured', meanUs: phases[phase]?.mean ?? 0, order });
      });
    }
    for (const burst of [...summary.bursts].sort((a, b) => a.size - b.size)) {
      if (burst.network.count > 0) data.burstTotals.push({ path, size: burst.size, stat: 'p50', us: burst.network.p50 }, { path, size: burst.size, stat: 'p99', us: burst.network.p99 });
      if (burst.modeled.count > 0) data.burstModeled.push({ path, size: burst.size, stat: 'p50', us: burst.modeled.p50 }, { path, size: burst.size, stat: 'p99', us: burst.modeled.p99 });
      for (const [reason, count] of Object.entries(burst.failures)) if (count > 0) data.failures.push({ path, size: burst.size, reason, count });
      const { instances, conntrackEntries, ...counts } = burst.resources;
      const held = burst.kernelHeld;
      // Counted from the kernel; runs before schema 3 only have the plan's figures.
      if (held !== undefined) for (const [key, label] of Object.entries(KERNEL_LABELS)) data.resources.push({ path, instances, resource: label, count: held[key as keyof typeof KERNEL_LABELS] });
      else for (const [key, count] of Object.entries(counts)) data.resources.push({ path, instances, resource: `${RESOURCE_LABELS[key as keyof typeof counts]} (plan)`, count });
      if (conntrackEntries !== null) data.resources.push({ path, instances, resource: RESOURCE_LABELS.conntrackEntries, count: conntrackEntries });
    }
  }
  for (const path of run.paths) data.modeledPhases.push(...modeledSegments(path));
  return data;
}

function latencyPoints(path: PathResult, metric: WarmMetric): LatencyPoint[] {
  const corrected = mergedWarm(path, metric, 'histogram');
  const raw = mergedWarm(path, metric, 'raw');
  const series = raw.totalCount > 0 ? 'corrected' : 'measured';
  const points = (histogram: typeof raw, name: LatencyPoint['series']): LatencyPoint[] =>
    percentileCurve(histogram).map((point) => ({ path: path.strategy, series: name, percentile: point.percentile, inverseTail: point.inverseTail, latencyUs: point.valueUs }));
  return [...points(corrected, series), ...points(raw, 'uncorrected')];
}

/**
 * Modeled bars of a path: mean per step over its instances (means add up to
 * the mean modeled total), and its one-off steps before t0.
 */
function modeledSegments(path: PathResult): PhaseSegment[] {
  const instances: InstanceResult[] = path.repetitions.flatMap((rep) => rep.bursts.flatMap((burst) => burst.instances.filter((i) => i.outcome === 'ok' && i.modeled.length > 0)));
  const segments: PhaseSegment[] = [];
  if (instances.length > 0) {
    const sums = new Map<string, number>();
    for (const instance of instances) {
      for (const step of instance.modeled) {
        sums.set(THROTTLE_SEGMENT, (sums.get(THROTTLE_SEGMENT) ?? 0) + step.throttleUs);
        sums.set(step.phase, (sums.get(step.phase) ?? 0) + step.durationUs);
      }
    }
    let order = 0;
    for (const [segment, sum] of sums) {
      if (sum > 0) segments.push({ row: `${path.strategy} · per instance`, path: path.strategy, segment, source: 'modeled', meanUs: round(sum / instances.length), order: order++ });
    }
  }
  path.prewarm.modeled.forEach((step, order) => {
    const row = `${path.strategy} · once before t0`;
    if (step.throttleUs > 0) segments.push({ row, path: path.strategy, segment: THROTTLE_SEGMENT, source: 'modeled', meanUs: step.throttleUs, order: 2 * order });
    segments.push({ row, path: path.strategy, segment: step.phase, source: 'modeled', meanUs: step.durationUs, order: 2 * order + 1 });
  });
  return segments;
}

const round = (value: number): number => Math.round(value * 100) / 100;
