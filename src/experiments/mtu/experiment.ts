/**
 * MTU through the proxy (kind `mtu`): requests whose bodies sit around the
 * tunnel MTU and above, down (GET /bytes/N) and up (POST), with the hosts'
 * MSS clamp on and off, and with path-MTU discovery working or blocked the
 * way a cloud security group blocks it (the user service admits no ICMP).
 * Whatever blackholes shows as timeouts. Also: the latency cost of each
 * encapsulation this kernel has, against no encapsulation at all, and what
 * breaks when two tenants share a proxy without a tunnel key.
 */
import { ColdpathError } from '../../errors.js';
import { probeKernelFeatures } from '../../env/kernel-features.js';
import { runCommand } from '../../exec/run-command.js';
import { encodeHistogram, mergeEncoded } from '../../metrics/histogram.js';
import type { MeasureResultEvent } from '../../probes/protocol.js';
import { tunnelMtu, UNDERLAY_MTU, VXLAN_PORT } from '../../strategies/gre-proxy.js';
import type { StrategyContext } from '../../strategies/types.js';
import { plan, type Op, type TunnelType } from '../../topology/ops.js';
import { pointsOf, tally } from '../analysis.js';
import type { ExperimentContext, ExperimentInstance } from '../context.js';
import { freshResult, type Experiment } from '../experiment.js';
import { readCounters } from '../../kernel/inspect.js';
import { measureOnInstance } from '../load.js';
import type { MtuSpec } from '../../scenario/experiments.js';
import { hostTablesPlan, singleProxy, singleProxyPlan, singleProxyTeardown, type SingleProxy } from '../single-proxy.js';
import { applyTolerant } from '../../kernel/tolerant-teardown.js';
import { mtuReport } from './report.js';
import type { EncapsulationLatency, MtuCase, MtuResult, TenantCollision } from '../types.js';

/** On the user service: its "security group" admits no ICMP fragmentation-needed (AWS's default admits no ICMP at all). */
const NO_ICMP_TABLE = 'coldpath_noicmp';
/** On the proxy: counts the fragmentation-needed messages it sends (PMTUD at work). */
const ICMP_COUNT_TABLE = 'coldpath_icmpcount';

export const mtu: Experiment<MtuSpec, MtuResult> = {
  kind: 'mtu',
  preflight: () => {},
  describe: (_ctx, spec) => freshResult(spec),
  run: runMtu,
  report: mtuReport,
};

async function runMtu(ctx: ExperimentContext, spec: MtuSpec, result: MtuResult): Promise<void> {
  const sctx = ctx.strategy;
  const sp = singleProxy(sctx);
  const service = ctx.target.layout;
  ctx.removeAtEnd({
    plan: plan('mtu: teardown', [
      ...singleProxyTeardown(sctx, sp).ops,
      { kind: 'nft.delete', node: service.node, family: 'ip', table: NO_ICMP_TABLE },
      // The unencapsulated route of the latency comparison (goes through eth0, so it outlives the tunnel).
      ...ctx.layout.hosts.map((h): Op => ({ kind: 'route.del', node: h.node, dst: ctx.layout.user.cidr.text })),
    ]),
    killIn: [sp.proxy.node],
  });
  ctx.say(
    `mtu: proxy ${sp.proxy.node} over ${sp.type} (tunnel MTU ${sp.mtu}); ${spec.sizes.length} sizes × ${spec.directions.length} directions × ${spec.clamp.length} clamp × ${spec.pmtud.length} PMTUD variants`,
  );
  await ctx.driver.apply(singleProxyPlan(sctx, sp));
  await ctx.driver.apply(icmpCounterPlan(sp));
  const [instance] = await ctx.addInstances(1);
  if (instance === undefined) throw new Error('no instance');
  const cases: MtuCase[] = [];
  for (const clamp of spec.clamp) {
    await ctx.driver.apply(hostTablesPlan(sctx, sp, clamp));
    for (const pmtud of spec.pmtud) {
      await ctx.driver.apply(
        pmtud === 'blocked' ? noIcmpPlan(service.node) : plan('user service: ICMP admitted', [{ kind: 'nft.table', node: service.node, family: 'ip', table: NO_ICMP_TABLE, body: '' }]),
      );
      for (const direction of spec.directions) {
        for (const bytes of spec.sizes) {
          if (ctx.signal.aborted) break;
          cases.push(await runCase(ctx, sp, instance, spec, { clamp, pmtud, direction, bytes }));
        }
      }
    }
  }
  await applyTolerant(ctx.driver, plan('user service: remove ICMP filter', [{ kind: 'nft.delete', node: service.node, family: 'ip', table: NO_ICMP_TABLE }]));
  await ctx.driver.apply(hostTablesPlan(sctx, sp, ctx.scenario.proxy.mssClamp));
  const encapsulations = spec.encapsulationRequests > 0 ? await encapsulationLatency(ctx, sctx, sp, instance, spec) : [];
  const tenantCollision = spec.tenantCollision ? await collision(ctx, sp) : undefined;
  result.measured = {
    tunnel: sp.type,
    underlayMtu: UNDERLAY_MTU,
    tunnelMtu: sp.mtu,
    clampedMss: sp.mtu - 40,
    theoreticalMtu: { gre: tunnelMtu('gre', false), 'gre+key': tunnelMtu('gre', true), ipip: tunnelMtu('ipip', false), vxlan: tunnelMtu('vxlan', true) },
    cases,
    encapsulations,
    ...(tenantCollision === undefined ? {} : { tenantCollision }),
  };
  result.notes.push(...explain(result.measured.cases, sp));
}

function noIcmpPlan(node: string): ReturnType<typeof plan> {
  return plan('user service: no ICMP fragmentation-needed (security group)', [
    {
      kind: 'nft.table',
      node,
      family: 'ip',
      table: NO_ICMP_TABLE,
      body: [
        'counter frag_needed { }',
        'chain input {',
        '  type filter hook input priority filter; policy accept;',
        '  icmp type destination-unreachable icmp code frag-needed counter name "frag_needed" drop',
        '}',
      ].join('\n'),
    },
  ]);
}

function icmpCounterPlan(sp: SingleProxy): ReturnType<typeof plan> {
  return plan(`${sp.proxy.node}: count ICMP fragmentation-needed sent`, [
    {
      kind: 'nft.table',
      node: sp.proxy.node,
      family: 'ip',
      table: ICMP_COUNT_TABLE,
      body: [
        'counter frag_needed { }',
        'chain output {',
        '  type filter hook output priority filter; policy accept;',
        '  icmp type destination-unreachable icmp code frag-needed counter name "frag_needed"',
        '}',
      ].join('\n'),
    },
  ]);
}

/** Forgets learned path MTUs everywhere on the path, so each case starts as a new destination would. */
async function flushPmtu(ctx: ExperimentContext, sp: SingleProxy, instance: ExperimentInstance): Promise<void> {
  const nodes = [ctx.target.layout.node, sp.proxy.node, instance.layout.node, ...ctx.layout.hosts.map((h) => h.node)];
  await Promise.all(nodes.map((node) => runCommand(['ip', '-n', ctx.driver.netnsOf(node), 'route', 'flush', 'cache'], { reject: false, timeoutMs: 5000 })));
}

async function runCase(
  ctx: ExperimentContext,
  sp: SingleProxy,
  instance: ExperimentInstance,
  spec: MtuSpec,
  variant: { clamp: boolean; pmtud: MtuCase['pmtud']; direction: MtuCase['direction']; bytes: number },
): Promise<MtuCase> {
  await flushPmtu(ctx, sp, instance);
  const service = ctx.target.layout;
  const before = await icmpCounts(ctx, sp, service.node);
  const request = variant.direction === 'download' ? { path: `/bytes/${variant.bytes}` } : { uploadBytes: variant.bytes };
  // One request first: a black hole costs one timeout, not `requests` of them.
  const events: MeasureResultEvent[] = [await measureOnInstance(ctx, instance, { requests: 1, timeoutMs: spec.timeoutMs, ...request })];
  const first = events[0]?.trace?.requests[0];
  if (first !== undefined && first[3] === 0 && spec.requests > 1) {
    events.push(await measureOnInstance(ctx, instance, { requests: spec.requests - 1, timeoutMs: spec.timeoutMs, ...request }));
  }
  const after = await icmpCounts(ctx, sp, service.node);
  const points = events.flatMap((event) => (event.trace === undefined ? [] : pointsOf(event.trace, event.trace.t0)));
  const counts = tally(points);
  return {
    ...variant,
    ...counts,
    firstUs: first !== undefined && first[3] === 0 ? first[2] - first[0] : null,
    histogram: mergeAll(events),
    verdict: counts.ok === counts.requests ? 'ok' : counts.ok === 0 ? 'blackhole' : 'partial',
    icmp: { sentByProxy: after.sent - before.sent, droppedAtService: after.dropped - before.dropped },
  };
}

/** The case's first request and the rest: one histogram. */
const mergeAll = (events: readonly MeasureResultEvent[]): string =>
  encodeHistogram(
    mergeEncoded(
      'latency',
      events.map((e) => e.histogram),
    ),
  );

async function icmpCounts(ctx: ExperimentContext, sp: SingleProxy, serviceNode: string): Promise<{ sent: number; dropped: number }> {
  const [proxy, service] = await Promise.all([readCounters(ctx.driver.inNode(sp.proxy.node), ICMP_COUNT_TABLE), readCounters(ctx.driver.inNode(serviceNode), NO_ICMP_TABLE)]);
  return { sent: proxy['frag_needed'] ?? 0, dropped: service['frag_needed'] ?? 0 };
}

/**
 * Keep-alive latency through the proxy with each encapsulation this kernel
 * has, and with none (hosts route to the proxy's platform address directly):
 * the encapsulation's own cost. Encapsulations the kernel lacks are listed
 * with the reason.
 */
async function encapsulationLatency(ctx: ExperimentContext, sctx: StrategyContext, sp: SingleProxy, instance: ExperimentInstance, spec: MtuSpec): Promise<EncapsulationLatency[]> {
  ctx.say(`mtu: latency of each encapsulation (${spec.encapsulationRequests} keep-alive requests each)`);
  const features = await probeKernelFeatures();
  const measureNow = async (): Promise<string> =>
    (await measureOnInstance(ctx, instance, { requests: spec.encapsulationRequests, warmup: Math.min(500, spec.encapsulationRequests), timeoutMs: spec.timeoutMs })).histogram;
  const results: EncapsulationLatency[] = [];
  const others: TunnelType[] = (['gre', 'ipip', 'vxlan'] as const).filter((t) => t !== sp.type);
  results.push({ encapsulation: sp.type, available: true, histogram: await measureNow(), mtu: sp.mtu });
  for (const type of others) {
    if (!features[type]) {
      results.push({ encapsulation: type, available: false, reason: features.errors[type] ?? 'not supported by this kernel' });
      continue;
    }
    // Rebuild the proxy and the hosts' tunnels with this encapsulation, measure, restore.
    const alt: SingleProxy = { ...sp, type, key: type === 'ipip' ? undefined : sp.key, mtu: tunnelMtu(type, type !== 'ipip') };
    const altCtx: StrategyContext = { ...sctx, tunnel: { requested: type, used: type, reason: 'mtu experiment' } };
    await applyTolerant(ctx.driver, singleProxyTeardown(sctx, sp));
    await ctx.driver.apply(singleProxyPlan(altCtx, alt));
    results.push({ encapsulation: type, available: true, histogram: await measureNow(), mtu: alt.mtu });
    await applyTolerant(ctx.driver, singleProxyTeardown(altCtx, alt));
    await ctx.driver.apply(singleProxyPlan(sctx, sp));
  }
  // No encapsulation: the hosts' route to the user VPC goes to the proxy's platform address over eth0.
  const userCidr = ctx.layout.user.cidr.text;
  const plain: Op[] = ctx.layout.hosts.flatMap((h): Op[] => [
    { kind: 'route.del', node: h.node, dst: userCidr },
    { kind: 'route.add', node: h.node, dst: userCidr, via: sp.proxy.platformAddress, dev: h.uplink },
  ]);
  await ctx.driver.apply(plan('hosts: route to the user VPC without a tunnel', plain));
  results.unshift({ encapsulation: 'none', available: true, histogram: await measureNow(), mtu: UNDERLAY_MTU });
  return results;
}

/**
 * Two tenants, one function host, one proxy, no key: the kernel identifies a
 * keyless tunnel only by its endpoints. Shown with what this kernel has:
 * a second VXLAN device with the same VNI on the proxy is refused, one with
 * its own VNI is accepted.
 */
async function collision(ctx: ExperimentContext, sp: SingleProxy): Promise<TenantCollision> {
  ctx.say('mtu: two tenants on one proxy without a distinct key');
  const dev = `${sp.proxy.tunnelDev.slice(0, 12)}t2`;
  const key = sp.key ?? ctx.scenario.tenantKey;
  const attempt = async (tenantKey: number): Promise<{ command: string; error: string | null }> => {
    const op: Op = { kind: 'tunnel.add', node: sp.proxy.node, dev, type: 'vxlan', local: sp.proxy.platformAddress, key: tenantKey, port: VXLAN_PORT, underlay: 'eth0', mtu: sp.mtu };
    const command = `ip -n ${ctx.driver.netnsOf(sp.proxy.node)} link add name ${dev} mtu ${sp.mtu} type vxlan id ${tenantKey} local ${sp.proxy.platformAddress} dstport ${VXLAN_PORT} dev eth0 ttl 64`;
    try {
      await ctx.driver.apply(plan(`tenant B's tunnel on ${sp.proxy.node}, VNI ${tenantKey}`, [op]));
      return { command, error: null };
    } catch (error) {
      if (!(error instanceof ColdpathError)) throw error;
      return { command, error: (error.stderr ?? error.message).split('\n').find((line) => line.trim() !== '') ?? error.message };
    }
  };
  const same = await attempt(key);
  if (same.error === null) await applyTolerant(ctx.driver, plan('remove tenant B tunnel', [{ kind: 'link.del', node: sp.proxy.node, dev }]));
  const distinct = await attempt(key + 1);
  await applyTolerant(ctx.driver, plan('remove tenant B tunnel', [{ kind: 'link.del', node: sp.proxy.node, dev }]));
  return {
    tunnel: 'vxlan',
    sameKey: same,
    distinctKey: { command: distinct.command, ok: distinct.error === null, error: distinct.error },
    explanation: [
      'A proxy tells tenants apart by the tunnel a packet arrived on. GRE carries a key and VXLAN a VNI, so each tenant gets its own device (and with it its own eth1/ENI, NAT and routes) even when every tenant uses the same user CIDR.',
      'IPIP has no key: the kernel identifies an IPIP tunnel only by (local, remote). A second tenant whose functions run on the same host cannot get a second IPIP tunnel to the same proxy ("File exists"), and a shared keyless device gives the proxy no way to know which tenant a packet belongs to: with overlapping tenant CIDRs it forwards tenant B\'s packets into tenant A\'s VPC.',
      'The same collision, reproduced on this kernel: a second VXLAN device with the same VNI and port on the proxy is refused; with its own VNI it is accepted. Workarounds for IPIP (a proxy address per tenant, or per-tenant proxies) cost an address or a proxy per tenant — the key is what lets one proxy serve many tenants.',
    ].join(' '),
    qemuScenario:
      'The `tenants` experiment runs this for real with traffic (docs/experiments.md): in the QEMU tier (docs/qemu-tier.md, a Debian kernel with ipip and ip_gre) `tunnel: ipip` refuses the second tenant\'s tunnel with "RTNETLINK answers: File exists" and delivers its traffic as the first tenant\'s, while GRE keys keep both tenants apart.',
  };
}

/** What the cases show, in words a reader can check against the table. */
function explain(cases: readonly MtuCase[], sp: SingleProxy): string[] {
  const notes: string[] = [];
  const blackholed = cases.filter((c) => c.verdict !== 'ok');
  const find = (clamp: boolean, pmtud: MtuCase['pmtud'], direction: MtuCase['direction']): MtuCase[] => cases.filter((c) => c.clamp === clamp && c.pmtud === pmtud && c.direction === direction);
  const worst = (list: MtuCase[]): string => (list.some((c) => c.verdict !== 'ok') ? `fail from ${Math.min(...list.filter((c) => c.verdict !== 'ok').map((c) => c.bytes))} bytes` : 'all pass');
  notes.push(`tunnel MTU ${sp.mtu} (${sp.type}); the clamp rewrites the MSS of SYNs into the tunnel to ${sp.mtu - 40}.`);
  for (const clamp of [true, false]) {
    for (const pmtud of ['allowed', 'blocked'] as const) {
      const down = find(clamp, pmtud, 'download');
      const up = find(clamp, pmtud, 'upload');
      if (down.length + up.length === 0) continue;
      notes.push(`clamp ${clamp ? 'on' : 'off'}, PMTUD ${pmtud}: downloads ${down.length === 0 ? 'not run' : worst(down)}, uploads ${up.length === 0 ? 'not run' : worst(up)}.`);
    }
  }
  if (blackholed.length > 0) {
    notes.push(
      'A black hole: the service sends full-size segments (its MSS came from the unclamped SYN), the proxy cannot fit them into the tunnel and answers with ICMP fragmentation-needed, which the service never receives; TCP retransmits the same segment until the request times out.',
    );
  }
  notes.push(
    'Uploads never depend on the user VPC passing ICMP: the function host itself tells the pod the tunnel MTU (the ICMP stays inside the host). With the clamp, SYNs into the tunnel and SYN-ACKs out of it carry an MSS that fits, so neither direction needs PMTUD.',
  );
  return notes;
}
