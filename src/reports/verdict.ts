/**
 * The verdict of a run as findings computed from the numbers: which path wins
 * cold start and by how much, what the modeled control plane adds (apart,
 * never summed into measured figures), what the proxy costs per request
 * against peering and baseline (p50 ratios), and where each path, eni first
 * of all, starts failing as bursts grow. Wording lives in verdict-text.ts;
 * this module only decides, so it can be tested on hand-built summaries.
 */
import type { HistogramSummary } from '../metrics/histogram.js';
import type { PathSummary } from '../results/summary.js';
import type { RunResult } from '../results/types.js';
import { METRICS, type StrategyName, type WarmMetric } from '../scenario/schema.js';
import { buildLayout } from '../topology/layout.js';
import { runSummaries } from './summaries.js';

/**
 * A cold-start lead smaller than this ratio is reported as no clear winner:
 * with the tens of instances a run has, run-to-run spread is of this order.
 */
export const CLEAR_MARGIN = 1.1;

/** The paths the proxy is compared with, nearest alternative first. */
const PROXY_REFERENCES: readonly StrategyName[] = ['peering', 'baseline'];

export interface RankedPath {
  strategy: StrategyName;
  p50: number;
  p99: number;
  count: number;
  /** False when the path did not finish (aborted, failed): its figures cover part of the plan. */
  complete: boolean;
}

export interface ColdStartVerdict {
  /**
   * VPC paths (all but baseline) fastest first, by p50 of the measured cold
   * start (burst start → first response). Empty when only baseline ran.
   */
  ranking: RankedPath[];
  /** Runner-up p50 ÷ winner p50; undefined with fewer than two VPC paths. */
  margin: number | undefined;
  /** The winner leads by at least CLEAR_MARGIN. */
  clear: boolean;
  /** The floor every path is compared with: no VPC crossing. */
  baseline: RankedPath | undefined;
  /** Every path (baseline included) by p50 of its network phases only: what the path itself costs. */
  network: RankedPath[];
  /** Smallest and largest share of the mean cold start spent starting the runtime (the probe process), over paths. */
  runtimeShare: { min: number; max: number };
}

export interface ModeledCost {
  strategy: StrategyName;
  /** Modeled control-plane time on each instance's cold path (virtual µs); undefined when none. */
  perInstance: HistogramSummary | undefined;
  /** Modeled control-plane time once per path, before the first instance (virtual µs). */
  prewarmUs: number;
  /** Measured cold-start p50 of the same path, for scale (µs); undefined when not measured. */
  measuredP50: number | undefined;
}

export interface ProxyComparison {
  against: StrategyName;
  p50: number;
  /** Proxy p50 ÷ reference p50. */
  ratio: number;
  /** Proxy p50 − reference p50 (µs; negative when the proxy was faster). */
  extraUs: number;
}

export interface ProxyCost {
  metric: WarmMetric;
  proxyP50: number;
  comparisons: ProxyComparison[];
}

export interface BurstFailure {
  strategy: StrategyName;
  /** The smallest burst size K with a failed instance. */
  size: number;
  failed: number;
  attempted: number;
  reasons: Record<string, number>;
  /** The largest smaller K at which every instance succeeded, if any was run. */
  cleanUpTo: number | undefined;
}

export type Unmeasured = { kind: 'not-measured'; why: string };

export type EniLimit =
  | Unmeasured
  | { kind: 'failed'; first: BurstFailure }
  | {
      kind: 'held';
      largestSize: number;
      quota: number;
      /** User-subnet addresses the scenario leaves for ENIs; undefined when the scenario cannot be laid out. */
      addresses: number | undefined;
    };

export interface Verdict {
  coldStart: ColdStartVerdict | undefined;
  modeled: ModeledCost[];
  proxy: { kind: 'measured'; costs: ProxyCost[] } | Unmeasured;
  eni: EniLimit;
  /** First failing burst of every path that had one, in path order. */
  failures: BurstFailure[];
  /** Paths whose traffic reached the service from unexpected source addresses. */
  unverified: StrategyName[];
}

/** What the verdict needs from run.json besides the per-path summaries. */
export interface VerdictContext {
  eniQuota: number;
  /** User-subnet addresses available to ENIs (after reserved, service and proxy addresses). */
  eniAddresses: number | undefined;
  /** Modeled control-plane time spent once per path before t0 (virtual µs). */
  prewarmModeledUs: Partial<Record<StrategyName, number>>;
}

export function verdictContext(run: RunResult): VerdictContext {
  const prewarmModeledUs: VerdictContext['prewarmModeledUs'] = {};
  for (const path of run.paths) {
    prewarmModeledUs[path.strategy] = path.prewarm.modeled.reduce((sum, step) => sum + step.throttleUs + step.durationUs, 0);
  }
  return { eniQuota: run.scenario.eni.quotaPerVpc, eniAddresses: eniAddresses(run), prewarmModeledUs };
}

export function runVerdict(run: RunResult): Verdict {
  return computeVerdict(runSummaries(run), verdictContext(run));
}

export function computeVerdict(paths: readonly PathSummary[], context: VerdictContext): Verdict {
  const failures = paths.flatMap((path) => {
    const failure = firstFailure(path);
    return failure === undefined ? [] : [failure];
  });
  return {
    coldStart: coldStartVerdict(paths),
    modeled: modeledCosts(paths, context),
    proxy: proxyCost(paths),
    eni: eniLimit(paths, context, failures),
    failures,
    unverified: paths.filter((path) => path.verified === false).map((path) => path.strategy),
  };
}

function rank(paths: readonly PathSummary[], pick: (path: PathSummary) => HistogramSummary): RankedPath[] {
  return paths
    .filter((path) => pick(path).count > 0)
    .map((path) => ({ strategy: path.strategy, p50: pick(path).p50, p99: pick(path).p99, count: pick(path).count, complete: path.outcome === 'completed' }))
    .sort((a, b) => a.p50 - b.p50);
}

function coldStartVerdict(paths: readonly PathSummary[]): ColdStartVerdict | undefined {
  const all = rank(paths, (path) => path.coldStart.total);
  if (all.length === 0) return undefined;
  const ranking = all.filter((path) => path.strategy !== 'baseline');
  const [winner, runnerUp] = ranking;
  const margin = winner === undefined || runnerUp === undefined ? undefined : runnerUp.p50 / winner.p50;
  const shares = paths
    .filter((path) => path.coldStart.total.count > 0 && path.coldStart.total.mean > 0)
    .map((path) => path.coldStart.phases['runtime-start'].mean / path.coldStart.total.mean);
  return {
    ranking,
    margin,
    clear: margin === undefined || margin >= CLEAR_MARGIN,
    baseline: all.find((path) => path.strategy === 'baseline'),
    network: rank(paths, (path) => path.coldStart.network),
    runtimeShare: { min: Math.min(...shares), max: Math.max(...shares) },
  };
}

function modeledCosts(paths: readonly PathSummary[], context: VerdictContext): ModeledCost[] {
  return paths
    .map((path) => ({
      strategy: path.strategy,
      perInstance: path.coldStart.modeled.count > 0 ? path.coldStart.modeled : undefined,
      prewarmUs: context.prewarmModeledUs[path.strategy] ?? 0,
      measuredP50: path.coldStart.total.count > 0 ? path.coldStart.total.p50 : undefined,
    }))
    .filter((cost) => cost.perInstance !== undefined || cost.prewarmUs > 0);
}

function proxyCost(paths: readonly PathSummary[]): Verdict['proxy'] {
  const proxy = paths.find((path) => path.strategy === 'gre-proxy');
  const costs: ProxyCost[] = [];
  for (const metric of METRICS) {
    const own = proxy?.warm[metric];
    if (own === undefined || own.count === 0) continue;
    const comparisons = PROXY_REFERENCES.flatMap((against): ProxyComparison[] => {
      const reference = paths.find((path) => path.strategy === against)?.warm[metric];
      if (reference === undefined || reference.count === 0 || reference.p50 <= 0) return [];
      return [{ against, p50: reference.p50, ratio: own.p50 / reference.p50, extraUs: own.p50 - reference.p50 }];
    });
    if (comparisons.length > 0) costs.push({ metric, proxyP50: own.p50, comparisons });
  }
  if (costs.length > 0) return { kind: 'measured', costs };
  if (proxy === undefined || !Object.values(proxy.warm).some((summary) => summary.count > 0)) return unmeasured(proxy, 'gre-proxy', 'warm requests');
  const references = PROXY_REFERENCES.map((name) => paths.find((path) => path.strategy === name));
  const reason = references.map((path, i) => unmeasured(path, PROXY_REFERENCES[i] ?? '', 'warm requests').why).join('; ');
  return { kind: 'not-measured', why: `nothing to compare the proxy with: ${reason}` };
}

function firstFailure(path: PathSummary): BurstFailure | undefined {
  const bursts = [...path.bursts].sort((a, b) => a.size - b.size);
  const index = bursts.findIndex((burst) => Object.values(burst.failures).some((count) => count > 0));
  const burst = bursts[index];
  if (burst === undefined) return undefined;
  return {
    strategy: path.strategy,
    size: burst.size,
    failed: Object.values(burst.failures).reduce((sum, count) => sum + count, 0),
    attempted: burst.attempted,
    reasons: { ...burst.failures },
    cleanUpTo: index > 0 ? bursts[index - 1]?.size : undefined,
  };
}

function eniLimit(paths: readonly PathSummary[], context: VerdictContext, failures: readonly BurstFailure[]): EniLimit {
  const first = failures.find((failure) => failure.strategy === 'eni');
  if (first !== undefined) return { kind: 'failed', first };
  const eni = paths.find((path) => path.strategy === 'eni');
  const largest = Math.max(0, ...(eni?.bursts ?? []).map((burst) => burst.size));
  if (eni === undefined || largest === 0) return unmeasured(eni, 'eni', 'bursts');
  return { kind: 'held', largestSize: largest, quota: context.eniQuota, addresses: context.eniAddresses };
}

/** Why a path has no figures of some kind, in the words of its outcome. */
function unmeasured(path: PathSummary | undefined, name: string, what: string): Unmeasured {
  if (path === undefined) return { kind: 'not-measured', why: `${name} was not part of this run` };
  if (path.outcome !== 'completed') return { kind: 'not-measured', why: `${name} ${path.outcome}${path.failure === undefined ? '' : ` (${path.failure})`}` };
  return { kind: 'not-measured', why: `${name} has no ${what}` };
}

/** The ENI address pool the scenario's layout leaves in the user subnet (see topology/layout.ts). */
function eniAddresses(run: RunResult): number | undefined {
  try {
    const pool = buildLayout(run.scenario, run.tag).eniPool;
    return Math.max(0, pool.last - pool.first + 1);
  } catch {
    // A result written by another version may not lay out any more; the verdict then omits the figure.
    return undefined;
  }
}
