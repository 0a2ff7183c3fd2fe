/**
 * The verdict of a run as findings computed from the numbers. Cold start
 * leads with the per-instance cold path (measured network phases), each path
 * against the floor with a 95 % interval over repetitions; the harness's own
 * queueing and runtime start are shown apart; modeled control-plane time is
 * apart too, never summed into measured figures. Per-request cost of each
 * path is a paired difference with its interval, beside the same difference
 * by the reference instrument; a difference is stated only when it holds
 * across repetitions. Wording lives in verdict-text.ts; this module only
 * decides, so it can be tested on hand-built inputs.
 */
import type { HistogramSummary } from '../metrics/histogram.js';
import type { PairedDifference } from '../metrics/paired.js';
import { costsOverBaseline, pathCost, type PathCost } from '../results/path-costs.js';
import type { PathSummary } from '../results/summary.js';
import type { ReferenceSetup, RunResult } from '../results/types.js';
import type { StrategyName } from '../scenario/schema.js';
import { runSummaries } from './summaries.js';

export interface RankedPath {
  strategy: StrategyName;
  p50: number;
  p99: number;
  count: number;
  /** False when the path did not finish (aborted, failed): its figures cover part of the plan. */
  complete: boolean;
}

export interface ColdStartVerdict {
  /** Every path by p50 of its per-instance cold path (network phases), fastest first. */
  ranking: RankedPath[];
  /** Each path against baseline: the per-repetition cold-path p50s, paired. */
  againstBaseline: Array<{ strategy: StrategyName; difference: PairedDifference | undefined }>;
  /**
   * The harness's own part of a burst, the same on every path and never
   * leading the verdict: mean wait behind other instances' stages and mean
   * runtime start per instance, over all paths (µs); with OCI instances
   * (`instances.runtime: oci`) also crun's create and start, which
   * `runtimeStartUs` does not include.
   */
  harness: { queuedUs: number; runtimeStartUs: number; totalUs: number; oci?: { createUs: number; startUs: number } };
}

export interface ModeledCost {
  strategy: StrategyName;
  /** Modeled control-plane time on each instance's cold path (virtual µs); undefined when none. */
  perInstance: HistogramSummary | undefined;
  /** Modeled control-plane time once per path, before the first instance (virtual µs). */
  prewarmUs: number;
  /** Measured per-instance cold path (network phases) p50 of the same path, for scale (µs); undefined when not measured. */
  measuredP50: number | undefined;
}

/** What the run did to make its figures trustworthy, as recorded. */
export interface Discipline {
  /** Order of the paths per repetition; undefined for a schema-1 run (paths one after another). */
  orders: StrategyName[][] | undefined;
  order: string | undefined;
  /** Warm measurements whose warm-up reached a steady state, of those with a steady-state criterion. */
  steady: { converged: number; total: number };
  /** Settles that completed, of all, and the median wait (ms). */
  settles: { completed: number; total: number; medianMs: number };
  /** Warm measurements (path × repetition × metric) with failed requests. */
  erroredWarm: Array<{ strategy: StrategyName; repetition: number; metric: string; errors: number }>;
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
  /** Per-request cost of each path over baseline, with the reference beside it. */
  costs:
    | {
        kind: 'measured';
        overBaseline: PathCost[];
        proxyOverPeering: PathCost | undefined;
        /** Paths without warm figures to compare, and why. */
        missing: Array<{ strategy: StrategyName; why: string }>;
      }
    | Unmeasured;
  reference: ReferenceSetup | undefined;
  eni: EniLimit;
  /** First failing burst of every path that had one, in path order. */
  failures: BurstFailure[];
  /** Paths whose traffic reached the service from unexpected source addresses. */
  unverified: StrategyName[];
  discipline: Discipline;
}

/** What the verdict needs from run.json besides the per-path summaries. */
export interface VerdictContext {
  eniQuota: number;
  /** User-subnet addresses available to ENIs (after reserved, service and proxy addresses). */
  eniAddresses: number | undefined;
  /** Modeled control-plane time spent once per path before t0 (virtual µs). */
  prewarmModeledUs: Partial<Record<StrategyName, number>>;
  /** Paired differences over baseline (path-costs.ts). */
  costs: PathCost[];
  proxyOverPeering: PathCost | undefined;
  reference: ReferenceSetup | undefined;
  discipline: Discipline;
}

export function verdictContext(run: RunResult): VerdictContext {
  const prewarmModeledUs: VerdictContext['prewarmModeledUs'] = {};
  for (const path of run.paths) {
    prewarmModeledUs[path.strategy] = path.prewarm.modeled.reduce((sum, step) => sum + step.throttleUs + step.durationUs, 0);
  }
  return {
    eniQuota: run.scenario.eni.quotaPerVpc,
    // Recorded by the run that measured; never re-derived from this version's address plan.
    eniAddresses: run.limits?.eniAddresses,
    prewarmModeledUs,
    costs: costsOverBaseline(run),
    proxyOverPeering: pathCost(run, 'gre-proxy', 'peering'),
    reference: run.reference,
    discipline: discipline(run),
  };
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
    coldStart: coldStartVerdict(paths, context),
    modeled: modeledCosts(paths, context),
    costs: perRequestCosts(paths, context),
    reference: context.reference,
    eni: eniLimit(paths, context, failures),
    failures,
    unverified: paths.filter((path) => path.verified === false).map((path) => path.strategy),
    discipline: context.discipline,
  };
}

function rank(paths: readonly PathSummary[], pick: (path: PathSummary) => HistogramSummary): RankedPath[] {
  return paths
    .filter((path) => pick(path).count > 0)
    .map((path) => ({ strategy: path.strategy, p50: pick(path).p50, p99: pick(path).p99, count: pick(path).count, complete: path.outcome === 'completed' }))
    .sort((a, b) => a.p50 - b.p50);
}

function coldStartVerdict(paths: readonly PathSummary[], context: VerdictContext): ColdStartVerdict | undefined {
  const ranking = rank(paths, (path) => path.coldStart.network);
  if (ranking.length === 0) return undefined;
  const measured = paths.filter((path) => path.coldStart.total.count > 0);
  const weight = measured.reduce((sum, path) => sum + path.coldStart.total.count, 0);
  const mean = (pick: (path: PathSummary) => number): number => (weight === 0 ? 0 : measured.reduce((sum, path) => sum + pick(path) * path.coldStart.total.count, 0) / weight);
  const oci = measured.some((path) => path.coldStart.phases['oci-create'] !== undefined)
    ? { oci: { createUs: mean((path) => path.coldStart.phases['oci-create']?.mean ?? 0), startUs: mean((path) => path.coldStart.phases['oci-start']?.mean ?? 0) } }
    : {};
  return {
    ranking,
    againstBaseline: ranking
      .filter((path) => path.strategy !== 'baseline')
      .map((path) => ({ strategy: path.strategy, difference: context.costs.find((cost) => cost.strategy === path.strategy)?.coldPath })),
    harness: {
      queuedUs: mean((path) => path.coldStart.phases.queued.mean),
      runtimeStartUs: mean((path) => path.coldStart.phases['runtime-start'].mean),
      totalUs: mean((path) => path.coldStart.total.mean),
      ...oci,
    },
  };
}

function modeledCosts(paths: readonly PathSummary[], context: VerdictContext): ModeledCost[] {
  return paths
    .map((path) => ({
      strategy: path.strategy,
      perInstance: path.coldStart.modeled.count > 0 ? path.coldStart.modeled : undefined,
      prewarmUs: context.prewarmModeledUs[path.strategy] ?? 0,
      measuredP50: path.coldStart.network.count > 0 ? path.coldStart.network.p50 : undefined,
    }))
    .filter((cost) => cost.perInstance !== undefined || cost.prewarmUs > 0);
}

function perRequestCosts(paths: readonly PathSummary[], context: VerdictContext): Verdict['costs'] {
  const measured = context.costs.filter((cost) => Object.keys(cost.warm).length > 0);
  const missing = paths
    .filter((path) => path.strategy !== 'baseline' && !measured.some((cost) => cost.strategy === path.strategy))
    .map((path) => ({ strategy: path.strategy, why: unmeasured(path, path.strategy, 'warm requests').why }));
  if (measured.length > 0) return { kind: 'measured', overBaseline: measured, proxyOverPeering: context.proxyOverPeering, missing };
  const baseline = paths.find((path) => path.strategy === 'baseline');
  if (baseline === undefined || !Object.values(baseline.warm).some((summary) => summary.count > 0)) return unmeasured(baseline, 'baseline', 'warm requests');
  return { kind: 'not-measured', why: missing.length === 0 ? 'no path but baseline ran' : missing.map((item) => item.why).join('; ') };
}

/** The measurement discipline as recorded in run.json. */
export function discipline(run: RunResult): Discipline {
  const warm = run.paths.flatMap((path) => path.repetitions.flatMap((rep) => rep.warm.flatMap((result) => result.warmup)));
  const steady = warm.filter((record) => record.mode === 'steady');
  const settles = run.paths.flatMap((path) => path.repetitions.flatMap((rep) => rep.settles));
  const waits = settles.map((settle) => settle.waitedMs).sort((a, b) => a - b);
  return {
    orders: run.schedule?.map((item) => item.order),
    order: run.schedule === undefined ? undefined : run.scenario.order,
    steady: { converged: steady.filter((record) => record.mode === 'steady' && record.converged).length, total: steady.length },
    settles: { completed: settles.filter((settle) => settle.completed).length, total: settles.length, medianMs: waits[Math.floor(waits.length / 2)] ?? 0 },
    erroredWarm: run.paths.flatMap((path) =>
      path.repetitions.flatMap((rep) =>
        rep.warm.flatMap((result) => {
          const errors = Object.values(result.errors).reduce((sum, count) => sum + count, 0);
          return errors === 0 ? [] : [{ strategy: path.strategy, repetition: rep.index, metric: result.metric, errors }];
        }),
      ),
    ),
  };
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
