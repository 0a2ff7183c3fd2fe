/**
 * One instance's cold path, timed phase by phase: namespace, container link,
 * strategy attach, runtime start (the probe process), first connect, first
 * response. Each phase is a span on the shared monotonic clock; the gaps
 * between them are queueing behind other instances of the same burst.
 */
import { nowMicros } from '../clock.js';
import { ColdpathError } from '../errors.js';
import { ProbeProcess } from '../probes/probe-process.js';
import type { InstanceResult, Span } from '../results/types.js';
import type { Strategy, Target } from '../strategies/types.js';
import { containerLinkPlan, instanceLayout, namespacePlan, type InstanceLayout } from '../topology/instance-plan.js';
import type { EngineContext } from './context.js';

/** Generous bounds: a 2-CPU machine starting 128 Node.js processes at once needs seconds. */
const PROBE_READY_TIMEOUT_MS = 60_000;

export interface LiveInstance {
  layout: InstanceLayout;
  hostIndex: number;
  /** Namespace created (must be deleted). */
  created: boolean;
  attached: boolean;
  probe?: ProbeProcess;
}

export async function coldStart(
  ctx: EngineContext,
  strategy: Strategy,
  target: Target,
  t0: number,
  cpus: readonly number[],
): Promise<{ result: InstanceResult; live: LiveInstance | undefined }> {
  const allocation = ctx.pods.allocate();
  if (allocation === undefined) {
    return {
      result: { id: -1, host: '', outcome: 'failed', reason: 'setup-error', message: 'no free pod address on any function host', spans: [], modeled: [], modeledTotalUs: 0 },
      live: undefined,
    };
  }
  const layout = instanceLayout(ctx.layout, allocation.id, allocation.hostIndex, allocation.slot);
  const live: LiveInstance = { layout, hostIndex: allocation.hostIndex, created: false, attached: false };
  const spans: Span[] = [];
  const rel = (us: number): number => us - t0;
  const base = { id: layout.id, host: layout.host.node, modeled: [], modeledTotalUs: 0 };
  const failed = (reason: InstanceResult['reason'] & string, message: string): { result: InstanceResult; live: LiveInstance } => ({
    result: { ...base, outcome: 'failed', reason, message, spans },
    live,
  });
  try {
    if (ctx.signal.aborted) return failed('aborted', 'run interrupted');
    live.created = true;
    const ns = await ctx.driver.apply(namespacePlan(layout));
    spans.push({ phase: 'namespace', startUs: rel(ns.startUs), endUs: rel(ns.endUs) });
    const link = await ctx.driver.apply(containerLinkPlan(layout));
    spans.push({ phase: 'container-link', startUs: rel(link.startUs), endUs: rel(link.endUs) });

    const attach = strategy.attach(layout);
    if (!attach.ok) return failed(attach.reason, attach.message);
    live.attached = true;
    const attached = await ctx.driver.apply(attach.plan);
    spans.push({ phase: 'strategy-attach', startUs: rel(attached.startUs), endUs: rel(attached.endUs) });
    if (ctx.signal.aborted) return failed('aborted', 'run interrupted');

    const probe = new ProbeProcess({
      netns: ctx.driver.netnsOf(layout.node),
      args: { first: { host: target.address, port: target.httpPort, path: '/', timeoutMs: ctx.scenario.burst.firstRequestTimeoutMs } },
      cpus,
      onSpawn: (pid, argv) => ctx.driver.ledger.append({ t: 'process', netns: ctx.driver.netnsOf(layout.node), pid, argv }),
      label: `probe of instance ${layout.id}`,
    });
    live.probe = probe;
    const readyAt = await probe.ready(PROBE_READY_TIMEOUT_MS);
    spans.push({ phase: 'runtime-start', startUs: rel(probe.spawnedAt), endUs: rel(readyAt) });
    const first = await probe.first(ctx.scenario.burst.firstRequestTimeoutMs + PROBE_READY_TIMEOUT_MS);
    if (!first.ok) return failed('first-request', `first request to ${target.address}:${target.httpPort} failed: ${first.errorKind}: ${first.message}`);
    spans.push({ phase: 'first-connect', startUs: rel(first.connectStart), endUs: rel(first.connected) });
    spans.push({ phase: 'first-response', startUs: rel(first.connected), endUs: rel(first.firstByte) });
    const totalUs = rel(first.responseEnd);
    const busy = spans.reduce((sum, span) => sum + (span.endUs - span.startUs), 0);
    spans.unshift({ phase: 'queued', startUs: 0, endUs: Math.max(0, totalUs - busy) });
    const networkUs = spans
      .filter((span) => span.phase !== 'queued' && span.phase !== 'runtime-start')
      .reduce((sum, span) => sum + (span.endUs - span.startUs), 0);
    return {
      result: {
        ...base,
        outcome: 'ok',
        localAddress: first.localAddress,
        synRetransmits: first.synRetransmits,
        expectedSource: attach.expectedSource,
        spans,
        totalUs,
        networkUs,
      },
      live,
    };
  } catch (error) {
    const message = error instanceof ColdpathError ? error.message : error instanceof Error ? error.message : String(error);
    return failed(ctx.signal.aborted ? 'aborted' : 'setup-error', message);
  }
}

/** Stops probes, deletes namespaces in one batch, returns addresses and quota. */
export async function stopInstances(ctx: EngineContext, strategy: Strategy, instances: readonly LiveInstance[]): Promise<void> {
  await Promise.all(instances.map((instance) => instance.probe?.stop()));
  const created = instances.filter((instance) => instance.created);
  if (created.length > 0) {
    await ctx.driver.apply({ title: 'instances: delete', ops: created.map((instance) => ({ kind: 'node.del', node: instance.layout.node })) });
  }
  for (const instance of instances) {
    if (instance.attached) strategy.release(instance.layout);
    ctx.pods.release(instance.layout.id, instance.hostIndex);
  }
}

/** Monotonic now, for burst t0. */
export const burstClock = nowMicros;
