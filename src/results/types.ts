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

export const RUN_SCHEMA = 'coldpath/run';
export const RUN_SCHEMA_VERSION = 1;

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
  cpuPlacement: { placement: 'pinned' | 'none'; probes: number[]; services: number[]; burstProbes: number[] };
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
  requested: { requests: number; warmup: number; concurrency: number; loop: 'closed' | 'open'; rate?: number };
}

export interface RepetitionResult {
  index: number;
  bursts: BurstResult[];
  warm: WarmResult[];
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
  paths: PathResult[];
  /** Proxy-operations experiments (failover, scaling, NAT limits, MTU), in scenario order. */
  experiments: ExperimentResult[];
  /** Things a reader must know (fallbacks, skipped work). */
  notes: string[];
}
