/**
 * Per-path figures derived from run.json: histograms merged over repetitions
 * (and bursts, for cold start). The console summary, reports and the gate all
 * read these, so every output agrees.
 */
import { CONNECT_PHASES, type ConnectPhase } from '../metrics/connect-phases.js';
import { createHistogram, decodeHistogram, summarize, type Histogram, type HistogramSummary } from '../metrics/histogram.js';
import type { StrategyName, WarmMetric } from '../scenario/schema.js';
import { MEASURED_PHASES, OPTIONAL_PHASES, type KernelCensus, type MeasuredPhase, type OptionalPhase, type PathResult, type ResourceCounts, type RunResult } from './types.js';

export interface BurstSummary {
  size: number;
  total: HistogramSummary;
  network: HistogramSummary;
  modeled: HistogramSummary;
  failures: Record<string, number>;
  attempted: number;
  resources: ResourceCounts & { instances: number; conntrackEntries: number | null };
  /** What the last burst of this size held beyond the run before the path, counted from the kernel (absent before schema 3). */
  kernelHeld?: KernelCensus;
}

export interface WarmSummary extends HistogramSummary {
  errors: number;
  errorKinds: Record<string, number>;
  /** pg.connect, redis.connect: the connection set-up's phases, in order (schema 8 and later). */
  phases?: Partial<Record<ConnectPhase, HistogramSummary>>;
}

export interface PathSummary {
  strategy: StrategyName;
  outcome: PathResult['outcome'];
  failure?: string;
  coldStart: {
    total: HistogramSummary;
    network: HistogramSummary;
    modeled: HistogramSummary;
    /** Every measured phase; the OCI runtime's phases only for paths whose instances were containers; cni-add in place of container-link for paths wired by the CNI plugins. */
    phases: Record<Exclude<MeasuredPhase, OptionalPhase>, HistogramSummary> & Partial<Record<OptionalPhase, HistogramSummary>>;
    instances: number;
    failures: Record<string, number>;
  };
  bursts: BurstSummary[];
  warm: Partial<Record<WarmMetric, WarmSummary>>;
  resourcesPer100: ResourceCounts;
  verified: boolean | undefined;
}

/**
 * Decoded histograms, shared read-only: summaries merge the same encoded
 * histograms many times (per phase, per burst size, overall).
 */
const decoded = new Map<string, Histogram>();
const DECODED_MAX = 512;

function decodeShared(encoded: string): Histogram {
  let histogram = decoded.get(encoded);
  if (histogram === undefined) {
    histogram = decodeHistogram(encoded);
    if (decoded.size >= DECODED_MAX) decoded.delete(decoded.keys().next().value as string);
    decoded.set(encoded, histogram);
  }
  return histogram;
}

/** Merges histograms by key over a list of records of encoded histograms. */
export function mergeNamed(records: ReadonlyArray<Record<string, string>>, name: string, kind: 'coldstart' | 'latency' = 'coldstart'): Histogram {
  const present = records.flatMap((record) => (record[name] === undefined ? [] : [record[name]]));
  const merged = createHistogram(kind);
  for (const encoded of present) merged.add(decodeShared(encoded));
  return merged;
}

export function summarizePath(path: PathResult): PathSummary {
  const bursts = path.repetitions.flatMap((rep) => rep.bursts);
  const allHistograms = bursts.map((burst) => burst.histograms);
  const failures: Record<string, number> = {};
  for (const burst of bursts) for (const [reason, count] of Object.entries(burst.failures)) failures[reason] = (failures[reason] ?? 0) + (count ?? 0);
  // The optional phases only where recorded, in the order runs before CNI had them. container-link unless the CNI plugins wired the
  // instances instead (a path with no burst at all keeps it, as it always did).
  const has = (phase: string): boolean => allHistograms.some((histograms) => histograms[phase] !== undefined);
  const recorded = (phase: string): boolean => {
    if (phase === 'container-link') return has(phase) || !has('cni-add');
    return !(OPTIONAL_PHASES as readonly string[]).includes(phase) || has(phase);
  };
  const optional = OPTIONAL_PHASES.filter((phase) => !(MEASURED_PHASES as readonly string[]).includes(phase));
  const phases = Object.fromEntries([...MEASURED_PHASES, ...optional].filter(recorded).map((phase) => [phase, summarize(mergeNamed(allHistograms, phase))])) as PathSummary['coldStart']['phases'];
  const sizes = [...new Set(bursts.map((burst) => burst.size))];
  const burstSummaries = sizes.map((size): BurstSummary => {
    const same = bursts.filter((burst) => burst.size === size);
    const burstFailures: Record<string, number> = {};
    for (const burst of same) for (const [reason, count] of Object.entries(burst.failures)) burstFailures[reason] = (burstFailures[reason] ?? 0) + (count ?? 0);
    const last = same[same.length - 1];
    return {
      size,
      total: summarize(
        mergeNamed(
          same.map((b) => b.histograms),
          'total',
        ),
      ),
      network: summarize(
        mergeNamed(
          same.map((b) => b.histograms),
          'network',
        ),
      ),
      modeled: summarize(
        mergeNamed(
          same.map((b) => b.histograms),
          'modeled',
        ),
      ),
      failures: burstFailures,
      attempted: size * same.length,
      resources: last?.resources ?? { userVpcInterfaces: 0, userSubnetIps: 0, routeEntries: 0, proxies: 0, tunnels: 0, peeringConnections: 0, instances: 0, conntrackEntries: null },
      ...(last?.kernelHeld === undefined ? {} : { kernelHeld: last.kernelHeld }),
    };
  });
  const warm: PathSummary['warm'] = {};
  const metrics = new Set(path.repetitions.flatMap((rep) => rep.warm.map((w) => w.metric)));
  for (const metric of metrics) {
    const results = path.repetitions.flatMap((rep) => rep.warm.filter((w) => w.metric === metric));
    const merged = createHistogram('latency');
    const errorKinds: Record<string, number> = {};
    for (const result of results) {
      merged.add(decodeHistogram(result.histogram));
      for (const [kind, count] of Object.entries(result.errors)) errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
    }
    const phases: Partial<Record<ConnectPhase, HistogramSummary>> = {};
    for (const phase of CONNECT_PHASES) {
      const records = results.flatMap((result) => (result.phases?.[phase] === undefined ? [] : [{ h: result.phases[phase] }]));
      if (records.length > 0) phases[phase] = summarize(mergeNamed(records, 'h', 'latency'));
    }
    warm[metric] = { ...summarize(merged), errors: Object.values(errorKinds).reduce((a, b) => a + b, 0), errorKinds, ...(Object.keys(phases).length === 0 ? {} : { phases }) };
  }
  return {
    strategy: path.strategy,
    outcome: path.outcome,
    ...(path.failure === undefined ? {} : { failure: `${path.failure.reason}: ${path.failure.message}` }),
    coldStart: {
      total: summarize(mergeNamed(allHistograms, 'total')),
      network: summarize(mergeNamed(allHistograms, 'network')),
      modeled: summarize(mergeNamed(allHistograms, 'modeled')),
      phases,
      instances: bursts.reduce((sum, burst) => sum + burst.instances.filter((i) => i.outcome === 'ok').length, 0),
      failures,
    },
    bursts: burstSummaries,
    warm,
    resourcesPer100: path.resourcesPer100,
    verified: path.verification?.ok,
  };
}

export function summarizeRun(run: RunResult): PathSummary[] {
  return run.paths.map(summarizePath);
}
