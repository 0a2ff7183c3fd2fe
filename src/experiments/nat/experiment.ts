/**
 * NAT limits of one proxy (kind `nat`): connection churn (a new connection
 * per request) through px0's MASQUERADE, step by step at a churn rate and
 * with a number of idle connections held open to the same destination,
 * until source ports (or conntrack entries) run out. Exhaustion is made
 * reachable at small scale: MASQUERADE may only use a few ports
 * (`masquerade to :first-last`) and closed connections keep their conntrack
 * entries for a short, stated TIME_WAIT. A conntrack table limit cannot be
 * set outside the initial namespace (nf_conntrack_max is read-only there),
 * so it is emulated with nft `ct count over N`. Then the remedy is measured:
 * the failing step again, with SNAT spread over two addresses.
 */
import { nowMicros } from '../../clock.js';
import { plan } from '../../topology/ops.js';
import { mergeTallies, pointsOf, tally, timeline, type RequestPoint } from '../analysis.js';
import type { ExperimentContext, ExperimentInstance } from '../context.js';
import { freshResult, type Experiment } from '../experiment.js';
import { conntrackCount, conntrackStats, readCounters } from '../../kernel/inspect.js';
import type { InNode } from '../../kernel/kernel-driver.js';
import { pause, startStreams, unsentTally } from '../load.js';
import type { NatSpec } from '../../scenario/experiments.js';
import { singleProxy, singleProxyPlan, singleProxyTeardown, type SingleProxy } from '../single-proxy.js';
import { natReport } from './report.js';
import type { ErrorTally, NatMeasured, NatResult, NatStep } from '../types.js';

export const NAT_LIMIT_TABLE = 'coldpath_natlimit';
const TIME_WAIT_SYSCTL = 'net.netfilter.nf_conntrack_tcp_timeout_time_wait';
const WARMUP_MS = 200;

/**
 * The port-limited NAT, in a table of its own whose chains run before the
 * proxy's MASQUERADE (the first NAT rule that maps a connection wins), with
 * counters: SYNs in from tunnels, SYNs out on eth1 after NAT, new flows
 * refused by the emulated conntrack limit.
 */
export function natLimitPlan(sp: SingleProxy, spec: Pick<NatSpec, 'ports' | 'conntrackLimit'>, addresses: readonly string[] | undefined): ReturnType<typeof plan> {
  const last = spec.ports.first + spec.ports.count - 1;
  const ports = `${spec.ports.first}-${last}`;
  // Spread per flow (numgen): `snat to A-B` would not spread one host's flows to one service —
  // the kernel picks the address of a range by hashing source and destination addresses.
  const nat = addresses === undefined ? `masquerade to :${ports}` : `snat ip to numgen inc mod ${addresses.length} map { ${addresses.map((address, i) => `${i} : ${address} . ${ports}`).join(', ')} }`;
  const dev = sp.proxy.tunnelDev;
  return plan(`${sp.proxy.node}: NAT limited to ports ${spec.ports.first}-${last}${addresses === undefined ? '' : ` on ${addresses.join('-')}`}`, [
    {
      kind: 'nft.table',
      node: sp.proxy.node,
      family: 'ip',
      table: NAT_LIMIT_TABLE,
      body: [
        'counter syn_in { }',
        'counter syn_out { }',
        'counter ct_refused { }',
        'chain forward {',
        '  type filter hook forward priority filter - 10; policy accept;',
        `  iifname "${dev}" tcp flags syn ct state new counter name "syn_in"`,
        ...(spec.conntrackLimit === undefined ? [] : [`  iifname "${dev}" ct state new ct count over ${spec.conntrackLimit} counter name "ct_refused" drop`]),
        '}',
        'chain postrouting {',
        '  type nat hook postrouting priority srcnat - 10; policy accept;',
        `  oifname "eth1" meta l4proto tcp ${nat}`,
        '}',
        'chain counted {',
        // After NAT: what left on eth1. A SYN NAT could not map a port for never gets here.
        '  type filter hook postrouting priority srcnat + 10; policy accept;',
        '  oifname "eth1" tcp flags syn ct state new counter name "syn_out"',
        '}',
      ].join('\n'),
    },
  ]);
}

export const nat: Experiment<NatSpec, NatResult> = {
  kind: 'nat',
  preflight: () => {},
  describe: (_ctx, spec) => freshResult(spec),
  run: runNat,
  report: natReport,
};

async function runNat(ctx: ExperimentContext, spec: NatSpec, result: NatResult): Promise<void> {
  const sctx = ctx.strategy;
  const sp = singleProxy(sctx);
  const { driver } = ctx;
  const proxy = driver.inNode(sp.proxy.node);
  ctx.removeAtEnd({ plan: singleProxyTeardown(sctx, sp), killIn: [sp.proxy.node] });
  ctx.say(`nat: proxy ${sp.proxy.node}, MASQUERADE to ${spec.ports.count} port(s), TIME_WAIT ${spec.timeWaitSeconds} s; ${spec.steps.length} steps`);
  await driver.apply(singleProxyPlan(sctx, sp));
  await driver.apply(plan(`${sp.proxy.node}: conntrack TIME_WAIT ${spec.timeWaitSeconds} s`, [{ kind: 'sysctl', node: sp.proxy.node, key: TIME_WAIT_SYSCTL, value: String(spec.timeWaitSeconds) }]));
  await driver.apply(natLimitPlan(sp, spec, undefined));
  // Two instances: one churns, one holds connections (its own probe, so holding never waits behind a measurement).
  const [churner, holder] = await ctx.addInstances(2);
  if (churner === undefined || holder === undefined) throw new Error('no instance');
  // The churner stamps its requests on its machine's clock: the timeline's origin is read there too.
  const ref = ctx.driver.clockOf(churner.layout.node).fromCoordinator(nowMicros());
  const points: RequestPoint[] = [];
  const steps: NatStep[] = [];
  for (const load of spec.steps) {
    if (ctx.signal.aborted) break;
    ctx.say(`nat: ${load.rate} new connections/s with ${load.held} held open, for ${spec.stepMs} ms`);
    steps.push(await runStep(ctx, proxy, { churner, holder }, spec, load, ref, points));
    // Let the step's entries expire: each step starts from an empty table.
    await pause(ctx, spec.timeWaitSeconds * 1000 + 500);
  }
  const failing = steps.find((s) => failed(s) > spec.failureThreshold);
  const top = Math.max(...spec.steps.map((s) => s.rate));
  const measured: NatMeasured = {
    ports: { first: spec.ports.first, last: spec.ports.first + spec.ports.count - 1, count: spec.ports.count },
    timeWaitSeconds: spec.timeWaitSeconds,
    conntrackLimit: spec.conntrackLimit ?? null,
    timeWaitRate: spec.ports.count / spec.timeWaitSeconds,
    steps,
    failingAt: failing === undefined ? null : { rate: failing.rate, held: failing.held.requested },
    exhausted: failing === undefined ? null : exhaustedBy(failing),
    remedy: remedyFor(top, Math.max(...spec.steps.map((s) => s.held)), spec),
    timeline: timeline(points, 0, Math.max(0, ...points.map((p) => p.done)) + 1, 250_000),
  };
  if (failing !== undefined && !ctx.signal.aborted) {
    // The remedy, measured: the failing step again with SNAT over two addresses (px0's and the next slot's: contiguous).
    const addresses = [sp.proxy.userAddress, ctx.layout.proxies[sp.proxy.index + 1]?.userAddress ?? sp.proxy.userAddress];
    ctx.say(`nat: the failing step again, SNAT spread over ${addresses.join(' and ')}`);
    await driver.apply(plan(`${sp.proxy.node}: a second SNAT address`, [{ kind: 'addr.add', node: sp.proxy.node, dev: 'eth1', cidr: `${addresses[1]}/${ctx.layout.user.subnet.prefix}` }]));
    await driver.apply(natLimitPlan(sp, spec, addresses));
    const spread = await runStep(ctx, proxy, { churner, holder }, spec, { rate: failing.rate, held: failing.held.requested }, ref, points);
    measured.spread = { addresses, rate: failing.rate, held: spread.held, tally: pick(spread), histogram: spread.histogram, synIn: spread.synIn, synOut: spread.synOut };
    measured.timeline = timeline(points, 0, Math.max(0, ...points.map((p) => p.done)) + 1, 250_000);
  }
  result.measured = measured;
  result.notes.push(
    `Each connection open through the proxy holds one source port per destination ip:port: with ${spec.ports.count} port(s), about ${spec.ports.count} concurrent connections to one service is the ceiling per SNAT address (kernel default range: ~28 000).`,
    `Closed connections stay in conntrack for TIME_WAIT (${spec.timeWaitSeconds} s here, 120 s by default). A kernel that keeps their ports sustains only ports ÷ TIME_WAIT = ${round(measured.timeWaitRate)} new connections/s per destination and address; compare the churn-only steps to see whether this kernel reuses those ports.`,
    'A SYN that NAT cannot map to a free port is dropped silently: the client retransmits it after 1 s and 3 s, so exhaustion shows first as ~1 s latency, then as connect timeouts.',
    'nf_conntrack_max is read-only outside the initial network namespace on this kernel (EINVAL), so a table limit is emulated with nft `ct count` (which counts flows not yet closed, not TIME_WAIT entries).',
  );
}

async function runStep(
  ctx: ExperimentContext,
  proxy: InNode,
  instances: { churner: ExperimentInstance; holder: ExperimentInstance },
  spec: NatSpec,
  load: { rate: number; held: number },
  ref: number,
  points: RequestPoint[],
): Promise<NatStep> {
  const before = await readCounters(proxy, NAT_LIMIT_TABLE);
  const statsBefore = await conntrackStats(proxy);
  const target = ctx.target.layout;
  // Held connections first, to the same destination as the churn: they compete for the same ports. The churn
  // starts once every connect has settled, and they stay open until it is over (released below).
  const hold =
    load.held === 0
      ? undefined
      : await instances.holder.probe.hold(
          { host: target.address, port: target.httpPort, connections: load.held, durationMs: spec.stepMs + WARMUP_MS + spec.timeoutMs + 30_000, timeoutMs: spec.timeoutMs },
          spec.timeoutMs + 30_000,
        );
  const streams = startStreams(ctx, [{ spec: { metric: 'newconn', rate: load.rate, concurrency: spec.concurrency }, instance: instances.churner }], {
    durationMs: spec.stepMs,
    warmupMs: WARMUP_MS,
    timeoutMs: spec.timeoutMs,
  });
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await conntrackCount(proxy)) ?? 0);
      await pause(ctx, 200);
    }
  })();
  const [event] = await streams.results.finally(() => {
    sampling = false;
  });
  await sampler;
  const held = await hold?.release();
  const after = await readCounters(proxy, NAT_LIMIT_TABLE);
  const statsAfter = await conntrackStats(proxy);
  const stat = (name: string): number => (statsAfter[name] ?? 0) - (statsBefore[name] ?? 0);
  const own = event?.trace === undefined ? [] : pointsOf(event.trace, ref);
  points.push(...own);
  const counts = mergeTallies([tally(own), unsentTally(streams.expected[0] ?? 0, own.length)]);
  const delta = (name: string): number => (after[name] ?? 0) - (before[name] ?? 0);
  return {
    rate: load.rate,
    held: { requested: load.held, opened: held?.opened ?? 0, errors: held?.errors ?? {}, lost: held?.lost ?? 0 },
    ...counts,
    histogram: event?.histogram ?? '',
    conntrackPeak: peak,
    synIn: delta('syn_in'),
    synOut: delta('syn_out'),
    conntrackRefused: delta('ct_refused'),
    insertFailed: stat('insert_failed'),
    clashResolved: stat('clashres'),
  };
}

/** Fraction of a step's connections that failed: churn requests and held connections together. */
export function failed(step: Pick<NatStep, 'requests' | 'failed' | 'held'>): number {
  const heldFailed = step.held.requested - step.held.opened;
  const total = step.requests + step.held.requested;
  return total === 0 ? 0 : (step.failed + heldFailed) / total;
}

function pick(t: ErrorTally): ErrorTally {
  return { requests: t.requests, ok: t.ok, failed: t.failed, errors: t.errors };
}

/**
 * SNAT addresses (or proxies, one address each) the offered load needs with
 * 25 % headroom: concurrent connections per destination ÷ ports, and, for a
 * kernel that keeps closed connections' ports, rate × TIME_WAIT ÷ ports.
 */
export function remedyFor(rate: number, held: number, spec: Pick<NatSpec, 'ports' | 'timeWaitSeconds' | 'concurrency'>): NatMeasured['remedy'] {
  const byConcurrency = ((held + spec.concurrency) * 1.25) / spec.ports.count;
  const byTimeWait = (rate * spec.timeWaitSeconds * 1.25) / spec.ports.count;
  const needed = Math.max(1, Math.ceil(Math.max(byConcurrency, byTimeWait)));
  return {
    proxiesNeeded: needed,
    addressesNeeded: needed,
    advice:
      `Up to ${held + spec.concurrency} concurrent connections and ${rate} new connections/s to one destination, with ${spec.ports.count} port(s) per address, need ${needed} SNAT address(es) (25 % headroom). ` +
      "The pool should scale out on NAT port use (connections per destination ÷ ports) before it reaches 100 %, or SNAT each proxy to several addresses chosen per flow (an nft numgen/jhash map: `snat to A-B` picks one address per source/destination pair, so it does not spread one host's flows); clients should keep connections alive (one port for many requests).",
  };
}

/**
 * New flows the emulated conntrack limit refused vs SYNs NAT could not give
 * a unique port (dropped before eth1, or at conntrack insertion when the
 * mapping clashed): whichever dropped more.
 */
export function exhaustedBy(step: Pick<NatStep, 'synIn' | 'synOut' | 'conntrackRefused' | 'insertFailed'>): 'ports' | 'conntrack' {
  const natDrops = Math.max(0, step.synIn - step.synOut - step.conntrackRefused) + step.insertFailed;
  return step.conntrackRefused > natDrops ? 'conntrack' : 'ports';
}

const round = (value: number): number => Math.round(value * 10) / 10;
