/**
 * One proxy (px0) with every function host's tunnel pointing at it, built
 * from the gre-proxy strategy's own plan functions, so the MTU and NAT
 * experiments measure exactly the proxy the gre-proxy path uses. Additions
 * (a port-limited MASQUERADE, ICMP filtering, the MSS clamp toggled) are
 * separate nft tables or a re-applied host table, never an edit of it.
 */
import { HOST_TABLE, hostOps, proxyOps, tunnelMtu } from '../strategies/gre-proxy.js';
import { masqConfig } from '../strategies/ip-masq-agent.js';
import type { StrategyContext } from '../strategies/types.js';
import type { ProxyLayout } from '../topology/layout.js';
import { plan, type Op, type Plan, type TunnelType } from '../topology/ops.js';

export interface SingleProxy {
  proxy: ProxyLayout;
  type: TunnelType;
  key: number | undefined;
  mtu: number;
}

export function singleProxy(ctx: StrategyContext, index = 0): SingleProxy {
  const proxy = ctx.layout.proxies[index];
  if (proxy === undefined) throw new Error(`no proxy slot ${index}`);
  const type = ctx.tunnel.used;
  const key = type === 'ipip' ? undefined : ctx.scenario.tenantKey;
  return { proxy, type, key, mtu: tunnelMtu(type, key !== undefined) };
}

export function singleProxyPlan(ctx: StrategyContext, sp: SingleProxy): Plan {
  const masq = masqConfig(ctx.scenario);
  const ops: Op[] = [{ kind: 'node.add', node: sp.proxy.node, role: 'proxy' }, ...proxyOps(ctx, sp.proxy, ctx.layout.hosts, sp.type, sp.key, sp.mtu)];
  for (const h of ctx.layout.hosts) ops.push(...hostOps(ctx, h, sp.proxy, sp.type, sp.key, sp.mtu, masq));
  return plan(`experiment proxy ${sp.proxy.node}: ${sp.type} tunnels from ${ctx.layout.hosts.length} host(s)`, ops);
}

/** The hosts' ip-masq-agent table again, with the MSS clamp on or off (replaced atomically). */
export function hostTablesPlan(ctx: StrategyContext, sp: SingleProxy, mssClamp: boolean): Plan {
  const variant: StrategyContext = { ...ctx, scenario: { ...ctx.scenario, proxy: { ...ctx.scenario.proxy, mssClamp } } };
  const masq = masqConfig(ctx.scenario);
  const ops = ctx.layout.hosts.flatMap((h) => hostOps(variant, h, sp.proxy, sp.type, sp.key, sp.mtu, masq).filter((op) => op.kind === 'nft.table' && op.table === HOST_TABLE));
  return plan(`hosts: MSS clamp ${mssClamp ? 'on' : 'off'}`, ops);
}

/** Bridge ports first (a deleted namespace is reclaimed asynchronously), then the proxy, then hosts' tunnels. */
export function singleProxyTeardown(ctx: StrategyContext, sp: SingleProxy): Plan {
  const { layout } = ctx;
  const ops: Op[] = [
    { kind: 'link.del', node: layout.platform.node, dev: sp.proxy.platformPort },
    { kind: 'link.del', node: layout.user.node, dev: sp.proxy.userPort },
    { kind: 'node.del', node: sp.proxy.node },
  ];
  for (const h of layout.hosts) ops.push({ kind: 'nft.delete', node: h.node, family: 'ip', table: HOST_TABLE }, { kind: 'link.del', node: h.node, dev: h.tunnelDev });
  return plan(`experiment proxy ${sp.proxy.node}: remove`, ops);
}
