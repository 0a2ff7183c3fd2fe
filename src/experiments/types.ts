/**
 * Results of proxy-operations experiments, as stored in run.json
 * (`experiments`), discriminated by `kind`. Times are µs; "relative" times
 * are offsets from the experiment's reference instant (the fault for a
 * failover, the start of load otherwise). Histograms are compressed HDR (µs),
 * as everywhere in run.json. `measured` is absent when an experiment failed
 * before it could measure anything.
 */
import type { FailoverMode } from '../scenario/experiments.js';

export type ExperimentOutcome = 'completed' | 'failed' | 'aborted';

export interface ExperimentResultBase<K extends string> {
  kind: K;
  name: string;
  outcome: ExperimentOutcome;
  /** Why it failed, in one sentence. */
  message?: string;
  /** What the user can do about a failure. */
  hint?: string;
  durationMs: number;
  /** Things a reader must know (simplifications, fallbacks, kernel behaviour). */
  notes: string[];
}

/** Requests completed per time bucket (successes and failures apart). */
export interface Timeline {
  /** Start of the first bucket, µs relative to the reference instant (negative: before it). */
  startUs: number;
  bucketUs: number;
  ok: number[];
  failed: number[];
}

export interface ErrorTally {
  requests: number;
  ok: number;
  failed: number;
  /** Failed requests by kind (timeout, reset, refused, …). */
  errors: Record<string, number>;
}

/** One request stream of an experiment (one function instance). */
export interface StreamResult extends ErrorTally {
  metric: 'keepalive' | 'newconn';
  rate: number;
  concurrency: number;
  /** Node of the instance that sent it. */
  instance: string;
  /** Latency, coordinated-omission corrected (from each request's intended start). */
  histogram: string;
  /** Latency from the actual send. */
  raw?: string;
}

// ── failover ────────────────────────────────────────────────────────────────

export interface VrrpBound {
  advertIntervalUs: number;
  /** (256 − standby priority) / 256 × advert_int. */
  skewUs: number;
  /** 3 × advert_int + skew: when the standby declares the master down. */
  masterDownUs: number;
}

export interface VrrpTransition {
  node: string;
  role: 'active' | 'standby';
  /** keepalived's VRRP instance: `plat` (eth0, platform VIP) or `user` (eth1, user VIP). */
  instance: string;
  state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';
  /** µs relative to the fault, as read from keepalived's log (arrival time). */
  atUs: number;
}

export interface FailoverStream extends StreamResult {
  /** Longest span without a successful response in this stream around the fault, µs. */
  gapUs: number | null;
  /** HTTP connections: open at the fault, of those still open at the end, closed after the fault, opened after. */
  connections: { atFault: number; survived: number; lost: number; openedAfter: number };
}

export interface FailoverMeasured {
  /** Monotonic µs of the fault (all relative times count from here). */
  faultAtUs: number;
  /** moved: the standby holds both VIPs; vip-never-moved: it never took them within afterMs. */
  verdict: 'moved' | 'vip-never-moved' | 'partially-moved';
  bound: VrrpBound;
  /** When the VIPs appeared on the standby (kernel address events), µs after the fault. */
  vipOnStandbyUs: { platform: number | null; user: number | null };
  /** When they left the failed proxy (null: never, e.g. frozen or crashed with links down). */
  vipOffActiveUs: { platform: number | null; user: number | null };
  /** freeze/graceful (the failed node stays reachable): how long both held the platform VIP (split brain), µs; null = never or not applicable. */
  duplicateVipUs: number | null;
  /** End of the outage: the first successful response after the gap, µs after the fault (null: never). */
  resumedUs: number | null;
  /**
   * Longest span with no successful response (all streams together) that
   * overlaps the failover (fault → VIPs moved + one bound), µs.
   */
  gapUs: number | null;
  /** That span, relative to the fault. */
  gapWindowUs: [number, number] | null;
  /** Requests failed or timed out, all streams. */
  tally: ErrorTally;
  streams: FailoverStream[];
  timeline: Timeline;
  transitions: VrrpTransition[];
  /** Source addresses the user service saw (connections per address); the user VIP only, if SNAT held. */
  sources: Record<string, number>;
  /** Mid-flow packets to the user VIP the new active dropped (instead of answering with a reset). */
  unsolicitedDropped: number;
  /** freeze with thawAfterMs: when keepalived was resumed, µs after the fault. */
  thawAtUs?: number;
  /** freeze with thawAfterMs: the longest span without success after the thaw (the split brain ending), µs. */
  thawGapUs?: number | null;
}

export interface FailoverResult extends ExperimentResultBase<'failover'> {
  config: {
    mode: FailoverMode;
    advertIntervalMs: number;
    priorities: { active: number; standby: number };
    vips: { platform: string; user: string };
    tunnel: string;
    keepalived: string;
    standbyDown: boolean;
  };
  measured?: FailoverMeasured;
}

// ── MTU ─────────────────────────────────────────────────────────────────────

export interface MtuCase extends ErrorTally {
  direction: 'download' | 'upload';
  clamp: boolean;
  pmtud: 'allowed' | 'blocked';
  bytes: number;
  /** Latency of the first request (pays for path-MTU discovery, if any), µs. */
  firstUs: number | null;
  histogram: string;
  /** ok: all passed; blackhole: none passed; partial: some did. */
  verdict: 'ok' | 'blackhole' | 'partial';
  /** ICMP "fragmentation needed" the proxy sent (PMTUD at work) and the service's filter dropped. */
  icmp: { sentByProxy: number; droppedAtService: number };
}

export interface EncapsulationLatency {
  encapsulation: 'none' | 'gre' | 'ipip' | 'vxlan';
  available: boolean;
  /** Why it could not run (kernel without the module). */
  reason?: string;
  /** Keep-alive request latency through the proxy (µs), when it ran. */
  histogram?: string;
  mtu?: number;
}

export interface TenantCollision {
  /** Encapsulation the demonstration used on this kernel. */
  tunnel: string;
  /** The command that tried a second tenant's tunnel with the same endpoints and key, and the kernel's answer. */
  sameKey: { command: string; error: string | null };
  /** The same with a distinct key (VNI): accepted? */
  distinctKey: { command: string; ok: boolean; error: string | null };
  explanation: string;
  /** What the QEMU tier (a kernel with ipip) should run to show the IPIP case. */
  qemuScenario: string;
}

export interface MtuMeasured {
  tunnel: string;
  underlayMtu: number;
  tunnelMtu: number;
  /** MSS the clamp writes into SYNs (tunnel MTU − 40). */
  clampedMss: number;
  /** Tunnel MTUs by encapsulation (1500-byte underlay), for reference. */
  theoreticalMtu: Record<string, number>;
  cases: MtuCase[];
  encapsulations: EncapsulationLatency[];
  tenantCollision?: TenantCollision;
}

export interface MtuResult extends ExperimentResultBase<'mtu'> {
  measured?: MtuMeasured;
}

// ── NAT ─────────────────────────────────────────────────────────────────────

export interface NatStep extends ErrorTally {
  /** New connections per second offered (the tally counts these requests). */
  rate: number;
  /** Idle connections held open to the same destination during the step. */
  held: { requested: number; opened: number; errors: Record<string, number>; lost: number };
  /** Latency (coordinated-omission corrected), µs. */
  histogram: string;
  /** Peak conntrack entries in the proxy's namespace during the step. */
  conntrackPeak: number;
  /** SYNs the proxy received from tunnels / sent on eth1 after NAT: the difference was dropped by NAT. */
  synIn: number;
  synOut: number;
  /** New flows refused by the emulated conntrack limit. */
  conntrackRefused: number;
  /** Conntrack insertions that failed (a NAT mapping that clashed: the packet is dropped), and clashes resolved. */
  insertFailed: number;
  clashResolved: number;
}

export interface NatMeasured {
  ports: { first: number; last: number; count: number };
  timeWaitSeconds: number;
  conntrackLimit: number | null;
  /** Ports ÷ TIME_WAIT: the new-connection rate a kernel that keeps closed connections' ports for TIME_WAIT sustains per destination and address. */
  timeWaitRate: number;
  steps: NatStep[];
  /** The first step whose failure fraction (churn or held connections) exceeded the threshold (null: none did). */
  failingAt: { rate: number; held: number } | null;
  /** What ran out first, judged from the counters. */
  exhausted: 'ports' | 'conntrack' | null;
  /** What the pool should do about it at the highest offered rate. */
  remedy: { proxiesNeeded: number; addressesNeeded: number; advice: string };
  /** The first failing rate again, with SNAT spread over more addresses (the remedy, measured). */
  spread?: { addresses: string[]; rate: number; held: NatStep['held']; tally: ErrorTally; histogram: string; synIn: number; synOut: number };
  timeline: Timeline;
}

export interface NatResult extends ExperimentResultBase<'nat'> {
  measured?: NatMeasured;
}

// ── pool scaling ────────────────────────────────────────────────────────────

export interface ScalingEvent {
  /** µs relative to the start of load. */
  atUs: number;
  action: 'scale-out' | 'drain' | 'remove' | 'at-max';
  proxy?: string;
  /** Metric total that triggered it, and proxies wanted / serving at that moment. */
  metric: number;
  desired: number;
  serving: number;
  /** scale-out: threshold crossing → action (sampling and cooldown), µs. */
  waitedUs?: number;
  /** scale-out: plan applied (new proxy + host routes), µs. */
  provisionUs?: number;
  /** scale-out: threshold crossing → first flow counted on the new proxy, µs. */
  reactionUs?: number;
  /** remove: established flows still on the proxy when it was removed. */
  flowsCut?: number;
  /** drain: whether it emptied before drainTimeoutMs. */
  drained?: boolean;
}

export interface ScalingMeasured {
  events: ScalingEvent[];
  /** [µs relative to start, serving proxies, draining proxies] at each controller tick. */
  proxiesOverTime: Array<[number, number, number]>;
  /** [µs, metric total] at each controller tick. */
  metricOverTime: Array<[number, number]>;
  /** Reaction times of every scale-out, µs. */
  reactionUs: number[];
  /** Modeled control-plane time a real scale-out adds (ENI create/attach for the new proxy), µs. */
  modeledEniUs: number;
  tally: ErrorTally;
  /** Latency of all requests (corrected), µs. */
  histogram: string;
  timeline: Timeline;
  /** The policy wanted more proxies than max at some point. */
  atMax: { firstAtUs: number; desired: number } | null;
  /** Peak proxies (serving + draining) at once. */
  peakProxies: number;
  /** When each load stage began, µs after the start of load. */
  stageStartsUs: number[];
}

export interface ScalingResult extends ExperimentResultBase<'scaling'> {
  measured?: ScalingMeasured;
}

export type ExperimentResult = FailoverResult | MtuResult | NatResult | ScalingResult;
