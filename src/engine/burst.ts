/**
 * A burst: K instances cold-started at once through one path. Records every
 * instance's timeline, the modeled control-plane steps (virtual time, apart),
 * failures by reason and the resources the path holds at K instances.
 */
import pLimit from 'p-limit';
import { nowMicros } from '../clock.js';
import { censusDelta, takeCensus, type CensusScope, type KernelCensus } from '../kernel/census.js';
import { conntrackCount } from '../kernel/inspect.js';
import { createHistogram, decodeHistogram, encodeHistogram, recordMicros, summarize } from '../metrics/histogram.js';
import type { ModeledPhaseId } from '../model/profiles.js';
import { OCI_PHASES, phasesPresent, type BurstResult, type InstanceResult, type OptionalPhase } from '../results/types.js';
import type { Strategy, Target } from '../strategies/types.js';
import type { Scenario } from '../scenario/schema.js';
import type { EngineContext } from './context.js';
import { firstRequest, resultOf, setUpNetwork, startRuntime, type LiveInstance } from './instance.js';
import type { RealServer } from './real-servers/types.js';

export interface BurstOutcome {
  result: BurstResult;
  live: LiveInstance[];
}

export async function runBurst(
  ctx: EngineContext,
  strategy: Strategy,
  target: Target,
  options: {
    size: number;
    repetition: number;
    modeledCalls: readonly ModeledPhaseId[];
    conntrackNodes: readonly string[];
    /** false for the warm instances: started the same way, not reported as a burst. */
    record: boolean;
    /** What the run's namespaces held before the path's prewarm: the burst records what it holds beyond that. */
    censusBefore?: KernelCensus;
    /** `burst.firstRequest: service`: the real server every instance's first request goes to, with its client. */
    firstServer?: RealServer;
  },
): Promise<BurstOutcome> {
  const { size, repetition } = options;
  if (options.record) ctx.events.emit({ type: 'burst-start', strategy: strategy.name, repetition, size });
  const started = performance.now();
  const t0 = nowMicros();
  const cpus = options.record ? ctx.placement.burstProbes : ctx.placement.probes;
  let done = 0;
  const report = (live: LiveInstance | undefined): void => {
    done++;
    if (options.record) ctx.events.emit({ type: 'instance-done', strategy: strategy.name, repetition, size, done, ok: live?.result !== undefined && live.failure === undefined });
  };
  let lives: Array<LiveInstance | undefined>;
  if (ctx.scenario.burst.mode === 'pipelined') {
    lives = await Promise.all(
      Array.from({ length: size }, async () => {
        const live = await setUpNetwork(ctx, strategy, t0);
        if (live !== undefined) {
          // A real server's first request goes on stdin once the probe is ready (never in its arguments).
          const server = options.firstServer;
          await startRuntime(ctx, live, t0, cpus, server === undefined ? target : undefined);
          await firstRequest(ctx, live, target, t0, server === undefined, server);
        }
        report(live);
        return live;
      }),
    );
  } else {
    // Staged: network for all, then every runtime, then every first request; each stage
    // with at most `parallelism` instances in flight, like a host agent with bounded workers.
    const limit = pLimit(ctx.scenario.burst.parallelism);
    lives = await Promise.all(Array.from({ length: size }, () => limit(() => setUpNetwork(ctx, strategy, t0))));
    const present = lives.filter((live): live is LiveInstance => live !== undefined);
    await Promise.all(present.map((live) => limit(() => startRuntime(ctx, live, t0, cpus))));
    await Promise.all(
      present.map((live) =>
        limit(async () => {
          await firstRequest(ctx, live, target, t0, false, options.firstServer);
          report(live);
        }),
      ),
    );
  }
  const wallMs = performance.now() - started;
  const live = lives.filter((item): item is LiveInstance => item !== undefined);
  const instances: InstanceResult[] = [
    ...live.map(resultOf),
    ...lives
      .filter((item) => item === undefined)
      .map((): InstanceResult => ({ id: -1, host: '', outcome: 'failed', reason: 'setup-error', message: 'no free pod address on any function host', spans: [], modeled: [], modeledTotalUs: 0 })),
  ];

  // Modeled control plane: every instance that reached its attach step made the calls.
  const callers = instances.filter((instance) => instance.outcome === 'ok' || (instance.reason !== 'eni-quota' && instance.reason !== 'subnet-exhausted'));
  const modeled = options.modeledCalls.length > 0 ? ctx.model.burst(callers.length, options.modeledCalls) : [];
  callers.forEach((instance, index) => {
    instance.modeled = modeled[index] ?? [];
    instance.modeledTotalUs = instance.modeled.reduce((sum, step) => sum + step.throttleUs + step.durationUs, 0);
  });

  const failures: BurstResult['failures'] = {};
  for (const instance of instances) {
    if (instance.outcome === 'failed' && instance.reason !== undefined) failures[instance.reason] = (failures[instance.reason] ?? 0) + 1;
  }
  const ok = instances.filter((instance) => instance.outcome === 'ok');
  const result: BurstResult = {
    size,
    t0Us: t0,
    wallMs,
    instances,
    failures,
    resources: { ...strategy.resources(ok.length), instances: ok.length, conntrackEntries: await conntrackEntries(ctx, options.conntrackNodes) },
    histograms: histogramsOf(ok, ctx.scenario.instances),
  };
  // Counted while the instances are alive, after everything timed.
  if (options.censusBefore !== undefined) result.kernelHeld = censusDelta(await runCensus(ctx), options.censusBefore);
  if (options.record) {
    // histogramsOf always writes `total`.
    const total = summarize(decodeHistogram(result.histograms['total'] as string));
    ctx.events.emit({ type: 'burst-done', strategy: strategy.name, repetition, size, p50Us: total.p50, p99Us: total.p99, failed: size - ok.length });
  }
  return { result, live };
}

/**
 * Histograms of the phases the instances recorded: with `runtime: oci` the OCI runtime's phases too, with `network: cni`
 * the CNI ADD in place of the container link (a process run wired by coldpath keeps the keys it always had).
 */
function histogramsOf(ok: readonly InstanceResult[], instances: Scenario['instances']): Record<string, string> {
  // A real server's first-request phases where an instance recorded them.
  const spans = new Set(ok.flatMap((instance) => instance.spans.map((span) => span.phase)));
  const recorded = (phase: OptionalPhase): boolean => {
    if (phase === 'container-link') return instances.network !== 'cni';
    if (phase === 'cni-add') return instances.network === 'cni';
    if ((OCI_PHASES as readonly string[]).includes(phase)) return instances.runtime === 'oci';
    return spans.has(phase);
  };
  const histograms: Record<string, string> = {};
  const add = (name: string, values: number[]): void => {
    const histogram = createHistogram('coldstart');
    for (const value of values) recordMicros(histogram, value);
    histograms[name] = encodeHistogram(histogram);
  };
  for (const phase of phasesPresent(recorded)) {
    add(
      phase,
      ok.flatMap((instance) => instance.spans.filter((span) => span.phase === phase).map((span) => span.endUs - span.startUs)),
    );
  }
  add(
    'total',
    ok.map((instance) => instance.totalUs ?? 0),
  );
  add(
    'network',
    ok.map((instance) => instance.networkUs ?? 0),
  );
  add(
    'modeled',
    ok.filter((instance) => instance.modeled.length > 0).map((instance) => instance.modeledTotalUs),
  );
  return histograms;
}

/** Connection-tracking entries in the namespaces that NAT for this path. */
async function conntrackEntries(ctx: EngineContext, nodes: readonly string[]): Promise<number | null> {
  if (nodes.length === 0) return null;
  let total = 0;
  for (const node of nodes) {
    const count = await conntrackCount(ctx.driver.inNode(node));
    if (count === null) return null;
    total += count;
  }
  return total;
}

/** What the run's namespaces hold now, counted from the kernel (the user VPC located by the layout). */
export async function runCensus(ctx: EngineContext): Promise<KernelCensus> {
  const scope: CensusScope = { userCidr: ctx.layout.user.cidr, userBridge: { node: ctx.layout.user.node, dev: ctx.layout.user.bridge } };
  const nodes = await ctx.driver.liveNodes();
  return takeCensus(
    nodes.map((node) => ({ node, inNode: ctx.driver.inNode(node) })),
    scope,
  );
}
