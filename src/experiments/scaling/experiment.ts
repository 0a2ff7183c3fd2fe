/**
 * Pool scaling (kind `scaling`): function instances send a load profile
 * through a proxy pool whose size a controller sets from a policy (target
 * load per proxy, min/max, cooldowns). Scale-out provisions a proxy (node,
 * ENI, tunnels and policy routes on the hosts) and puts it into the hosts'
 * flow-pinning map; scale-in takes a proxy out of the map first (drain: its
 * established flows stay on it) and removes it when it has no flows left or
 * the drain timeout is over. Measured: reaction time from the threshold
 * crossing to the new proxy carrying its first flow, latency and errors
 * through it all, proxies over time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { nowMicros } from '../../clock.js';
import { mergeMeasurements } from '../../metrics/histogram.js';
import { PROXY_TABLE } from '../../strategies/gre-proxy.js';
import { addProxyPlan, NEW_FLOWS_COUNTER, pinPlan, poolHostsPlan, poolHostsTeardown, poolMark, poolShape, removeProxyPlan, type PoolShape } from './proxy-pool.js';
import type { StrategyContext } from '../../strategies/types.js';
import type { ProxyLayout } from '../../topology/layout.js';
import { plan } from '../../topology/ops.js';
import { mergeTallies, pointsOf, tally, timeline, type RequestPoint } from '../analysis.js';
import type { ExperimentContext } from '../context.js';
import { freshResult, type Experiment } from '../experiment.js';
import { conntrackTcp, readCounters } from '../../kernel/inspect.js';
import { pause, startStreams, unsentTally } from '../load.js';
import { desiredProxies } from './policy.js';
import type { ScalingSpec } from '../../scenario/experiments.js';
import { scalingReport } from './report.js';
import type { ScalingEvent, ScalingMeasured, ScalingResult } from '../types.js';

const WARMUP_MS = 300;

interface Member {
  proxy: ProxyLayout;
  state: 'serving' | 'draining';
  drainSince?: number;
  /** Last reading of its metric counter, and when. */
  count: number;
  at: number;
}

export const scaling: Experiment<ScalingSpec, ScalingResult> = {
  kind: 'scaling',
  preflight: () => {},
  describe: (_ctx, spec) => freshResult(spec),
  run: runScaling,
  report: scalingReport,
};

async function runScaling(ctx: ExperimentContext, spec: ScalingSpec, result: ScalingResult): Promise<void> {
  const sctx = ctx.strategy;
  const shape = poolShape(sctx);
  const members: Member[] = [];
  // Every proxy slot a plan was applied for, complete or not: teardown removes them all.
  const touched = new Set<ProxyLayout>();
  const { driver } = ctx;
  ctx.removeAtEnd({ plan: poolHostsTeardown(sctx) });
  ctx.removeAtEnd(() => ({
    plan: plan(
      'scaling: remove the pool',
      [...touched].flatMap((proxy) => removeProxyPlan(sctx, shape, proxy).ops),
    ),
    killIn: [...touched].map((p) => p.node),
  }));
  ctx.say(`scaling: pool of ${spec.policy.min}–${spec.policy.max} proxies, target ${spec.policy.targetPerProxy} ${spec.policy.metric} per proxy`);
  await driver.apply(poolHostsPlan(sctx, shape));
  for (let i = 0; i < spec.policy.min; i++) members.push(await provision(ctx, sctx, shape, members, touched));
  await driver.apply(pinPlan(ctx.layout, serving(members)));
  const instances = await ctx.addInstances(spec.load.instances);
  const share = spec.load.instances;
  const streams = startStreams(
    ctx,
    instances.map((instance) => ({
      instance,
      spec: {
        metric: spec.load.metric,
        rate: (spec.load.stages[0]?.rate ?? 1) / share,
        concurrency: spec.load.concurrency,
        stages: spec.load.stages.map((s) => ({ rate: s.rate / share, requests: Math.max(1, Math.round(((s.rate / share) * s.durationMs) / 1000)) })),
      },
    })),
    { durationMs: spec.load.stages.reduce((sum, s) => sum + s.durationMs, 0), warmupMs: WARMUP_MS, timeoutMs: spec.timeoutMs },
  );
  const ref = streams.measuredFrom;
  const controller = new Controller(ctx, sctx, shape, spec, members, touched, ref);
  let loadDone = false;
  const done = streams.results.finally(() => {
    loadDone = true;
  });
  while (!loadDone && !ctx.signal.aborted) {
    await controller.tick();
    await Promise.race([
      pause(ctx, spec.policy.intervalMs),
      done.then(
        () => undefined,
        () => undefined,
      ),
    ]);
  }
  const events = await done;
  await controller.settle();
  const points: RequestPoint[] = events.flatMap((event) => (event.trace === undefined ? [] : pointsOf(event.trace, ref)));
  const tallies = events.map((event, i) =>
    mergeTallies([tally(event.trace === undefined ? [] : pointsOf(event.trace, ref)), unsentTally(streams.expected[i] ?? 0, event.trace?.requests.length ?? 0)]),
  );
  const endUs = Math.max(spec.load.stages.reduce((sum, s) => sum + s.durationMs, 0) * 1000, ...points.map((p) => p.done)) + 1;
  const eni = ctx.model.burst(1, ['proxy.eni'])[0] ?? [];
  const measured: ScalingMeasured = {
    events: controller.events,
    proxiesOverTime: controller.proxiesOverTime,
    metricOverTime: controller.metricOverTime,
    reactionUs: controller.events.flatMap((e) => (e.reactionUs === undefined ? [] : [e.reactionUs])),
    modeledEniUs: eni.reduce((sum, step) => sum + step.throttleUs + step.durationUs, 0),
    tally: mergeTallies(tallies),
    histogram: mergeMeasurements(events).histogram,
    timeline: timeline(points, 0, endUs, spec.bucketMs * 1000),
    atMax: controller.atMax,
    peakProxies: Math.max(0, ...controller.proxiesOverTime.map(([, serving, draining]) => serving + draining)),
    stageStartsUs: stageStarts(spec),
  };
  result.measured = measured;
  result.notes.push(
    `Reaction time counts from the controller seeing the threshold crossed (it samples every ${spec.policy.intervalMs} ms, so add up to that from the load change) to the first new flow counted on the new proxy. A real scale-out also waits for the proxy's ENI (modeled here: ${Math.round(measured.modeledEniUs / 1000)} ms, not slept).`,
    'New flows are pinned with a conntrack mark and policy routing on the hosts: established flows keep their proxy when the pool changes; only new flows move.',
  );
  if (measured.atMax !== null) result.notes.push(`The policy wanted ${measured.atMax.desired} proxies but max is ${spec.policy.max}: the pool stayed at its maximum while the load lasted.`);
}

const serving = (members: readonly Member[]): ProxyLayout[] =>
  members
    .filter((m) => m.state === 'serving')
    .map((m) => m.proxy)
    .sort((a, b) => a.index - b.index);

/** Start of each load stage, µs after the start of measured load. */
function stageStarts(spec: ScalingSpec): number[] {
  let at = 0;
  return spec.load.stages.map((stage) => {
    const start = at;
    at += stage.durationMs * 1000;
    return start;
  });
}

/** Builds the lowest free proxy slot and the hosts' way to it (not yet taking new flows). */
async function provision(ctx: ExperimentContext, sctx: StrategyContext, shape: PoolShape, members: readonly Member[], touched: Set<ProxyLayout>): Promise<Member> {
  const used = new Set(members.map((m) => m.proxy.index));
  const proxy = ctx.layout.proxies.find((p) => !used.has(p.index));
  if (proxy === undefined) throw new Error('no free proxy slot');
  touched.add(proxy);
  await ctx.driver.apply(addProxyPlan(sctx, shape, proxy));
  const counters = await readCounters(ctx.driver.inNode(proxy.node), PROXY_TABLE);
  return { proxy, state: 'serving', count: counters[NEW_FLOWS_COUNTER] ?? 0, at: nowMicros() };
}

/** The scaling controller: samples the pool's metric and acts on the policy. */
class Controller {
  readonly events: ScalingEvent[] = [];
  readonly proxiesOverTime: Array<[number, number, number]> = [];
  readonly metricOverTime: Array<[number, number]> = [];
  atMax: { firstAtUs: number; desired: number } | null = null;
  private lastAction = Number.NEGATIVE_INFINITY;
  private crossedAt: number | undefined;
  private wasAtMax = false;
  private readonly watchers: Array<Promise<void>> = [];

  constructor(
    private readonly ctx: ExperimentContext,
    private readonly sctx: StrategyContext,
    private readonly shape: PoolShape,
    private readonly spec: ScalingSpec,
    private readonly members: Member[],
    private readonly touched: Set<ProxyLayout>,
    private readonly ref: number,
  ) {}

  private rel(at: number): number {
    return at - this.ref;
  }

  async tick(): Promise<void> {
    const { policy } = this.spec;
    const now = nowMicros();
    const total = await this.sample();
    const active = serving(this.members).length;
    const draining = this.members.length - active;
    const wanted = desiredProxies(total, policy);
    this.metricOverTime.push([this.rel(now), round(total)]);
    this.proxiesOverTime.push([this.rel(now), active, draining]);
    if (wanted.unbounded > policy.max) {
      if (!this.wasAtMax) {
        this.events.push({ atUs: this.rel(now), action: 'at-max', metric: round(total), desired: wanted.unbounded, serving: active });
        this.atMax ??= { firstAtUs: this.rel(now), desired: wanted.unbounded };
        if (this.atMax.desired < wanted.unbounded) this.atMax.desired = wanted.unbounded;
      }
      this.wasAtMax = true;
    } else {
      this.wasAtMax = false;
    }
    if (wanted.desired > active) {
      this.crossedAt ??= now;
      if (now - this.lastAction >= policy.scaleOutCooldownMs * 1000) await this.scaleOut(total, wanted.desired, active);
    } else {
      this.crossedAt = undefined;
      if (wanted.desired < active && now - this.lastAction >= policy.scaleInCooldownMs * 1000) await this.drainOne(total, wanted.desired, active);
    }
    await this.finishDrains(total, wanted.desired);
  }

  /** Waits for first-traffic watchers; removes proxies still draining at the end of the load. */
  async settle(): Promise<void> {
    await Promise.all(this.watchers);
  }

  /** Metric total over the pool: new flows per second (counter deltas) or established flows. */
  private async sample(): Promise<number> {
    const { driver } = this.ctx;
    let total = 0;
    for (const member of this.members) {
      const proxy = driver.inNode(member.proxy.node);
      if (this.spec.policy.metric === 'activeConnections') {
        total += (await conntrackTcp(proxy)).byState['ESTABLISHED'] ?? 0;
        continue;
      }
      const at = nowMicros();
      const count = (await readCounters(proxy, PROXY_TABLE))[NEW_FLOWS_COUNTER] ?? member.count;
      if (at > member.at) total += ((count - member.count) * 1_000_000) / (at - member.at);
      member.count = count;
      member.at = at;
    }
    return total;
  }

  private async scaleOut(total: number, desired: number, active: number): Promise<void> {
    const crossedAt = this.crossedAt ?? nowMicros();
    const draining = this.members.filter((m) => m.state === 'draining').sort((a, b) => a.proxy.index - b.proxy.index)[0];
    const started = nowMicros();
    let member: Member;
    if (draining !== undefined) {
      // Cheaper than a new proxy: take a draining one back.
      draining.state = 'serving';
      delete draining.drainSince;
      member = draining;
    } else {
      if (this.members.length >= this.spec.policy.max) return;
      member = await provision(this.ctx, this.sctx, this.shape, this.members, this.touched);
      this.members.push(member);
    }
    await this.ctx.driver.apply(pinPlan(this.ctx.layout, serving(this.members)));
    const ready = nowMicros();
    const event: ScalingEvent = {
      atUs: this.rel(ready),
      action: 'scale-out',
      proxy: member.proxy.node,
      metric: round(total),
      desired,
      serving: active,
      waitedUs: started - crossedAt,
      provisionUs: ready - started,
    };
    this.events.push(event);
    this.lastAction = ready;
    this.crossedAt = undefined;
    this.watchers.push(this.watchFirstFlow(member, crossedAt, event));
  }

  /** Polls the new proxy's flow counter until it moves: the proxy carries traffic. */
  private async watchFirstFlow(member: Member, crossedAt: number, event: ScalingEvent): Promise<void> {
    const proxy = this.ctx.driver.inNode(member.proxy.node);
    const base = (await readCounters(proxy, PROXY_TABLE))[NEW_FLOWS_COUNTER] ?? 0;
    const deadline = nowMicros() + 10_000_000;
    while (nowMicros() < deadline && !this.ctx.signal.aborted) {
      const count = (await readCounters(proxy, PROXY_TABLE))[NEW_FLOWS_COUNTER];
      if (count === undefined) return; // removed meanwhile
      if (count > base) {
        event.reactionUs = nowMicros() - crossedAt;
        return;
      }
      await sleep(5);
    }
  }

  private async drainOne(total: number, desired: number, active: number): Promise<void> {
    // Last in, first out: the first proxy (the hosts' fallback route) stays.
    const victim = this.members.filter((m) => m.state === 'serving' && m.proxy.index !== 0).sort((a, b) => b.proxy.index - a.proxy.index)[0];
    if (victim === undefined) return;
    victim.state = 'draining';
    victim.drainSince = nowMicros();
    await this.ctx.driver.apply(pinPlan(this.ctx.layout, serving(this.members)));
    this.events.push({ atUs: this.rel(nowMicros()), action: 'drain', proxy: victim.proxy.node, metric: round(total), desired, serving: active });
    this.lastAction = nowMicros();
  }

  /** Removes draining proxies that have no established flow left, or whose drain timeout is over. */
  private async finishDrains(total: number, desired: number): Promise<void> {
    const draining = this.members.filter((m) => m.state === 'draining');
    if (draining.length === 0) return;
    const { driver, layout } = this.ctx;
    const byMark: Record<string, number> = {};
    for (const h of layout.hosts) {
      for (const [mark, count] of Object.entries((await conntrackTcp(driver.inNode(h.node))).establishedByMark)) byMark[mark] = (byMark[mark] ?? 0) + count;
    }
    for (const member of draining) {
      const flows = byMark[`0x${poolMark(member.proxy.index).toString(16)}`] ?? 0;
      const expired = nowMicros() - (member.drainSince ?? 0) >= this.spec.policy.drainTimeoutMs * 1000;
      if (flows > 0 && !expired) continue;
      await driver.apply(removeProxyPlan(this.sctx, this.shape, member.proxy));
      this.members.splice(this.members.indexOf(member), 1);
      this.touched.delete(member.proxy);
      this.events.push({
        atUs: this.rel(nowMicros()),
        action: 'remove',
        proxy: member.proxy.node,
        metric: round(total),
        desired,
        serving: serving(this.members).length,
        drained: flows === 0,
        flowsCut: flows,
      });
    }
  }
}

const round = (value: number): number => Math.round(value * 10) / 10;
