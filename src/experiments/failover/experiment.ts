/**
 * Failover of the proxy HA pair under load (kind `failover`): px0 (active)
 * and px1 (standby) run real keepalived with a platform VIP (the hosts'
 * tunnel endpoint) and a user VIP (the SNAT source) in one sync group;
 * function instances send requests at fixed rates through them; the active
 * proxy is failed in the stated way; what the traffic saw is lined up with
 * what the kernel and keepalived did, and compared with VRRP's bound.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mergeMeasurements } from '../../metrics/histogram.js';
import { ColdpathError } from '../../errors.js';
import type { MeasureResultEvent } from '../../probes/protocol.js';
import { keepalivedConfig, VRRP_INSTANCES, vrrpBound } from './keepalived.js';
import { haPair, haPrewarmPlan, haTeardownPlan, UNSOLICITED_COUNTER, VRIDS, type HaPair } from './proxy-ha.js';
import { PROXY_TABLE } from '../../strategies/gre-proxy.js';
import type { Op } from '../../topology/ops.js';
import { connectionEventsOf, connectionSurvival, longestGap, mergeTallies, pointsOf, tally, timeline, type RequestPoint } from '../analysis.js';
import type { ExperimentContext } from '../context.js';
import { freshResult, type Experiment } from '../experiment.js';
import { readCounters } from '../../kernel/inspect.js';
import { startStreams, unsentTally, until } from '../load.js';
import type { FailoverSpec } from '../../scenario/experiments.js';
import type { FailoverMeasured, FailoverResult, FailoverStream } from '../types.js';
import { failoverReport } from './report.js';
import { findKeepalived, keepalivedFor, type SignalWindow, VrrpNode } from './vrrp-node.js';

/** Warm-up before measured requests: connections open, JIT warm. */
const WARMUP_MS = 300;
const INSTANCES = [VRRP_INSTANCES.platform, VRRP_INSTANCES.user];

/** What the kernel keeps doing in each mode, for the reader of results. */
const MODE_NOTES: Record<FailoverSpec['mode'], string> = {
  crash: "crash: keepalived's VRRP child, then its parent, are SIGKILLed and px0's eth0 and eth1 go down, as when the machine dies; nothing removes px0's VIPs, but nothing reaches them either.",
  'link-down': "link-down: only px0's platform link (eth0) goes down; keepalived there sees it (FAULT) and the sync group drops the user VIP too, so px0 stops answering for both.",
  freeze:
    'freeze: keepalived on px0 is SIGSTOPped; the kernel there keeps its VIPs, keeps forwarding, NATing and answering ARP for them: once px1 takes over, both hold the VIPs (split brain) and traffic follows whichever gratuitous ARP a neighbour heard last.',
  graceful: 'graceful: keepalived on px0 gets SIGTERM: it sends a priority-0 advert and removes its VIPs, so px1 takes over after the skew time instead of 3 × advert_int.',
};

export const failover: Experiment<FailoverSpec, FailoverResult> = {
  kind: 'failover',
  // Across machines keepalived runs on the proxies' machines: its check there is `keepalived -t` (vrrp-node.ts).
  preflight: (spec, field, where) => {
    if (where?.acrossMachines !== true) findKeepalived(spec.keepalived, `${field}.keepalived`);
  },
  describe: (ctx, spec) => {
    const pair = haPair(ctx.strategy);
    return {
      ...freshResult(spec),
      notes: [MODE_NOTES[spec.mode]],
      config: {
        mode: spec.mode,
        advertIntervalMs: spec.advertIntervalMs,
        priorities: spec.priorities,
        vips: pair.vips,
        tunnel: pair.type,
        keepalived: spec.keepalived,
        standbyDown: spec.standbyDown,
      },
    };
  },
  run: runFailover,
  report: failoverReport,
};

async function runFailover(ctx: ExperimentContext, spec: FailoverSpec, result: FailoverResult, field: string): Promise<void> {
  const pair = haPair(ctx.strategy);
  const binary = keepalivedFor(spec.keepalived, `${field}.keepalived`);
  const active = new VrrpNode(ctx, pair.active, 'active');
  const standby = new VrrpNode(ctx, pair.standby, 'standby');
  ctx.say(`failover (${spec.mode}): building the proxy pair ${pair.active.node}/${pair.standby.node} behind ${pair.vips.platform} and ${pair.vips.user}`);
  ctx.removeAtEnd({ plan: haTeardownPlan(ctx.strategy, pair), killIn: [pair.active.node, pair.standby.node] });
  await ctx.driver.apply(haPrewarmPlan(ctx.strategy, pair));
  await Promise.all([active.startMonitor(), standby.startMonitor()]);
  await sleep(100); // `ip monitor` subscribes within milliseconds; no ready signal to wait for
  await startPair(spec, pair, binary, active, standby);

  const instances = await ctx.addInstances(spec.load.length);
  const service = ctx.target;
  const sanity = await instances[0]?.probe.first(15_000, { host: service.layout.address, port: service.layout.httpPort, path: '/', timeoutMs: 5000 });
  if (sanity?.ok !== true) {
    throw new ColdpathError(`traffic does not pass through the HA pair before the fault: ${sanity?.ok === false ? `${sanity.errorKind}: ${sanity.message}` : 'no answer'}`, {
      kind: 'runtime',
      hint: "run `coldpath plan` and check the VIPs with keepalived's log",
    });
  }
  await service.process?.reset();

  ctx.say(`failover (${spec.mode}): load for ${spec.beforeMs} ms, then the active proxy fails; ${spec.afterMs} ms after`);
  const streams = startStreams(
    ctx,
    spec.load.map((stream, i) => ({ spec: stream, instance: instances[i] as (typeof instances)[number] })),
    { durationMs: spec.beforeMs + spec.afterMs, warmupMs: WARMUP_MS, timeoutMs: spec.timeoutMs },
  );
  // Read now, not at the fault: across machines each read is a round trip to the proxy's agent.
  const pids = { parent: active.daemon?.pid, child: await active.vrrpChildPid() };
  await until(ctx, streams.measuredFrom + spec.beforeMs * 1000);
  const fault = await injectFault(ctx, spec, pair, active, pids);
  const events = await streams.results;
  const sources = (await service.process?.stats())?.sources ?? {};
  const unsolicited = (await readCounters(ctx.driver.inNode(pair.standby.node), PROXY_TABLE))[UNSOLICITED_COUNTER] ?? 0;
  const nodes = instances.map((i) => i.layout.node);
  // A probe stamps its requests on its machine's clock: the fault is moved onto each instance's clock.
  const faultOn = nodes.map((node) => ctx.driver.clockOf(node).fromCoordinator(fault.atUs));
  result.measured = measure(spec, pair, fault.atUs, faultOn, events, streams.expected, nodes, active, standby, sources, unsolicited, fault.thawAtUs);
  const clockUs = Math.max(0, ...nodes.map((node) => ctx.driver.clockOf(node).uncertaintyUs));
  const proxyClockUs = Math.max(...[pair.active.node, pair.standby.node].map((node) => ctx.driver.clockOf(node).uncertaintyUs));
  if (fault.uncertaintyUs > 1000 || clockUs > 0 || proxyClockUs > 0) {
    result.notes.push(
      `timing: the fault instant is known to ±${(fault.uncertaintyUs / 1000).toFixed(1)} ms (${fault.source})` +
        (clockUs > 0 ? `; requests were stamped on the function hosts' clocks, mapped through their clock estimates (±${(clockUs / 1000).toFixed(2)} ms)` : '') +
        (proxyClockUs > 0 ? `; keepalived's and the kernel's lines were stamped by the proxies' agents as read, mapped through their clock estimates (±${(proxyClockUs / 1000).toFixed(2)} ms)` : '') +
        '.',
    );
  }
  if (result.measured.verdict !== 'moved') {
    result.notes.push(
      spec.standbyDown
        ? 'the standby was not running (standbyDown): nobody took the VIPs over, as expected.'
        : `the VIPs did not (all) move to ${pair.standby.node} within afterMs (${spec.afterMs} ms).`,
    );
  }
}

/** keepalived on both, active first so it wins the election; the standby joins as BACKUP. */
async function startPair(spec: FailoverSpec, pair: HaPair, binary: string, active: VrrpNode, standby: VrrpNode): Promise<void> {
  const settleMs = 10_000 + 10 * spec.advertIntervalMs;
  const config = (self: HaPair['active'], peer: HaPair['active'], priority: number): string =>
    keepalivedConfig({
      routerId: `coldpath-${self.node}`,
      priority,
      advertIntervalMs: spec.advertIntervalMs,
      platform: { dev: 'eth0', self: self.platformAddress, peer: peer.platformAddress, vip: `${pair.vips.platform}/32`, vrid: VRIDS.platform },
      user: { dev: 'eth1', self: self.userAddress, peer: peer.userAddress, vip: `${pair.vips.user}/32`, vrid: VRIDS.user },
    });
  await active.start(binary, config(pair.active, pair.standby, spec.priorities.active));
  if (!(await active.waitForState('MASTER', INSTANCES, settleMs))) {
    throw new ColdpathError(`keepalived on ${pair.active.node} did not become MASTER within ${settleMs} ms`, {
      kind: 'runtime',
      stderr: active.daemon?.tail() ?? '',
      hint: active.daemon?.hasExited === true ? `keepalived exited (${active.daemon.exit ?? '?'}); see its log above` : "see keepalived's log above",
    });
  }
  if (spec.standbyDown) return;
  await standby.start(binary, config(pair.standby, pair.active, spec.priorities.standby));
  if (!(await standby.waitForState('BACKUP', INSTANCES, settleMs))) {
    throw new ColdpathError(`keepalived on ${pair.standby.node} did not settle as BACKUP within ${settleMs} ms`, {
      kind: 'runtime',
      stderr: standby.daemon?.tail() ?? '',
      hint: "see keepalived's log above",
    });
  }
}

/** When the fault happened (coordinator µs) and within what (µs either side); when keepalived was thawed, µs after it. */
interface Fault {
  atUs: number;
  uncertaintyUs: number;
  /** How the instant is known, for the timing note. */
  source: string;
  thawAtUs: number | undefined;
}

/**
 * Fails the active proxy. Its keepalived is signalled on its machine (its pids are that machine's) by a process
 * already there, which stamps the instant to microseconds; across machines the clock estimate's uncertainty
 * comes on top. A link-down is a plan: its instant is the middle of the plan's run, known to half of it.
 */
async function injectFault(ctx: ExperimentContext, spec: FailoverSpec, pair: HaPair, active: VrrpNode, pids: { parent: number | undefined; child: number | undefined }): Promise<Fault> {
  const { parent, child } = pids;
  const linkDown = (devs: string[]): Op[] => devs.map((dev) => ({ kind: 'link.set', node: pair.active.node, dev, up: false }));
  /** The middle of the window, known to half of it plus the clock estimate's uncertainty. */
  const within = (window: SignalWindow, source: string): Fault => ({
    atUs: Math.round((window.fromUs + window.toUs) / 2),
    uncertaintyUs: Math.round((window.toUs - window.fromUs) / 2 + window.clockUs),
    source,
    thawAtUs: undefined,
  });
  const clockNote = (clockUs: number): string => `, plus the clock estimate's ±${(clockUs / 1000).toFixed(2)} ms`;
  const at = (sent: SignalWindow): Fault =>
    within(sent, sent.clockUs > 0 ? `the signals sent on ${pair.active.node}'s machine by its agent, stamped there${clockNote(sent.clockUs)}` : 'the signals sent by this process');
  switch (spec.mode) {
    case 'crash': {
      // Child first: a parent killed first could not stop it, and a live child keeps advertising.
      const fault = at(await active.signal('SIGKILL', [child, parent]));
      await ctx.driver.apply({ title: `failover: ${pair.active.node} crashes (links down)`, ops: linkDown(['eth0', 'eth1']) });
      return fault;
    }
    case 'link-down': {
      const applied = await ctx.driver.apply({ title: `failover: ${pair.active.node} loses its platform link`, ops: linkDown(['eth0']) });
      const clockUs = ctx.driver.clockOf(pair.active.node).uncertaintyUs;
      return within({ fromUs: applied.startUs, toUs: applied.endUs, clockUs }, `half the time the link change took on ${pair.active.node}'s machine${clockUs > 0 ? clockNote(clockUs) : ''}`);
    }
    case 'graceful':
      return at(await active.signal('SIGTERM', [parent]));
    case 'freeze': {
      const fault = at(await active.signal('SIGSTOP', [child, parent]));
      if (spec.thawAfterMs === undefined) return fault;
      await until(ctx, fault.atUs + spec.thawAfterMs * 1000);
      const thawed = at(await active.signal('SIGCONT', [parent, child]));
      return { ...fault, thawAtUs: thawed.atUs - fault.atUs };
    }
  }
}

function measure(
  spec: FailoverSpec,
  pair: HaPair,
  faultAt: number,
  /** The fault on each stream's instance's clock (its probe's trace stamps). */
  faultOn: readonly number[],
  events: readonly MeasureResultEvent[],
  expected: readonly number[],
  instances: readonly string[],
  active: VrrpNode,
  standby: VrrpNode,
  sources: Record<string, number>,
  unsolicited: number,
  thawAtUs: number | undefined,
): FailoverMeasured {
  const fromUs = -spec.beforeMs * 1000;
  const toUs = spec.afterMs * 1000;
  const bound = vrrpBound(spec.advertIntervalMs, spec.priorities.standby);
  const relative = (at: number | undefined): number | null => (at === undefined ? null : at - faultAt);
  const onStandby = {
    platform: relative(standby.vipChange(pair.vips.platform, true, faultAt)),
    user: relative(standby.vipChange(pair.vips.user, true, faultAt)),
  };
  // The disturbance: from the fault until the VIPs moved (plus one bound for ARP and TCP to catch up).
  const movedAt = Math.max(onStandby.platform ?? toUs, onStandby.user ?? toUs);
  const overlap: [number, number] = [0, Math.min(toUs, movedAt + bound.masterDownUs)];
  const all: RequestPoint[] = [];
  const streams: FailoverStream[] = events.map((event, i) => {
    const stream = spec.load[i] ?? { metric: 'keepalive', rate: 0, concurrency: 0 };
    const points = event.trace === undefined ? [] : pointsOf(event.trace, faultOn[i] ?? faultAt);
    all.push(...points);
    const gap = longestGap(points, toUs, fromUs, overlap);
    return {
      metric: stream.metric,
      rate: stream.rate,
      concurrency: stream.concurrency,
      instance: instances[i] ?? '',
      ...mergeTallies([tally(points), unsentTally(expected[i] ?? 0, points.length)]),
      histogram: event.histogram,
      ...(event.raw === undefined ? {} : { raw: event.raw }),
      gapUs: gap?.us ?? null,
      connections: connectionSurvival(event.trace === undefined ? [] : connectionEventsOf(event.trace, faultOn[i] ?? faultAt)),
    };
  });
  const offActive = {
    platform: relative(active.vipChange(pair.vips.platform, false, faultAt)),
    user: relative(active.vipChange(pair.vips.user, false, faultAt)),
  };
  // Split brain: the standby added the platform VIP while the failed node, still reachable, had it.
  let duplicateVipUs: number | null = null;
  if (onStandby.platform !== null && (spec.mode === 'freeze' || spec.mode === 'graceful')) {
    const removed = offActive.platform;
    if (removed === null || removed > onStandby.platform) duplicateVipUs = (removed ?? toUs) - onStandby.platform;
  }
  const gap = longestGap(all, toUs, fromUs, overlap);
  const thawGap = thawAtUs === undefined ? null : longestGap(all, toUs, fromUs, [thawAtUs, Math.min(toUs, thawAtUs + bound.masterDownUs * 2)]);
  const moved = [onStandby.platform, onStandby.user].filter((v) => v !== null).length;
  return {
    faultAtUs: faultAt,
    verdict: moved === 2 ? 'moved' : moved === 0 ? 'vip-never-moved' : 'partially-moved',
    bound,
    vipOnStandbyUs: onStandby,
    vipOffActiveUs: offActive,
    duplicateVipUs,
    resumedUs: gap?.recovered === true ? gap.end : null,
    gapUs: gap?.us ?? null,
    gapWindowUs: gap === null ? null : [gap.start, gap.end],
    tally: mergeTallies(streams),
    streams,
    ...mergeMeasurements(events),
    timeline: timeline(all, fromUs, toUs, spec.bucketMs * 1000),
    transitions: [...active.transitions, ...standby.transitions].map((t) => ({ ...t, atUs: t.atUs - faultAt })).sort((a, b) => a.atUs - b.atUs),
    sources,
    unsolicitedDropped: unsolicited,
    ...(thawAtUs === undefined ? {} : { thawAtUs, thawGapUs: thawGap?.us ?? null }),
  };
}
