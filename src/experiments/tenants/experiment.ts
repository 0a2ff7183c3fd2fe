/**
 * Two tenants on one proxy (kind `tenants`): the seed's question "what goes
 * wrong with IPIP instead of GRE", answered by a run. A second tenant shares
 * the function host and the proxy with the first and asks for its own
 * tunnel between the same underlay endpoints, with its own key. GRE (key)
 * and VXLAN (VNI) accept it; IPIP has no key, so the kernel refuses a second
 * tunnel with the same endpoints ("File exists"). Each tenant's instance
 * then sends requests to its own service, and nft counters at the user
 * service say from whose ENI they arrived: with IPIP the second tenant is
 * left with the first tenant's tunnel, and its traffic leaves the proxy as
 * the first tenant's.
 */
import { linkRefusalIn } from '../../env/node-link-support.js';
import { ColdpathError } from '../../errors.js';
import { readCounters } from '../../kernel/inspect.js';
import { renderOp } from '../../kernel/render.js';
import { applyTolerant } from '../../kernel/tolerant-teardown.js';
import type { TenantsSpec } from '../../scenario/experiments.js';
import type { StrategyContext } from '../../strategies/types.js';
import { plan } from '../../topology/ops.js';
import { pointsOf, tally } from '../analysis.js';
import type { ExperimentContext, ExperimentInstance } from '../context.js';
import { freshResult, type Experiment } from '../experiment.js';
import { measureOnInstance } from '../load.js';
import { singleProxy, singleProxyPlan, singleProxyTeardown } from '../single-proxy.js';
import type { ErrorTally, TenantOutcome, TenantsResult, TunnelAttempt } from '../types.js';
import { TENANT_COUNTERS, TENANTS_TABLE, tenantBTunnels, tenantBWiring, tenantsLayout, tenantsServicePlan, tenantsTeardown, type TenantsLayout, type TunnelOp } from './plan.js';
import { tenantsReport } from './report.js';
import { tenantsVerdict, tenantVerdict } from './verdict.js';

export const tenants: Experiment<TenantsSpec, TenantsResult> = {
  kind: 'tenants',
  preflight: () => {},
  describe: (_ctx, spec) => freshResult(spec),
  run: runTenants,
  report: tenantsReport,
};

async function runTenants(ctx: ExperimentContext, spec: TenantsSpec, result: TenantsResult, field: string): Promise<void> {
  const { driver, layout } = ctx;
  // The proxy's namespace first: the kernel check of the spec's tunnel runs in it, on the proxy's machine.
  const proxy = singleProxy(ctx.strategy).proxy;
  ctx.removeAtEnd({ plan: singleProxyTeardown(ctx.strategy, singleProxy(ctx.strategy)), killIn: [proxy.node] });
  await driver.apply(plan(`experiment proxy ${proxy.node}`, [{ kind: 'node.add', node: proxy.node, role: 'proxy' }]));
  const sctx = await tunnelFor(ctx, spec, field, [...layout.hosts.map((h) => h.node), proxy.node]);
  const sp = singleProxy(sctx);
  const whole = singleProxyPlan(sctx, sp);
  await driver.apply({ ...whole, ops: whole.ops.filter((op) => !(op.kind === 'node.add' && op.node === proxy.node)) });
  // One instance per tenant on the same function host: round robin over hosts, so take the first and the next on its host.
  const instances = await ctx.addInstances(layout.hosts.length + 1);
  const a = instances[0];
  const b = instances.slice(1).find((i) => i.layout.host.index === a?.layout.host.index);
  if (a === undefined || b === undefined) throw new Error('no two instances on one function host');
  const t = tenantsLayout(layout, sp, a.layout.host, ctx.target.layout, spec.secondKey);
  ctx.removeAtEnd({ plan: tenantsTeardown(t, layout) });
  ctx.say(`tenants: ${t.type} tunnels ${t.host.node} (${t.host.address}) ↔ ${sp.proxy.node} (${sp.proxy.platformAddress}); tenant A key ${t.a.key ?? 'none'}, tenant B key ${t.b.key ?? 'none'}`);
  await driver.apply(tenantsServicePlan(t, layout));

  const tunnels = tenantBTunnels(t);
  const attempts = [await attempt(ctx, tunnels.host), await attempt(ctx, tunnels.proxy)];
  const created = attempts.every((x) => x.error === null);
  if (created) await driver.apply(tenantBWiring(t, layout));
  else
    await applyTolerant(
      driver,
      plan('tenant B: remove its half-created tunnel', [
        { kind: 'link.del', node: t.host.node, dev: t.b.hostDev },
        { kind: 'link.del', node: sp.proxy.node, dev: t.b.proxyDev },
      ]),
    );
  for (const x of attempts) ctx.say(`tenants: tenant B's tunnel on ${x.node}: ${x.error ?? 'accepted'}`);
  const pathB: TenantOutcome['path'] = created ? 'own' : spec.shareWhenRefused ? 'shared' : 'none';

  const outcomeA = await send(ctx, spec, t, 'A', a, { created: true, attempts: [] }, 'own');
  const outcomeB = await send(ctx, spec, t, 'B', b, { created, attempts }, pathB);
  const tenantsOut = [outcomeA, outcomeB];
  result.measured = { tunnel: t.type, endpoints: { host: t.host.address, proxy: sp.proxy.platformAddress }, tenants: tenantsOut, ...tenantsVerdict(t.type, tenantsOut) };
  result.notes.push(
    "Tenant B's side is emulated in the one user VPC: its own service address and its own ENI address on the proxy (its SNAT source). A request that reaches tenant B's service from tenant A's ENI address left the proxy as tenant A's traffic: with overlapping tenant CIDRs (the usual case) it would have gone into tenant A's VPC.",
    'A proxy tells tenants apart only by the tunnel a packet arrived on: GRE carries a key and VXLAN a VNI, so each tenant gets its own device between the same two hosts. The kernel identifies an IPIP tunnel only by its endpoints (local, remote): a second one is refused, and a shared one carries no tenant.',
  );
}

/**
 * The run's strategy context, or the same with the spec's own encapsulation,
 * checked first in every node that will hold one of its tunnels (through the
 * driver: across machines each node's own kernel answers). A kernel without
 * the module is an environment error naming the field and the node, not an
 * "Unknown device type" halfway through.
 */
async function tunnelFor(ctx: ExperimentContext, spec: TenantsSpec, field: string, nodes: readonly string[]): Promise<StrategyContext> {
  const wanted = spec.tunnel;
  if (wanted === undefined || wanted === ctx.strategy.tunnel.used) return ctx.strategy;
  for (const node of nodes) {
    const refusal = await linkRefusalIn(ctx.driver.inNode(node), wanted);
    if (refusal === null) continue;
    throw new ColdpathError(`${field}.tunnel: the kernel under ${node} cannot create ${wanted} links (${refusal})`, {
      kind: 'environment',
      field: `${field}.tunnel`,
      hint: `leave tunnel out to use the run's (${ctx.strategy.tunnel.used}), or run on a kernel with the module (see \`coldpath doctor\` on that machine; docs/qemu-tier.md runs ipip and gre)`,
    });
  }
  return { ...ctx.strategy, tunnel: { requested: wanted, used: wanted, reason: `tenants experiment: tunnel ${wanted} requested` } };
}

/** Tries one tunnel device; a refusal is a result (the kernel's first line), not a failure of the experiment. */
async function attempt(ctx: ExperimentContext, op: TunnelOp): Promise<TunnelAttempt> {
  const command = renderOp(op, (node) => ctx.driver.netnsOf(node))
    .map((c) => (c.tool === 'nft' ? c.script : `${c.tool} -n ${c.ctx === 'root' ? '' : c.ctx.netns} ${c.args.join(' ')}`))
    .join('\n');
  try {
    await ctx.driver.apply(plan(`tenant B's tunnel on ${op.node}`, [op]));
    return { node: op.node, command, error: null };
  } catch (error) {
    if (!(error instanceof ColdpathError)) throw error;
    const first = (error.stderr ?? error.message).split('\n').find((line) => line.trim() !== '') ?? error.message;
    // ip -batch names the failing line: the command is recorded already.
    return { node: op.node, command, error: first.replace(/\s*\(line: .*\)$/, '').trim() };
  }
}

async function send(
  ctx: ExperimentContext,
  spec: TenantsSpec,
  t: TenantsLayout,
  tenant: 'A' | 'B',
  instance: ExperimentInstance,
  tunnel: TenantOutcome['tunnel'],
  path: TenantOutcome['path'],
): Promise<TenantOutcome> {
  const side = tenant === 'A' ? t.a : t.b;
  const [own, other] = tenant === 'A' ? [TENANT_COUNTERS.aOwn, TENANT_COUNTERS.aOther] : [TENANT_COUNTERS.bOwn, TENANT_COUNTERS.bOther];
  let counts: ErrorTally = { requests: 0, ok: 0, failed: 0, errors: {} };
  const counted = { own: 0, other: 0 };
  if (path !== 'none' && !ctx.signal.aborted) {
    const service = ctx.driver.inNode(t.service.node);
    const before = await readCounters(service, TENANTS_TABLE);
    ctx.say(`tenants: tenant ${tenant} (${instance.layout.node}) → ${side.target}, ${spec.requests} requests${path === 'shared' ? " through tenant A's tunnel" : ''}`);
    const event = await measureOnInstance(ctx, instance, { requests: spec.requests, warmup: spec.warmup, timeoutMs: spec.timeoutMs, host: side.target });
    const after = await readCounters(service, TENANTS_TABLE);
    counts = tally(event.trace === undefined ? [] : pointsOf(event.trace, event.trace.t0));
    counted.own = (after[own] ?? 0) - (before[own] ?? 0);
    counted.other = (after[other] ?? 0) - (before[other] ?? 0);
  }
  const tallied: ErrorTally = { requests: counts.requests, ok: counts.ok, failed: counts.failed, errors: counts.errors };
  return {
    tenant,
    key: side.key ?? null,
    tunnel,
    path,
    target: side.target,
    source: side.source,
    tally: tallied,
    counted,
    verdict: tenantVerdict(path, tallied, counted),
  };
}
