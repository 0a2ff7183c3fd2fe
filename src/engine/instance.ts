/**
 * One instance's cold path, in three steps the burst can run for all
 * instances at once or back to back: kernel set-up (namespace, container
 * link — or, with `instances.network: cni`, the CNI plugins' ADD — strategy
 * attach), runtime start (the probe, as a process or, with
 * `instances.runtime: oci`, as an OCI container: `oci-create`, `oci-start`,
 * then the probe's own start), first request (connect, then time to first
 * byte). Each phase is a span on the shared monotonic clock relative to the
 * burst's t0; gaps are queueing.
 */
import { ColdpathError } from '../errors.js';
import { ProbeProcess, probeArgv } from '../probes/probe-process.js';
import type { FirstRequestEvent, FirstRequestSpec, ProbeEvent } from '../probes/protocol.js';
import { startOciProbe } from '../probes/oci-container.js';
import { NETWORK_PHASES, type InstanceResult, type Span } from '../results/types.js';
import type { FailureReason, Strategy, Target } from '../strategies/types.js';
import { cniAdd, cniAttach, cniDel } from './cni-network.js';
import { containerLinkPlan, instanceDeletePlan, instanceLayout, namespacePlan, type InstanceLayout } from '../topology/instance-plan.js';
import { peerLinksOutside } from '../topology/ops.js';
import type { BridgeAttachment } from '../topology/cni-config.js';
import type { EngineContext } from './context.js';
import { ociRuntimeOf } from './oci-runtime.js';
import type { RealServer } from './real-servers/types.js';

/** Generous bound: a 2-CPU machine starting 128 Node.js processes at once needs seconds. */
const PROBE_READY_TIMEOUT_MS = 120_000;

/** An instance on its way through the cold path; `failure` ends it. */
export interface LiveInstance {
  layout: InstanceLayout;
  hostIndex: number;
  /** Namespace created (must be deleted). */
  created: boolean;
  /** CNI ADD ran (even if it failed half-way): DEL must run before the namespace goes. */
  cniAdded: boolean;
  /** The strategy's interface the CNI plugins made (network: cni, an ENI): DEL'd before the pod network. */
  cniAttachment?: BridgeAttachment;
  attached: boolean;
  probe?: ProbeProcess;
  spans: Span[];
  /** Peers of the instance's links in other nodes: gone once the kernel has reclaimed its namespace. */
  outerLinks: Array<{ node: string; dev: string }>;
  expectedSource?: string;
  failure?: { reason: FailureReason; message: string };
  result?: InstanceResult;
}

const failWith = (live: LiveInstance, reason: FailureReason, message: string): LiveInstance => {
  live.failure ??= { reason, message };
  return live;
};

const messageOf = (error: unknown): string => (error instanceof ColdpathError || error instanceof Error ? error.message : String(error));

/** Namespace, container link and strategy attach. Returns undefined when no pod address is free. */
export async function setUpNetwork(ctx: EngineContext, strategy: Strategy, t0: number): Promise<LiveInstance | undefined> {
  const allocation = ctx.pods.allocate();
  if (allocation === undefined) return undefined;
  const layout = instanceLayout(ctx.layout, allocation.id, allocation.hostIndex, allocation.slot);
  const live: LiveInstance = { layout, hostIndex: allocation.hostIndex, created: false, cniAdded: false, attached: false, spans: [], outerLinks: [] };
  const span = (phase: Span['phase'], timing: { startUs: number; endUs: number }): void => {
    live.spans.push({ phase, startUs: timing.startUs - t0, endUs: timing.endUs - t0 });
  };
  try {
    if (ctx.signal.aborted) return failWith(live, 'aborted', 'run interrupted');
    live.created = true;
    span('namespace', await ctx.driver.apply(namespacePlan(layout)));
    if (ctx.scenario.instances.network === 'cni') {
      live.cniAdded = true;
      const added = await cniAdd(ctx, layout);
      live.outerLinks.push(...added.hostLinks.map((dev) => ({ node: layout.host.node, dev })));
      span('cni-add', added);
    } else {
      const link = containerLinkPlan(layout);
      live.outerLinks.push(...peerLinksOutside(link, layout.node));
      span('container-link', await ctx.driver.apply(link));
    }
    const attach = strategy.attach(layout);
    if (!attach.ok) return failWith(live, attach.reason, attach.message);
    live.attached = true;
    live.expectedSource = attach.expectedSource;
    if (ctx.scenario.instances.network === 'cni' && attach.bridgeAttachment !== undefined) {
      // The plugins make the strategy's interface too (an ENI, as a VPC CNI attaches a branch interface).
      const attachment = attach.bridgeAttachment;
      live.cniAttachment = attachment;
      const added = await cniAttach(ctx, layout, attachment);
      live.outerLinks.push(...added.hostLinks.map((dev) => ({ node: attachment.node, dev })));
      span('strategy-attach', added);
    } else {
      live.outerLinks.push(...peerLinksOutside(attach.plan, layout.node));
      span('strategy-attach', await ctx.driver.apply(attach.plan));
    }
  } catch (error) {
    failWith(live, ctx.signal.aborted ? 'aborted' : 'setup-error', messageOf(error));
  }
  return live;
}

/** Starts the probe (the function's runtime) and waits until it reports ready. */
export async function startRuntime(ctx: EngineContext, live: LiveInstance, t0: number, cpus: readonly number[], firstNow?: Target): Promise<void> {
  // `firstNow`: the probe makes its first (HTTP) request at once, from its arguments. A real server's first request never
  // travels there (its password would show in `ps`): the engine sends it on stdin (firstRequest with started false).
  if (live.failure !== undefined) return;
  if (ctx.signal.aborted) {
    failWith(live, 'aborted', 'run interrupted');
    return;
  }
  const netns = ctx.driver.netnsOf(live.layout.node);
  const args = firstNow === undefined ? {} : { first: firstSpec(ctx, firstNow) };
  const label = `probe of instance ${live.layout.id}`;
  try {
    if (ctx.scenario.instances.runtime === 'oci') {
      // The container is named after the instance's namespace: unique in the run, recognisable in `crun list`.
      const started = await startOciProbe({ runtime: ociRuntimeOf(ctx), id: netns, netns, args, cpus, label });
      live.probe = started.probe;
      live.spans.push({ phase: 'oci-create', startUs: started.create.startUs - t0, endUs: started.create.endUs - t0 });
      live.spans.push({ phase: 'oci-start', startUs: started.start.startUs - t0, endUs: started.start.endUs - t0 });
      // The runtime's own start follows crun's: from `crun start` returning to the probe's ready line.
      const readyAt = await started.probe.ready(PROBE_READY_TIMEOUT_MS);
      live.spans.push({ phase: 'runtime-start', startUs: started.start.endUs - t0, endUs: Math.max(readyAt, started.start.endUs) - t0 });
      return;
    }
    const probe = new ProbeProcess(await ctx.driver.spawnIn<ProbeEvent>(live.layout.node, probeArgv(args), { cpus, label }));
    live.probe = probe;
    const readyAt = await probe.ready(PROBE_READY_TIMEOUT_MS);
    // The probe's stamps are its machine's clock: t0 is taken there too (through the clock estimate across machines).
    const t0There = ctx.driver.clockOf(live.layout.node).fromCoordinator(t0);
    live.spans.push({ phase: 'runtime-start', startUs: probe.spawnedAt - t0There, endUs: readyAt - t0There });
  } catch (error) {
    failWith(live, ctx.signal.aborted ? 'aborted' : 'setup-error', messageOf(error));
  }
}

function firstSpec(ctx: EngineContext, target: Target, server?: RealServer): FirstRequestSpec {
  const timeoutMs = ctx.scenario.burst.firstRequestTimeoutMs;
  // burst.firstRequest: service — the real server's port, with what its client needs.
  if (server !== undefined) return { host: target.address, port: server.port, path: '/', timeoutMs, ...server.requestSpec() };
  return { host: target.address, port: target.httpPort, path: '/', timeoutMs };
}

/**
 * The first connection and request; `started` when the probe began it by
 * itself. With `server` (`burst.firstRequest: service`) it is that server's
 * connection and first query, in phases: `client-load`, `first-connect`,
 * `first-tls` (PostgreSQL), `first-auth`, `first-query`.
 */
export async function firstRequest(ctx: EngineContext, live: LiveInstance, target: Target, t0: number, started: boolean, server?: RealServer): Promise<void> {
  const probe = live.probe;
  if (live.failure !== undefined || probe === undefined) return;
  const port = server?.port ?? target.httpPort;
  try {
    const first = await probe.first(ctx.scenario.burst.firstRequestTimeoutMs + 10_000, started ? undefined : firstSpec(ctx, target, server));
    if (!first.ok) {
      failWith(live, 'first-request', `first request to ${target.address}:${port} failed: ${first.errorKind}: ${first.message}`);
      return;
    }
    const t0There = ctx.driver.clockOf(live.layout.node).fromCoordinator(t0);
    live.spans.push(...firstSpans(first, t0There));
    const totalUs = first.responseEnd - t0There;
    const busy = live.spans.reduce((sum, s) => sum + (s.endUs - s.startUs), 0);
    const spans: Span[] = [{ phase: 'queued', startUs: 0, endUs: Math.max(0, totalUs - busy) }, ...live.spans];
    live.result = {
      id: live.layout.id,
      host: live.layout.host.node,
      outcome: 'ok',
      localAddress: first.localAddress,
      synRetransmits: first.synRetransmits,
      ...(live.expectedSource === undefined ? {} : { expectedSource: live.expectedSource }),
      spans,
      totalUs,
      networkUs: spans.filter((s) => (NETWORK_PHASES as readonly string[]).includes(s.phase)).reduce((sum, s) => sum + (s.endUs - s.startUs), 0),
      modeled: [],
      modeledTotalUs: 0,
    };
  } catch (error) {
    failWith(live, ctx.signal.aborted ? 'aborted' : 'first-request', messageOf(error));
  }
}

/**
 * The first request's spans (µs relative to `t0`): `first-connect` and
 * `first-response` for HTTP; for a real server's first request
 * (`burst.firstRequest: service`) `client-load`, `first-connect`,
 * `first-tls` (PostgreSQL), `first-auth`, `first-query`, back to back.
 */
export function firstSpans(first: Extract<FirstRequestEvent, { ok: true }>, t0: number): Span[] {
  const spans: Span[] = [];
  const span = (phase: Span['phase'], startUs: number, endUs: number): void => {
    spans.push({ phase, startUs: startUs - t0, endUs: endUs - t0 });
  };
  const service = first.service;
  if (service === undefined) {
    span('first-connect', first.connectStart, first.connected);
    span('first-response', first.connected, first.firstByte);
    return spans;
  }
  span('client-load', service.loadStart, service.loaded);
  span('first-connect', first.connectStart, first.connected);
  if (service.tlsDone !== undefined) span('first-tls', first.connected, service.tlsDone);
  span('first-auth', service.tlsDone ?? first.connected, service.authDone);
  span('first-query', service.authDone, first.responseEnd);
  return spans;
}

/** The instance's result, successful or not. */
export function resultOf(live: LiveInstance): InstanceResult {
  if (live.result !== undefined && live.failure === undefined) return live.result;
  return {
    id: live.layout.id,
    host: live.layout.host.node,
    outcome: 'failed',
    reason: live.failure?.reason ?? 'setup-error',
    message: live.failure?.message ?? 'unknown failure',
    spans: live.spans,
    modeled: [],
    modeledTotalUs: 0,
  };
}

/**
 * Stops probes (a container probe: EOF, `crun delete`, its bundle), runs the
 * CNI DEL of instances whose network the plugins made (the address's IPAM
 * file goes, the veth with it), deletes namespaces in one batch, returns
 * addresses and quota. A failing DEL does not stop the teardown (it becomes a
 * note): the namespace's deletion removes the veth, and the IPAM files live in
 * the run's directory, removed with it.
 * Returns the links that vanish once the kernel has reclaimed the namespaces (see settle.ts).
 */
export async function stopInstances(ctx: EngineContext, strategy: Strategy, instances: readonly LiveInstance[]): Promise<Array<{ node: string; dev: string }>> {
  await Promise.all(instances.map((instance) => instance.probe?.stop()));
  const dels = await Promise.allSettled(instances.filter((instance) => instance.cniAdded).map((instance) => cniDel(ctx, instance.layout, instance.cniAttachment)));
  const created = instances.filter((instance) => instance.created);
  if (created.length > 0) await ctx.driver.apply(instanceDeletePlan(created.map((instance) => instance.layout)));
  for (const instance of instances) {
    if (instance.attached) strategy.release(instance.layout);
    ctx.pods.release(instance.layout.id, instance.hostIndex);
  }
  // A DEL that failed left at most an IPAM file in the run's directory (removed with it): said, not fatal.
  for (const outcome of dels) if (outcome.status === 'rejected') ctx.events.emit({ type: 'note', message: `CNI DEL: ${messageOf(outcome.reason)}` });
  return created.flatMap((instance) => instance.outerLinks);
}
