/**
 * One block: one path measured in one repetition. The path's shared objects
 * are built (prewarm), bursts cold-start instances, the path's warm instances
 * are measured (started in its first block, kept warm afterwards), the
 * reference instrument measures the same container and service, the user
 * service proves which path the traffic took, and the shared objects are
 * removed again — so that the next block, of another path, starts from the
 * same base topology. Between stages the engine settles (settle.ts).
 */
import { ColdpathError, isColdpathError } from '../errors.js';
import { decodeHistogram, summarize } from '../metrics/histogram.js';
import { pinThreads } from '../exec/pin-threads.js';
import type { RepetitionResult, SettleResult } from '../results/types.js';
import type { ServiceProcess } from '../services/service-process.js';
import type { Target } from '../strategies/types.js';
import { runBurst, runCensus } from './burst.js';
import type { EngineContext } from './context.js';
import { stopInstances, type LiveInstance } from './instance.js';
import type { PathState } from './path-state.js';
import type { RealServer } from './real-servers/types.js';
import { holdReference } from './reference-client.js';
import { settle, type SettleRequest } from './settle.js';
import { withTestMisroute } from './test-hooks.js';
import { verifyServerView } from './verify-server.js';
import { verifyPath } from './verify.js';
import { measureWarm } from './warm.js';

export interface BlockContext {
  engine: EngineContext;
  services: ReadonlyMap<string, ServiceProcess>;
  /** The real server per service node (services of a kind other than builtin). */
  realServers: ReadonlyMap<string, RealServer>;
  /** Measure the reference in this block. */
  reference: boolean;
}

export async function measureBlock(block: BlockContext, path: PathState, repetition: number, slot: number): Promise<void> {
  const ctx = block.engine;
  const strategy = withTestMisroute(path.strategy, ctx.layout);
  const name = strategy.name;
  const prewarm = strategy.prewarm();
  if (!prewarm.ok) {
    path.fail(prewarm.reason, prewarm.message);
    return;
  }
  const target = strategy.target();
  const started = performance.now();
  const rep: RepetitionResult = { index: repetition, slot, bursts: [], warm: [], settles: [] };
  path.result.repetitions.push(rep);
  const settled = async (request: SettleRequest): Promise<void> => {
    const result = await settle(ctx, request);
    rep.settles?.push(result);
    emitSettle(ctx, name, result);
  };
  const service = block.services.get(target.serviceNode);
  const server = block.realServers.get(target.serviceNode);
  // burst.firstRequest: service — every instance's first request is the real server's connection and first query.
  const firstServer = ctx.scenario.burst.firstRequest === 'service' ? server : undefined;
  if (ctx.scenario.burst.firstRequest === 'service' && server === undefined) {
    throw new ColdpathError(`burst.firstRequest: service, but ${target.serviceName} runs no real server`, { kind: 'runtime', hint: 'services.0.kind: postgres or redis' });
  }
  await service?.reset();
  const natNodes = strategy.natNodes();
  const expectedSources = new Set<string>();
  const censusBefore = await runCensus(ctx);
  try {
    // Inside the try: a prewarm that fails half-way is torn down like a complete one.
    ctx.events.emit({ type: 'stage', message: `${name}: prewarm — ${prewarm.plan.title}` });
    const applied = await ctx.driver.apply(prewarm.plan);
    rep.prewarmUs = applied.endUs - applied.startUs;
    if (path.result.repetitions.length === 1) {
      path.result.prewarm = {
        measuredUs: rep.prewarmUs,
        modeled: prewarm.modeled.length === 0 ? [] : (ctx.model.burst(1, prewarm.modeled)[0] ?? []),
      };
    }
    for (const node of prewarm.longLivedNodes) ctx.driver.openSession(node);
    for (const size of ctx.scenario.burst.sizes) {
      if (ctx.signal.aborted) break;
      const burst = await runBurst(ctx, strategy, target, {
        size,
        repetition,
        modeledCalls: strategy.modeledColdPath,
        conntrackNodes: natNodes,
        record: true,
        censusBefore,
        ...(firstServer === undefined ? {} : { firstServer }),
      });
      rep.bursts.push(burst.result);
      for (const instance of burst.result.instances) if (instance.expectedSource !== undefined) expectedSources.add(instance.expectedSource);
      await settled({ after: `burst K=${size}`, lingering: await stopInstances(ctx, strategy, burst.live) });
    }
    if (ctx.signal.aborted) return;
    if (path.warm.length === 0) path.warm = await startWarmInstances(ctx, path, target, repetition, firstServer);
    for (const instance of path.warm) if (instance.expectedSource !== undefined) expectedSources.add(instance.expectedSource);
    // The reference client starts now and waits out sockperf's fixed start-up sleep while coldpath measures.
    const client = path.warm[0];
    const held = block.reference && client !== undefined && !ctx.signal.aborted ? await holdReference(ctx, client.layout.node, target.address) : undefined;
    try {
      rep.warm = await measureWarm(ctx, strategy, target, path.warm, repetition, server);
    } catch (error) {
      await held?.discard();
      throw error;
    }
    if (held !== undefined) {
      if (ctx.signal.aborted) await held.discard();
      else {
        rep.reference = await held.measure();
        emitReference(ctx, name, repetition, rep.reference);
      }
    }
    // A real server in the path proves it too, from its own view, while the path still exists.
    const serverView =
      ctx.signal.aborted || server === undefined
        ? undefined
        : await verifyServerView({ server, instances: path.warm, expectedSources, name: `coldpath-r${repetition}-${name}`, timeoutMs: ctx.scenario.workload.timeoutMs });
    rep.verification = await verifyPath(ctx, strategy, target, service, [...expectedSources], serverView);
  } finally {
    for (const node of prewarm.longLivedNodes) await ctx.driver.closeSession(node);
    await ctx.driver.apply(strategy.teardown());
    const surviving = natNodes.filter((node) => !prewarm.longLivedNodes.includes(node));
    await settled({ after: 'path teardown', flushConntrack: surviving });
    rep.wallMs = Math.round(performance.now() - started);
  }
}

/** The path's warm instances: cold-started like any other, then kept for every later block. */
async function startWarmInstances(ctx: EngineContext, path: PathState, target: Target, repetition: number, firstServer?: RealServer): Promise<LiveInstance[]> {
  const warm = await runBurst(ctx, path.strategy, target, {
    size: ctx.scenario.workload.instances,
    repetition,
    modeledCalls: path.strategy.modeledColdPath,
    conntrackNodes: [],
    record: false,
    ...(firstServer === undefined ? {} : { firstServer }),
  });
  const ready = warm.live.filter((instance) => warm.result.instances.find((r) => r.id === instance.layout.id)?.outcome === 'ok');
  const broken = warm.live.filter((instance) => !ready.includes(instance));
  if (broken.length > 0) await stopInstances(ctx, path.strategy, broken);
  if (ready.length === 0) {
    const failure = warm.result.instances[0];
    throw new ColdpathError(`${path.strategy.name}: no warm instance could start: ${failure?.message ?? 'unknown'}`, { kind: 'runtime' });
  }
  for (const instance of ready) {
    const pid = instance.probe?.pid;
    if (pid !== undefined) await pinThreads(pid, ctx.placement.probes, ctx.placement.helpers ?? []);
  }
  return ready;
}

/** Measures one block; an expected failure fails the path, which is then not measured again. */
export async function runBlock(block: BlockContext, path: PathState, repetition: number, slot: number): Promise<void> {
  try {
    await measureBlock(block, path, repetition, slot);
  } catch (error) {
    if (!isColdpathError(error)) throw error;
    const aborted = block.engine.signal.aborted;
    path.fail(aborted ? 'aborted' : 'setup-error', error.message, aborted ? 'aborted' : 'failed');
  }
}

function emitSettle(ctx: EngineContext, strategy: PathState['strategy']['name'], result: SettleResult): void {
  ctx.events.emit({
    type: 'settle',
    strategy,
    after: result.after,
    waitedMs: result.waitedMs,
    completed: result.completed,
    ...(result.pending === undefined ? {} : { pending: result.pending }),
  });
}

function emitReference(ctx: EngineContext, strategy: PathState['strategy']['name'], repetition: number, reference: RepetitionResult['reference']): void {
  if (reference?.outcome !== 'completed') {
    ctx.events.emit({ type: 'note', message: `${strategy}: reference measurement failed: ${reference?.outcome === 'errored' ? reference.message : 'unknown'}` });
    return;
  }
  const summary = summarize(decodeHistogram(reference.histogram));
  ctx.events.emit({ type: 'reference-done', strategy, repetition, p50Us: summary.p50, p99Us: summary.p99 });
}
