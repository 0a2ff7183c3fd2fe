/**
 * run.json: the single source of truth of a run. Every report renders from
 * it. It echoes its own inputs (resolved scenario, command, versions, start
 * time) so that a result file explains itself. Histograms are HdrHistogram
 * compressed base64 (µs); they merge without loss.
 */
import type { ExperimentResult } from '../experiments/types.js';
import type { ModeledStep } from '../model/control-plane.js';
import type { ModeledPhaseSpec, ModeledPhaseId } from '../model/profiles.js';
import type { Scenario, StrategyName, WarmMetric } from '../scenario/schema.js';
import type { FailureReason, ResourceCounts, TunnelChoice } from '../strategies/types.js';
import type { SteadyStateSpec, WarmupRecord } from '../probes/warmup.js';

export const RUN_SCHEMA = 'coldpath/run';
/** 2: interleaved repetitions (schedule, slot), settles, steady-state warm-up, the sockperf reference. */
export const RUN_SCHEMA_VERSION = 2;

/** Measured cold-start phases, in timeline order. */
export const MEASURED_PHASES = [
  'queued',
  'namespace',
  'container-link',
  'strategy-attach',
  'runtime-start',
  'first-connect',
  'first-response',
] as const;
export type MeasuredPhase = (typeof MEASURED_PHASES)[number];

/** The phases that are network work (runtime start and queueing are not). */
export const NETWORK_PHASES: readonly MeasuredPhase[] = ['namespace', 'container-link', 'strategy-attach', 'first-connect', 'first-response'];

export interface Fingerprint {
  hostname: string;
  kernel: string;
  os: string;
  cpuModel: string;
  cpuCount: number;
  node: string;
  iproute2: string;
  nft: string;
  coldpath: string;
  gitSha: string;
  tunnelSupport: { gre: boolean; ipip: boolean; vxlan: boolean };
  /** Encapsulation the gre-proxy path used in this run (null when it did not run). */
  tunnelUsed: string | null;
  /** `helpers`: CPUs of the helper threads of pinned probes and servers (absent in schema 1). */
  cpuPlacement: { placement: 'pinned' | 'none'; probes: number[]; services: number[]; burstProbes: number[]; helpers?: number[] };
  clock: 'CLOCK_MONOTONIC';
}

/** A span on an instance's timeline, µs relative to its burst's start. */
export interface Span {
  phase: MeasuredPhase;
  startUs: number;
  endUs: number;
}

export interface InstanceResult {
  id: number;
  host: string;
  outcome: 'ok' | 'failed';
  reason?: FailureReason;
  message?: string;
  /** Address the instance's first connection used locally. */
  localAddress?: string;
  /** SYNs retransmitted on the first connection (each costs ≥ 1 s: TCP's initial RTO). */
  synRetransmits?: number;
  expectedSource?: string;
  spans: Span[];
  /** Measured total: burst start → first response complete, µs. */
  totalUs?: number;
  /** Network phases only (no queueing, no runtime start), µs. */
  networkUs?: number;
  modeled: ModeledStep[];
  /** Sum of modeled steps (throttling included), µs of virtual time. */
  modeledTotalUs: number;
}

export interface BurstResult {
  size: number;
  /** Monotonic µs at the burst's t0 (for traces). */
  t0Us: number;
  wallMs: number;
  instances: InstanceResult[];
  failures: Partial<Record<FailureReason, number>>;
  resources: ResourceCounts & { instances: number; conntrackEntries: number | null };
  /** Per measured phase and `total`, `network`, `modeled`: histograms of successful instances (µs). */
  histograms: Record<string, string>;
}

export interface WarmResult {
  metric: WarmMetric;
  outcome: 'completed' | 'aborted' | 'errored';
  message?: string;
  /** Merged over instances; open loop: corrected for coordinated omission. */
  histogram: string;
  /** Open loop only: uncorrected. */
  raw?: string;
  errors: Record<string, number>;
  instances: number;
  durationUs: number;
  requested: { requests: number; warmup: number; concurrency: number; loop: 'closed' | 'open'; rate?: number; steady?: SteadyStateSpec };
  /** How each instance's warm-up ended (absent in schema 1). */
  warmup?: WarmupRecord[];
}

/** A wait between stages for the kernel and the CPUs to finish the last stage's work (engine/settle.ts). */
export interface SettleResult {
  /** The stage that had just ended, e.g. `burst K=8` or `path teardown`. */
  after: string;
  waitedMs: number;
  /** False when the wait hit settle.timeoutMs (or the run was interrupted) with work pending. */
  completed: boolean;
  /** Links of deleted namespaces still present in surviving ones when the wait began. */
  lingeringLinks: number;
  /** Namespaces whose conntrack table was flushed. */
  conntrackFlushed: number;
  /** Busy share of all CPUs in the last window, %. */
  busyPercent: number;
  /** What was still pending when the wait gave up. */
  pending?: string;
}

/** The reference instrument of a run (engine/reference.ts). */
export type ReferenceSetup =
  | { tool: 'sockperf'; version: string; port: number; seconds: number; messageBytes: number }
  | { tool: 'none'; reason: string };

/** One reference measurement: sockperf TCP ping-pong round trips from the path's warm instance. */
export type ReferenceResult =
  | { tool: 'sockperf'; outcome: 'completed'; metric: 'echo'; histogram: string; durationUs: number }
  | { tool: 'sockperf'; outcome: 'errored'; message: string; durationUs: number };

export interface RepetitionResult {
  index: number;
  /** Place of this path in the repetition's order, 0 = first (absent in schema 1). */
  slot?: number;
  /** Measured time to build the path's shared objects in this repetition, µs. */
  prewarmUs?: number;
  /** Wall time of the whole block (this path in this repetition), ms. */
  wallMs?: number;
  bursts: BurstResult[];
  warm: WarmResult[];
  /** sockperf on the same container and service (the first `reference.repetitions` repetitions). */
  reference?: ReferenceResult;
  /** Waits for the kernel between this block's stages, in order. */
  settles?: SettleResult[];
  /** The path check of this repetition alone. */
  verification?: Verification;
}

export interface Verification {
  /** Addresses the user service should see for this path. */
  expectedSources: string[];
  /** What it saw: connections per source address. */
  observedSources: Record<string, number>;
  /** Proxy nft counters (gre-proxy only): packets tunnel → user VPC and back. */
  proxyCounters?: { out: number; back: number };
  ok: boolean;
  detail: string;
}

export interface PathResult {
  strategy: StrategyName;
  outcome: 'completed' | 'failed' | 'aborted' | 'skipped';
  failure?: { reason: FailureReason; message: string };
  target: { address: string; httpPort: number; echoPort: number; service: string };
  prewarm: { measuredUs: number; modeled: ModeledStep[] };
  repetitions: RepetitionResult[];
  verification?: Verification;
  /** What the path would hold with 100 instances alive (from its plan, not measured). */
  resourcesPer100: ResourceCounts;
}

export interface RunResult {
  schema: typeof RUN_SCHEMA;
  schemaVersion: typeof RUN_SCHEMA_VERSION;
  runId: string;
  tag: string;
  outcome: 'completed' | 'aborted' | 'errored';
  /** Why an errored run stopped; `kind` as in ColdpathError (input, environment, command, runtime). */
  error?: { message: string; hint?: string; kind?: string };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  command: string[];
  scenarioSource: string;
  scenario: Scenario;
  fingerprint: Fingerprint;
  tunnel: TunnelChoice | null;
  controlPlane: {
    profile: string;
    description: string;
    phases: Record<ModeledPhaseId, ModeledPhaseSpec>;
    apiBucket: { capacity: number; refillPerSecond: number };
  };
  /** Order of the paths in each repetition (absent in schema 1: paths ran one after another). */
  schedule?: Array<{ repetition: number; order: StrategyName[] }>;
  /** The second instrument beside coldpath's own (absent in schema 1). */
  reference?: ReferenceSetup;
  /** Limits of this run's address plan that reports quote (absent in schema 1). */
  limits?: { /** User-subnet addresses left for ENIs after reserved, service and proxy addresses. */ eniAddresses: number };
  paths: PathResult[];
  /** Proxy-operations experiments (failover, scaling, NAT limits, MTU), in scenario order. */
  experiments: ExperimentResult[];
  /** Things a reader must know (fallbacks, skipped work). */
  notes: string[];
}
