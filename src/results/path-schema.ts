/**
 * One path of a run as run.json stores it: repetitions of bursts (cold
 * starts, per instance) and warm measurements, with the reference, the
 * settles and the path check of each repetition.
 */
import { z } from 'zod';
import { CONNECT_PHASES } from '../metrics/connect-phases.js';
import { modeledStepSchema } from '../model/schema.js';
import { METRICS, STRATEGIES } from '../scenario/schema.js';
import { encodedHistogramSchema, failureReasonSchema, kernelCensusSchema, resourceCountsSchema, steadyStateSpecSchema, warmupRecordSchema } from './common-schema.js';
import { TIMELINE_PHASES } from './versions.js';

/** A span on an instance's timeline, µs relative to its burst's start. */
export const spanSchema = z
  .strictObject({
    phase: z.enum(TIMELINE_PHASES),
    startUs: z.number(),
    endUs: z.number(),
  })
  .meta({ id: 'Span' });

export const instanceResultSchema = z
  .strictObject({
    id: z.number(),
    host: z.string(),
    outcome: z.enum(['ok', 'failed']),
    reason: failureReasonSchema.exactOptional(),
    message: z.string().exactOptional(),
    /** Address the instance's first connection used locally. */
    localAddress: z.string().exactOptional(),
    /** SYNs retransmitted on the first connection (each costs ≥ 1 s: TCP's initial RTO). */
    synRetransmits: z.number().exactOptional(),
    expectedSource: z.string().exactOptional(),
    spans: z.array(spanSchema),
    /** Measured total: burst start → first response complete, µs. */
    totalUs: z.number().exactOptional().describe('Measured total: burst start → first response complete, µs.'),
    /** Network phases only (no queueing, no runtime start), µs. */
    networkUs: z.number().exactOptional().describe('Network phases only (no queueing, no runtime start), µs.'),
    modeled: z.array(modeledStepSchema),
    /** Sum of modeled steps (throttling included), µs of virtual time. */
    modeledTotalUs: z.number().describe('Sum of modeled steps (throttling included), µs of virtual time.'),
  })
  .meta({ id: 'InstanceResult', description: "One instance's cold start: its measured timeline and its modeled control-plane calls." });

export const burstResultSchema = z
  .strictObject({
    size: z.number(),
    /** Monotonic µs at the burst's t0 (for traces). */
    t0Us: z.number(),
    wallMs: z.number(),
    instances: z.array(instanceResultSchema),
    failures: z.partialRecord(failureReasonSchema, z.number()),
    resources: resourceCountsSchema.extend({ instances: z.number(), conntrackEntries: z.number().nullable() }),
    kernelHeld: kernelCensusSchema
      .optional()
      .describe("What the path held at the end of the burst beyond what the run's namespaces held before its prewarm, counted from the kernel (absent before schema 3)."),
    /** Per measured phase and `total`, `network`, `modeled`: histograms of successful instances (µs). */
    histograms: z.record(z.string(), encodedHistogramSchema).describe('Per measured phase and `total`, `network`, `modeled`: histograms of successful instances (µs).'),
  })
  .meta({ id: 'BurstResult', description: 'K instances cold-started at once.' });

export const warmResultSchema = z
  .strictObject({
    metric: z.enum(METRICS),
    outcome: z.enum(['completed', 'aborted', 'errored']),
    message: z.string().exactOptional(),
    /** Merged over instances; open loop: corrected for coordinated omission. */
    histogram: encodedHistogramSchema.describe('Merged over instances; open loop: corrected for coordinated omission.'),
    /** Open loop only: uncorrected. */
    raw: encodedHistogramSchema.exactOptional().describe('Open loop only: uncorrected.'),
    /** pg.connect, redis.connect (schema 8 and later): the connection set-up's phases, one histogram each, of the same requests as `histogram`. */
    phases: z
      .partialRecord(z.enum(CONNECT_PHASES), encodedHistogramSchema)
      .exactOptional()
      .describe(
        "pg.connect, redis.connect (schema 8 and later): the connection set-up's phases — tcp (socket connect), tls (SSLRequest and TLS handshake; pg only), auth (authentication until the connection is ready), query (the first query) — one histogram each, of the same requests as histogram, measured from the request's actual send: in a closed loop they add up to its latency.",
      ),
    errors: z.record(z.string(), z.number()),
    instances: z.number(),
    durationUs: z.number(),
    requested: z.strictObject({
      requests: z.number(),
      warmup: z.number(),
      concurrency: z.number(),
      loop: z.enum(['closed', 'open']),
      rate: z.number().exactOptional(),
      steady: steadyStateSpecSchema.exactOptional(),
    }),
    /** How each instance's warm-up ended (schema 1 had no records: migrated as []). */
    warmup: z.array(warmupRecordSchema),
  })
  .meta({ id: 'WarmResult', description: 'One warm metric of one repetition, merged over the warm instances.' });

/** A wait between stages for the kernel and the CPUs to finish the last stage's work (engine/settle.ts). */
export const settleResultSchema = z
  .strictObject({
    /** The stage that had just ended, e.g. `burst K=8` or `path teardown`. */
    after: z.string(),
    waitedMs: z.number(),
    /** False when the wait hit settle.timeoutMs (or the run was interrupted) with work pending. */
    completed: z.boolean(),
    /** Links of deleted namespaces still present in surviving ones when the wait began. */
    lingeringLinks: z.number(),
    /** Namespaces whose conntrack table was flushed. */
    conntrackFlushed: z.number(),
    /** Busy share of all CPUs in the last window, %. */
    busyPercent: z.number(),
    /** What was still pending when the wait gave up. */
    pending: z.string().exactOptional(),
  })
  .meta({ id: 'SettleResult', description: "A wait between stages for the kernel and the CPUs to finish the last stage's work." });

/** One reference measurement: sockperf TCP ping-pong round trips from the path's warm instance. */
export const referenceResultSchema = z
  .discriminatedUnion('outcome', [
    z.strictObject({ tool: z.literal('sockperf'), outcome: z.literal('completed'), metric: z.literal('echo'), histogram: encodedHistogramSchema, durationUs: z.number() }),
    z.strictObject({ tool: z.literal('sockperf'), outcome: z.literal('errored'), message: z.string(), durationUs: z.number() }),
  ])
  .meta({ id: 'ReferenceResult', description: "sockperf TCP ping-pong round trips from the path's warm instance." });

/** A real server's own view of the path (Redis: CLIENT LIST; PostgreSQL: pg_stat_activity; nginx: its access log), beside the built-in server's. */
export const serverViewSchema = z
  .strictObject({
    /** postgres: schema 5 and later; nginx: schema 6 and later. */
    server: z.enum(['redis', 'postgres', 'nginx']),
    /** Connections opened for the check by the path's warm instances. */
    opened: z.number(),
    /** The check's connections as the server listed them, per source address (CLIENT LIST `addr`, pg_stat_activity `client_addr`, the access log's `$remote_addr`). */
    observedSources: z.record(z.string(), z.number()),
    ok: z.boolean(),
    detail: z.string(),
  })
  .meta({
    id: 'ServerView',
    description:
      "A real server's own view of the path: the source addresses it listed for the warm instances' connections (Redis: CLIENT LIST addr; PostgreSQL: pg_stat_activity client_addr; nginx: $remote_addr in its access log).",
  });

export const verificationSchema = z
  .strictObject({
    /** Addresses the user service should see for this path. */
    expectedSources: z.array(z.string()),
    /** What it saw: connections per source address. */
    observedSources: z.record(z.string(), z.number()),
    /** Proxy nft counters (gre-proxy only): packets tunnel → user VPC and back. */
    proxyCounters: z.strictObject({ out: z.number(), back: z.number() }).exactOptional(),
    /** A real server's view (services[0].kind redis, postgres or nginx; absent before schema 4); `ok` includes it. */
    server: serverViewSchema.exactOptional().describe("A real server's view (services[0].kind redis, postgres or nginx; absent before schema 4); ok includes it."),
    ok: z.boolean(),
    detail: z.string(),
  })
  .meta({ id: 'Verification', description: 'The path check: the source addresses the user service saw against those expected.' });

export const repetitionResultSchema = z
  .strictObject({
    index: z.number(),
    /** Place of this path in the repetition's order, 0 = first (absent in schema 1). */
    slot: z.number().exactOptional().describe("Place of this path in the repetition's order, 0 = first (absent in schema 1)."),
    /** Measured time to build the path's shared objects in this repetition, µs. */
    prewarmUs: z.number().exactOptional(),
    /** Wall time of the whole block (this path in this repetition), ms. */
    wallMs: z.number().exactOptional(),
    bursts: z.array(burstResultSchema),
    warm: z.array(warmResultSchema),
    /** sockperf on the same container and service (the first `reference.repetitions` repetitions). */
    reference: referenceResultSchema.exactOptional(),
    /** Waits for the kernel between this block's stages, in order (schema 1 did not settle: migrated as []). */
    settles: z.array(settleResultSchema),
    /** The path check of this repetition alone. */
    verification: verificationSchema.exactOptional(),
  })
  .meta({ id: 'RepetitionResult' });

export const pathResultSchema = z
  .strictObject({
    strategy: z.enum(STRATEGIES),
    outcome: z.enum(['completed', 'failed', 'aborted', 'skipped']),
    failure: z.strictObject({ reason: failureReasonSchema, message: z.string() }).exactOptional(),
    target: z.strictObject({ address: z.string(), httpPort: z.number(), echoPort: z.number(), service: z.string() }),
    prewarm: z.strictObject({ measuredUs: z.number(), modeled: z.array(modeledStepSchema) }),
    repetitions: z.array(repetitionResultSchema),
    verification: verificationSchema.exactOptional(),
    /** What the path would hold with 100 instances alive (from its plan, not measured). */
    resourcesPer100: resourceCountsSchema.describe('What the path would hold with 100 instances alive (from its plan, not measured).'),
  })
  .meta({ id: 'PathResult', description: 'One path (strategy) of the run, every repetition.' });
