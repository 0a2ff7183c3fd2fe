/**
 * run.json's types, inferred from the zod schema that owns them (schema.ts
 * and the files it imports): one definition for what is written, what is
 * read and what the JSON Schema says. Every report renders from a run.
 * Histograms are HdrHistogram compressed base64 (µs); they merge without
 * loss.
 */
import type { z } from 'zod';
import type { failureReasonSchema, kernelCensusSchema, resourceCountsSchema, steadyStateSpecSchema, tunnelChoiceSchema, warmupRecordSchema } from './common-schema.js';
import type {
  encapsulationLatencySchema,
  errorTallySchema,
  experimentBaseShape,
  experimentResultSchema,
  failoverMeasuredSchema,
  failoverResultSchema,
  failoverStreamSchema,
  mtuCaseSchema,
  mtuMeasuredSchema,
  mtuResultSchema,
  natMeasuredSchema,
  natResultSchema,
  natStepSchema,
  scalingEventSchema,
  scalingMeasuredSchema,
  scalingResultSchema,
  streamResultSchema,
  tenantCollisionSchema,
  tenantOutcomeSchema,
  tenantsMeasuredSchema,
  tenantsResultSchema,
  timelineSchema,
  tunnelAttemptSchema,
  vrrpBoundSchema,
  vrrpTransitionSchema,
} from './experiment-schema.js';
import type { fingerprintSchema, machineSchema } from './fingerprint-schema.js';
import type {
  burstResultSchema,
  instanceResultSchema,
  pathResultSchema,
  referenceResultSchema,
  repetitionResultSchema,
  settleResultSchema,
  spanSchema,
  verificationSchema,
  serverViewSchema,
  warmResultSchema,
} from './path-schema.js';
import type { scenarioEchoSchema } from './scenario-echo.js';
import type { agentClockSchema, referenceSetupSchema, runResultSchema } from './schema.js';

export {
  CNI_PHASES,
  MEASURED_PHASES,
  NETWORK_PHASES,
  OCI_PHASES,
  OPTIONAL_PHASES,
  phasesPresent,
  RUN_SCHEMA,
  RUN_SCHEMA_VERSION,
  TIMELINE_PHASES,
  type CniPhase,
  type MeasuredPhase,
  type OciPhase,
  type OptionalPhase,
  SERVICE_FIRST_PHASES,
  type ServiceFirstPhase,
  type TimelinePhase,
} from './versions.js';

// ── the run ─────────────────────────────────────────────────────────────────

export type RunResult = z.infer<typeof runResultSchema>;
/** The resolved scenario as the run recorded it (fields added since schema 1 are optional). */
export type ScenarioEcho = z.infer<typeof scenarioEchoSchema>;
export type Fingerprint = z.infer<typeof fingerprintSchema>;
/** One machine beyond its kernel (run.json `agents[].machine`, an agent's `machine` answer). */
export type MachineDescription = z.infer<typeof machineSchema>;
/** The reference instrument of a run (engine/reference.ts). */
export type ReferenceSetup = z.infer<typeof referenceSetupSchema>;

/** An agent of the run and its clock estimates (run --hosts). */
export type AgentClock = z.infer<typeof agentClockSchema>;

// ── paths ───────────────────────────────────────────────────────────────────

export type PathResult = z.infer<typeof pathResultSchema>;
export type RepetitionResult = z.infer<typeof repetitionResultSchema>;
export type BurstResult = z.infer<typeof burstResultSchema>;
export type InstanceResult = z.infer<typeof instanceResultSchema>;
/** A span on an instance's timeline, µs relative to its burst's start. */
export type Span = z.infer<typeof spanSchema>;
export type WarmResult = z.infer<typeof warmResultSchema>;
/** A wait between stages for the kernel and the CPUs to finish the last stage's work (engine/settle.ts). */
export type SettleResult = z.infer<typeof settleResultSchema>;
/** One reference measurement: sockperf TCP ping-pong round trips from the path's warm instance. */
export type ReferenceResult = z.infer<typeof referenceResultSchema>;
export type Verification = z.infer<typeof verificationSchema>;
export type ServerView = z.infer<typeof serverViewSchema>;

// ── records other folders produce ───────────────────────────────────────────

/** Why an instance (or a whole path) could not be set up, as on a real platform. */
export type FailureReason = z.infer<typeof failureReasonSchema>;
/** Resources a path holds, to compare their cost as instances grow. */
export type ResourceCounts = z.infer<typeof resourceCountsSchema>;
export type KernelCensus = z.infer<typeof kernelCensusSchema>;
/** Which encapsulation the gre-proxy path uses, and why. */
export type TunnelChoice = z.infer<typeof tunnelChoiceSchema>;
/** When warm-up is over in steady mode (probes/warmup.ts). */
export type SteadyStateSpec = z.infer<typeof steadyStateSpecSchema>;
/** How one instance's warm-up ended. */
export type WarmupRecord = z.infer<typeof warmupRecordSchema>;

// ── experiments ─────────────────────────────────────────────────────────────

export type ExperimentOutcome = ExperimentResult['outcome'];
/** Fields every experiment result has, with its kind. */
export type ExperimentResultBase<K extends string> = { kind: K } & z.infer<z.ZodObject<typeof experimentBaseShape>>;
/** Requests completed per time bucket (successes and failures apart). */
export type Timeline = z.infer<typeof timelineSchema>;
export type ErrorTally = z.infer<typeof errorTallySchema>;
/** One request stream of an experiment (one function instance). */
export type StreamResult = z.infer<typeof streamResultSchema>;
export type VrrpBound = z.infer<typeof vrrpBoundSchema>;
export type VrrpTransition = z.infer<typeof vrrpTransitionSchema>;
export type FailoverStream = z.infer<typeof failoverStreamSchema>;
export type FailoverMeasured = z.infer<typeof failoverMeasuredSchema>;
export type FailoverResult = z.infer<typeof failoverResultSchema>;
export type MtuCase = z.infer<typeof mtuCaseSchema>;
export type EncapsulationLatency = z.infer<typeof encapsulationLatencySchema>;
export type TenantCollision = z.infer<typeof tenantCollisionSchema>;
export type TunnelAttempt = z.infer<typeof tunnelAttemptSchema>;
export type TenantOutcome = z.infer<typeof tenantOutcomeSchema>;
export type TenantsMeasured = z.infer<typeof tenantsMeasuredSchema>;
export type TenantsResult = z.infer<typeof tenantsResultSchema>;
export type MtuMeasured = z.infer<typeof mtuMeasuredSchema>;
export type MtuResult = z.infer<typeof mtuResultSchema>;
export type NatStep = z.infer<typeof natStepSchema>;
export type NatMeasured = z.infer<typeof natMeasuredSchema>;
export type NatResult = z.infer<typeof natResultSchema>;
export type ScalingEvent = z.infer<typeof scalingEventSchema>;
export type ScalingMeasured = z.infer<typeof scalingMeasuredSchema>;
export type ScalingResult = z.infer<typeof scalingResultSchema>;
export type ExperimentResult = z.infer<typeof experimentResultSchema>;
