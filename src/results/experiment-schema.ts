/**
 * Results of proxy-operations experiments, as stored in run.json
 * (`experiments`), discriminated by `kind`. Times are µs; "relative" times
 * are offsets from the experiment's reference instant (the fault for a
 * failover, the start of load otherwise). Histograms are compressed HDR (µs),
 * as everywhere in run.json. `measured` is absent when an experiment failed
 * before it could measure anything.
 */
import { z } from 'zod';
import { FAILOVER_MODES } from '../scenario/experiments.js';
import { encodedHistogramSchema } from './common-schema.js';

/** Fields every experiment result has, `kind` apart. */
export const experimentBaseShape = {
  name: z.string(),
  outcome: z.enum(['completed', 'failed', 'aborted']),
  /** Why it failed, in one sentence. */
  message: z.string().exactOptional(),
  /** What the user can do about a failure. */
  hint: z.string().exactOptional(),
  durationMs: z.number(),
  /** Things a reader must know (simplifications, fallbacks, kernel behaviour). */
  notes: z.array(z.string()),
};
const nullableNumber = z.number().nullable();

/** Requests completed per time bucket (successes and failures apart). */
export const timelineSchema = z
  .strictObject({
    /** Start of the first bucket, µs relative to the reference instant (negative: before it). */
    startUs: z.number(),
    bucketUs: z.number(),
    ok: z.array(z.number()),
    failed: z.array(z.number()),
  })
  .meta({ id: 'Timeline' });

export const errorTallySchema = z
  .strictObject({
    requests: z.number(),
    ok: z.number(),
    failed: z.number(),
    /** Failed requests by kind (timeout, reset, refused, …). */
    errors: z.record(z.string(), z.number()),
  })
  .meta({ id: 'ErrorTally' });

/** One request stream of an experiment (one function instance). */
export const streamResultSchema = errorTallySchema.extend({
  metric: z.enum(['keepalive', 'newconn']),
  rate: z.number(),
  concurrency: z.number(),
  /** Node of the instance that sent it. */
  instance: z.string(),
  /** Latency, coordinated-omission corrected (from each request's intended start). */
  histogram: encodedHistogramSchema,
  /** Latency from the actual send. */
  raw: encodedHistogramSchema.exactOptional(),
});

// ── failover ────────────────────────────────────────────────────────────────

export const vrrpBoundSchema = z.strictObject({
  advertIntervalUs: z.number(),
  /** (256 − standby priority) / 256 × advert_int. */
  skewUs: z.number(),
  /** 3 × advert_int + skew: when the standby declares the master down. */
  masterDownUs: z.number(),
});

export const vrrpTransitionSchema = z.strictObject({
  node: z.string(),
  role: z.enum(['active', 'standby']),
  /** keepalived's VRRP instance: `plat` (eth0, platform VIP) or `user` (eth1, user VIP). */
  instance: z.string(),
  state: z.enum(['MASTER', 'BACKUP', 'FAULT', 'STOP']),
  /** µs relative to the fault, as read from keepalived's log (arrival time). */
  atUs: z.number(),
});

export const failoverStreamSchema = streamResultSchema.extend({
  /** Longest span without a successful response in this stream around the fault, µs. */
  gapUs: nullableNumber,
  /** HTTP connections: open at the fault, of those still open at the end, closed after the fault, opened after. */
  connections: z.strictObject({ atFault: z.number(), survived: z.number(), lost: z.number(), openedAfter: z.number() }),
});

const vipTimes = z.strictObject({ platform: nullableNumber, user: nullableNumber });

export const failoverMeasuredSchema = z.strictObject({
  /** Monotonic µs of the fault (all relative times count from here). */
  faultAtUs: z.number(),
  /** moved: the standby holds both VIPs; vip-never-moved: it never took them within afterMs. */
  verdict: z.enum(['moved', 'vip-never-moved', 'partially-moved']),
  bound: vrrpBoundSchema,
  /** When the VIPs appeared on the standby (kernel address events), µs after the fault. */
  vipOnStandbyUs: vipTimes,
  /** When they left the failed proxy (null: never, e.g. frozen or crashed with links down). */
  vipOffActiveUs: vipTimes,
  /** freeze/graceful (the failed node stays reachable): how long both held the platform VIP (split brain), µs; null = never or not applicable. */
  duplicateVipUs: nullableNumber,
  /** End of the outage: the first successful response after the gap, µs after the fault (null: never). */
  resumedUs: nullableNumber,
  /**
   * Longest span with no successful response (all streams together) that
   * overlaps the failover (fault → VIPs moved + one bound), µs.
   */
  gapUs: nullableNumber,
  /** That span, relative to the fault. */
  gapWindowUs: z.tuple([z.number(), z.number()]).nullable(),
  /** Requests failed or timed out, all streams. */
  tally: errorTallySchema,
  streams: z.array(failoverStreamSchema),
  /**
   * Latency of all streams merged (corrected), µs. failover/experiment.ts
   * has always written it (spread from mergeMeasurements) though the type
   * never said so; optional because results made by hand lack it.
   */
  histogram: encodedHistogramSchema.exactOptional(),
  /** The same from the actual sends (open loop). */
  raw: encodedHistogramSchema.exactOptional(),
  timeline: timelineSchema,
  transitions: z.array(vrrpTransitionSchema),
  /** Source addresses the user service saw (connections per address); the user VIP only, if SNAT held. */
  sources: z.record(z.string(), z.number()),
  /** Mid-flow packets to the user VIP the new active dropped (instead of answering with a reset). */
  unsolicitedDropped: z.number(),
  /** freeze with thawAfterMs: when keepalived was resumed, µs after the fault. */
  thawAtUs: z.number().exactOptional(),
  /** freeze with thawAfterMs: the longest span without success after the thaw (the split brain ending), µs. */
  thawGapUs: nullableNumber.exactOptional(),
});

export const failoverResultSchema = z
  .strictObject({
    kind: z.literal('failover'),
    ...experimentBaseShape,
    /** The echoed configuration; absent when the experiment never ran (engine/experiments.ts notRun). */
    config: z
      .strictObject({
        mode: z.enum(FAILOVER_MODES),
        advertIntervalMs: z.number(),
        priorities: z.strictObject({ active: z.number(), standby: z.number() }),
        vips: z.strictObject({ platform: z.string(), user: z.string() }),
        tunnel: z.string(),
        keepalived: z.string(),
        standbyDown: z.boolean(),
      })
      .exactOptional(),
    measured: failoverMeasuredSchema.exactOptional(),
  })
  .meta({ id: 'FailoverResult', description: 'Failover of the active proxy: when the VIPs moved and what the request streams saw.' });

// ── MTU ─────────────────────────────────────────────────────────────────────

export const mtuCaseSchema = errorTallySchema.extend({
  direction: z.enum(['download', 'upload']),
  clamp: z.boolean(),
  pmtud: z.enum(['allowed', 'blocked']),
  bytes: z.number(),
  /** Latency of the first request (pays for path-MTU discovery, if any), µs. */
  firstUs: nullableNumber,
  histogram: encodedHistogramSchema,
  /** ok: all passed; blackhole: none passed; partial: some did. */
  verdict: z.enum(['ok', 'blackhole', 'partial']),
  /** ICMP "fragmentation needed" the proxy sent (PMTUD at work) and the service's filter dropped. */
  icmp: z.strictObject({ sentByProxy: z.number(), droppedAtService: z.number() }),
});

export const encapsulationLatencySchema = z.strictObject({
  encapsulation: z.enum(['none', 'gre', 'ipip', 'vxlan']),
  available: z.boolean(),
  /** Why it could not run (kernel without the module). */
  reason: z.string().exactOptional(),
  /** Keep-alive request latency through the proxy (µs), when it ran. */
  histogram: encodedHistogramSchema.exactOptional(),
  mtu: z.number().exactOptional(),
});

export const tenantCollisionSchema = z.strictObject({
  /** Encapsulation the demonstration used on this kernel. */
  tunnel: z.string(),
  /** The command that tried a second tenant's tunnel with the same endpoints and key, and the kernel's answer. */
  sameKey: z.strictObject({ command: z.string(), error: z.string().nullable() }),
  /** The same with a distinct key (VNI): accepted? */
  distinctKey: z.strictObject({ command: z.string(), ok: z.boolean(), error: z.string().nullable() }),
  explanation: z.string(),
  /** What the QEMU tier (a kernel with ipip) should run to show the IPIP case. */
  qemuScenario: z.string(),
});

export const mtuMeasuredSchema = z.strictObject({
  tunnel: z.string(),
  underlayMtu: z.number(),
  tunnelMtu: z.number(),
  /** MSS the clamp writes into SYNs (tunnel MTU − 40). */
  clampedMss: z.number(),
  /** Tunnel MTUs by encapsulation (1500-byte underlay), for reference. */
  theoreticalMtu: z.record(z.string(), z.number()),
  cases: z.array(mtuCaseSchema),
  encapsulations: z.array(encapsulationLatencySchema),
  tenantCollision: tenantCollisionSchema.exactOptional(),
});

export const mtuResultSchema = z
  .strictObject({ kind: z.literal('mtu'), ...experimentBaseShape, measured: mtuMeasuredSchema.exactOptional() })
  .meta({ id: 'MtuResult', description: 'MTU through the tunnel: clamping, path-MTU discovery, encapsulation overheads.' });

// ── NAT ─────────────────────────────────────────────────────────────────────

const heldSchema = z.strictObject({ requested: z.number(), opened: z.number(), errors: z.record(z.string(), z.number()), lost: z.number() });

export const natStepSchema = errorTallySchema.extend({
  /** New connections per second offered (the tally counts these requests). */
  rate: z.number(),
  /** Idle connections held open to the same destination during the step. */
  held: heldSchema,
  /** Latency (coordinated-omission corrected), µs. */
  histogram: encodedHistogramSchema,
  /** Peak conntrack entries in the proxy's namespace during the step. */
  conntrackPeak: z.number(),
  /** SYNs the proxy received from tunnels / sent on eth1 after NAT: the difference was dropped by NAT. */
  synIn: z.number(),
  synOut: z.number(),
  /** New flows refused by the emulated conntrack limit. */
  conntrackRefused: z.number(),
  /** Conntrack insertions that failed (a NAT mapping that clashed: the packet is dropped), and clashes resolved. */
  insertFailed: z.number(),
  clashResolved: z.number(),
});

export const natMeasuredSchema = z.strictObject({
  ports: z.strictObject({ first: z.number(), last: z.number(), count: z.number() }),
  timeWaitSeconds: z.number(),
  conntrackLimit: nullableNumber,
  /** Ports ÷ TIME_WAIT: the new-connection rate a kernel that keeps closed connections' ports for TIME_WAIT sustains per destination and address. */
  timeWaitRate: z.number(),
  steps: z.array(natStepSchema),
  /** The first step whose failure fraction (churn or held connections) exceeded the threshold (null: none did). */
  failingAt: z.strictObject({ rate: z.number(), held: z.number() }).nullable(),
  /** What ran out first, judged from the counters. */
  exhausted: z.enum(['ports', 'conntrack']).nullable(),
  /** What the pool should do about it at the highest offered rate. */
  remedy: z.strictObject({ proxiesNeeded: z.number(), addressesNeeded: z.number(), advice: z.string() }),
  /** The first failing rate again, with SNAT spread over more addresses (the remedy, measured). */
  spread: z
    .strictObject({
      addresses: z.array(z.string()),
      rate: z.number(),
      held: heldSchema,
      tally: errorTallySchema,
      histogram: encodedHistogramSchema,
      synIn: z.number(),
      synOut: z.number(),
    })
    .exactOptional(),
  timeline: timelineSchema,
});

export const natResultSchema = z
  .strictObject({ kind: z.literal('nat'), ...experimentBaseShape, measured: natMeasuredSchema.exactOptional() })
  .meta({ id: 'NatResult', description: 'NAT limits of one proxy: source ports, TIME_WAIT, conntrack.' });

// ── pool scaling ────────────────────────────────────────────────────────────

export const scalingEventSchema = z.strictObject({
  /** µs relative to the start of load. */
  atUs: z.number(),
  action: z.enum(['scale-out', 'drain', 'remove', 'at-max']),
  proxy: z.string().exactOptional(),
  /** Metric total that triggered it, and proxies wanted / serving at that moment. */
  metric: z.number(),
  desired: z.number(),
  serving: z.number(),
  /** scale-out: threshold crossing → action (sampling and cooldown), µs. */
  waitedUs: z.number().exactOptional(),
  /** scale-out: plan applied (new proxy + host routes), µs. */
  provisionUs: z.number().exactOptional(),
  /** scale-out: threshold crossing → first flow counted on the new proxy, µs. */
  reactionUs: z.number().exactOptional(),
  /** remove: established flows still on the proxy when it was removed. */
  flowsCut: z.number().exactOptional(),
  /** drain: whether it emptied before drainTimeoutMs. */
  drained: z.boolean().exactOptional(),
});

export const scalingMeasuredSchema = z.strictObject({
  events: z.array(scalingEventSchema),
  /** [µs relative to start, serving proxies, draining proxies] at each controller tick. */
  proxiesOverTime: z.array(z.tuple([z.number(), z.number(), z.number()])),
  /** [µs, metric total] at each controller tick. */
  metricOverTime: z.array(z.tuple([z.number(), z.number()])),
  /** Reaction times of every scale-out, µs. */
  reactionUs: z.array(z.number()),
  /** Modeled control-plane time a real scale-out adds (ENI create/attach for the new proxy), µs. */
  modeledEniUs: z.number(),
  tally: errorTallySchema,
  /** Latency of all requests (corrected), µs. */
  histogram: encodedHistogramSchema,
  timeline: timelineSchema,
  /** The policy wanted more proxies than max at some point. */
  atMax: z.strictObject({ firstAtUs: z.number(), desired: z.number() }).nullable(),
  /** Peak proxies (serving + draining) at once. */
  peakProxies: z.number(),
  /** When each load stage began, µs after the start of load. */
  stageStartsUs: z.array(z.number()),
});

export const scalingResultSchema = z
  .strictObject({ kind: z.literal('scaling'), ...experimentBaseShape, measured: scalingMeasuredSchema.exactOptional() })
  .meta({ id: 'ScalingResult', description: 'Pool scaling under load: scale-out reaction times, drains, errors.' });

// ── two tenants on one proxy ────────────────────────────────────────────────

/** One attempt to create a tunnel device: the command and the kernel's answer (null: accepted). */
export const tunnelAttemptSchema = z.strictObject({ node: z.string(), command: z.string(), error: z.string().nullable() });

export const tenantOutcomeSchema = z.strictObject({
  tenant: z.enum(['A', 'B']),
  /** GRE key / VXLAN VNI of its tunnel; null for IPIP (no key). */
  key: nullableNumber,
  /** The tenant's own tunnel: created on both ends, or refused (with the kernel's answer). */
  tunnel: z.strictObject({ created: z.boolean(), attempts: z.array(tunnelAttemptSchema) }),
  /** own: its own tunnel; shared: the other tenant's tunnel (its own was refused); none: no traffic sent. */
  path: z.enum(['own', 'shared', 'none']),
  /** Its service (the address its instance sends to) and the source address its side expects (its ENI on the proxy). */
  target: z.string(),
  source: z.string(),
  tally: errorTallySchema,
  /** Packets of its requests counted at the user service (nft): arriving from its own ENI, and from the other tenant's. */
  counted: z.strictObject({ own: z.number(), other: z.number() }),
  /** delivered: requests answered and counted at its own side, none from the other tenant's ENI; misdelivered: some arrived from it; failed: none answered or none counted; not-sent. */
  verdict: z.enum(['delivered', 'misdelivered', 'failed', 'not-sent']),
});

export const tenantsMeasuredSchema = z.strictObject({
  tunnel: z.string(),
  /** The shared underlay endpoints: function host eth0 and proxy eth0. */
  endpoints: z.strictObject({ host: z.string(), proxy: z.string() }),
  tenants: z.array(tenantOutcomeSchema),
  /** works: both tenants' tunnels exist and each tenant's traffic reached only its own side; broke: otherwise. */
  verdict: z.enum(['works', 'broke']),
  /** What broke (or that nothing did), in one plain sentence. */
  summary: z.string(),
});

export const tenantsResultSchema = z
  .strictObject({ kind: z.literal('tenants'), ...experimentBaseShape, measured: tenantsMeasuredSchema.exactOptional() })
  .meta({ id: 'TenantsResult', description: "Two tenants on one function host and one proxy: each tenant's tunnel between the same endpoints, and where its traffic arrived." });

export const experimentResultSchema = z.discriminatedUnion('kind', [failoverResultSchema, mtuResultSchema, natResultSchema, scalingResultSchema, tenantsResultSchema]);
