/**
 * A proxy pool that scales (the seed's "scale the proxy nodes with the
 * traffic"), as plans. Each function host has one multipoint tunnel device
 * reaching every proxy (a neighbour per proxy, like the proxies reach the
 * hosts) and pins each new flow to a proxy:
 * - a new flow from a pod gets a conntrack mark chosen round-robin among
 *   the proxies that take new flows (nft numgen map), and every packet of
 *   the flow carries it as its fwmark;
 * - a policy-routing rule per proxy sends that fwmark to a table whose only
 *   route to the user VPC goes through that proxy.
 * Scale-out adds a proxy and puts it in the map; scale-in first takes it out
 * of the map (drain: its established flows keep their mark and their
 * proxy), and only then removes its routes and the node.
 */
import type { Layout, ProxyLayout } from '../../topology/layout.js';
import { plan, type Op, type Plan, type TunnelType } from '../../topology/ops.js';
import { HOST_TABLE, hostOps, tunnelMtu, VXLAN_PORT } from '../../strategies/gre-proxy.js';
import { masqConfig } from '../../strategies/ip-masq-agent.js';
import { proxyNodeDeleteOps, proxyNodeOps } from '../../strategies/proxy-node.js';
import type { StrategyContext } from '../../strategies/types.js';

/** Hosts: the flow-pinning table. */
export const POOL_TABLE = 'coldpath_pool';
/** Proxies: counter of new flows (the scaling metric). */
export const NEW_FLOWS_COUNTER = 'new_flows';

/** fwmark / conntrack mark of flows pinned to proxy `index`. */
export const poolMark = (index: number): number => 0x100 + index;
/** Policy-routing table of proxy `index`. */
export const poolTable = (index: number): number => 100 + index;
/** Rule priority of proxy `index` (before the main table's 32766). */
export const poolRulePriority = (index: number): number => 1000 + index;
/** A proxy's VXLAN MAC, fixed so hosts can hold a permanent neighbour entry for it. */
export const poolMac = (index: number): string => `02:c0:1d:00:01:${index.toString(16).padStart(2, '0')}`;

export interface PoolShape {
  type: TunnelType;
  key: number | undefined;
  mtu: number;
}

export function poolShape(ctx: StrategyContext): PoolShape {
  const type = ctx.tunnel.used;
  const key = type === 'ipip' ? undefined : ctx.scenario.tenantKey;
  return { type, key, mtu: tunnelMtu(type, key !== undefined) };
}

/**
 * Hosts before any proxy: the multipoint tunnel, ip-masq-agent's table (and
 * MSS clamp) as the gre-proxy strategy builds it, an empty pinning table.
 */
export function poolHostsPlan(ctx: StrategyContext, shape: PoolShape): Plan {
  const { layout } = ctx;
  const masq = masqConfig(ctx.scenario);
  const ops: Op[] = [];
  for (const h of layout.hosts) {
    ops.push(
      {
        kind: 'tunnel.add',
        node: h.node,
        dev: h.tunnelDev,
        type: shape.type,
        local: h.address,
        ...(shape.key === undefined ? {} : { key: shape.key }),
        ...(shape.type === 'vxlan' ? { port: VXLAN_PORT } : {}),
        underlay: h.uplink,
        mtu: shape.mtu,
      },
      { kind: 'addr.add', node: h.node, dev: h.tunnelDev, cidr: `${h.tunnelAddress}/${layout.tunnel.prefix}` },
      { kind: 'link.set', node: h.node, dev: h.tunnelDev, up: true },
    );
    // ip-masq-agent (and the clamp) exactly as the gre-proxy path has them; the proxy argument only names the tunnel.
    const firstProxy = layout.proxies[0] as ProxyLayout;
    ops.push(...hostOps(ctx, h, firstProxy, shape.type, shape.key, shape.mtu, masq).filter((op) => op.kind === 'nft.table' && op.table === HOST_TABLE));
  }
  ops.push(...pinOps(layout, []));
  return plan(`proxy pool: ${layout.hosts.length} host(s) with multipoint ${shape.type} tunnels`, ops);
}

/** Which proxies take new flows: the pinning table on every host, replaced atomically. */
export function pinPlan(layout: Layout, serving: readonly ProxyLayout[]): Plan {
  return plan(`proxy pool: new flows to ${serving.map((p) => p.node).join(', ') || 'nobody'}`, pinOps(layout, serving));
}

function pinOps(layout: Layout, serving: readonly ProxyLayout[]): Op[] {
  const map = serving.map((p, i) => `${i} : 0x${poolMark(p.index).toString(16)}`).join(', ');
  return layout.hosts.map((h) => ({
    kind: 'nft.table' as const,
    node: h.node,
    family: 'ip' as const,
    table: POOL_TABLE,
    body: [
      'chain prerouting {',
      '  type filter hook prerouting priority mangle; policy accept;',
      ...(serving.length === 0 ? [] : [`  iifname "${h.podBridge}" ip daddr ${layout.user.cidr.text} ct state new ct mark set numgen inc mod ${serving.length} map { ${map} }`]),
      // Every packet of a pinned flow, the first included, is routed by its mark.
      `  iifname "${h.podBridge}" ct mark != 0 meta mark set ct mark`,
      '}',
    ].join('\n'),
  }));
}

/** A new proxy, and on every host the way to it (neighbour, policy route, rule). Not yet in the pinning map. */
export function addProxyPlan(ctx: StrategyContext, shape: PoolShape, p: ProxyLayout): Plan {
  const { layout } = ctx;
  const ops: Op[] = [
    { kind: 'node.add', node: p.node, role: 'proxy' },
    ...proxyNodeOps(layout, p, {
      ...shape,
      local: p.platformAddress,
      tunnelAddress: p.tunnelAddress,
      mac: poolMac(p.index),
      nat: 'masquerade',
      counters: [NEW_FLOWS_COUNTER],
      forward: [`iifname "${p.tunnelDev}" ct state new counter name "${NEW_FLOWS_COUNTER}"`],
    }),
  ];
  for (const h of layout.hosts) {
    ops.push(...hostReach(shape, h.node, h.tunnelDev, p, 'add'));
    ops.push(
      { kind: 'route.add', node: h.node, dst: layout.user.cidr.text, via: p.tunnelAddress, dev: h.tunnelDev, table: poolTable(p.index) },
      { kind: 'rule.add', node: h.node, fwmark: poolMark(p.index), table: poolTable(p.index), priority: poolRulePriority(p.index) },
    );
    // Unpinned traffic (the host's own, ICMP) follows the main table: through the first proxy, which the pool never removes.
    if (p.index === 0) ops.push({ kind: 'route.add', node: h.node, dst: layout.user.cidr.text, via: p.tunnelAddress, dev: h.tunnelDev });
  }
  return plan(`proxy pool: add ${p.node}`, ops);
}

/** Removes a drained proxy: hosts forget the way to it, then the node goes. */
export function removeProxyPlan(ctx: StrategyContext, shape: PoolShape, p: ProxyLayout): Plan {
  const { layout } = ctx;
  const ops: Op[] = [];
  for (const h of layout.hosts) {
    ops.push(
      { kind: 'rule.del', node: h.node, fwmark: poolMark(p.index), table: poolTable(p.index), priority: poolRulePriority(p.index) },
      { kind: 'route.del', node: h.node, dst: layout.user.cidr.text, table: poolTable(p.index) },
      ...hostReach(shape, h.node, h.tunnelDev, p, 'del'),
    );
  }
  ops.push(...proxyNodeDeleteOps(layout, p));
  return plan(`proxy pool: remove ${p.node}`, ops);
}

/** Hosts back to the base topology (proxies are removed on their own). */
export function poolHostsTeardown(ctx: StrategyContext): Plan {
  const ops: Op[] = [];
  for (const h of ctx.layout.hosts) {
    ops.push(
      { kind: 'nft.delete', node: h.node, family: 'ip', table: POOL_TABLE },
      { kind: 'nft.delete', node: h.node, family: 'ip', table: HOST_TABLE },
      { kind: 'link.del', node: h.node, dev: h.tunnelDev },
    );
    for (const p of ctx.layout.proxies) {
      ops.push({ kind: 'rule.del', node: h.node, fwmark: poolMark(p.index), table: poolTable(p.index), priority: poolRulePriority(p.index) });
    }
  }
  return plan('proxy pool: hosts back to the base topology', ops);
}

/** How a host's multipoint tunnel reaches one proxy: a neighbour (GRE, VXLAN + forwarding entry) or a route (IPIP). */
function hostReach(shape: PoolShape, node: string, dev: string, p: ProxyLayout, action: 'add' | 'del'): Op[] {
  switch (shape.type) {
    case 'gre':
      return action === 'add' ? [{ kind: 'neigh.replace', node, dev, address: p.tunnelAddress, lladdr: p.platformAddress }] : [{ kind: 'neigh.del', node, dev, address: p.tunnelAddress }];
    case 'vxlan':
      return action === 'add'
        ? [
            { kind: 'fdb.append', node, dev, dst: p.platformAddress, mac: poolMac(p.index) },
            { kind: 'neigh.replace', node, dev, address: p.tunnelAddress, lladdr: poolMac(p.index) },
          ]
        : [
            { kind: 'neigh.del', node, dev, address: p.tunnelAddress },
            { kind: 'fdb.del', node, dev, dst: p.platformAddress, mac: poolMac(p.index) },
          ];
    case 'ipip':
      return action === 'add'
        ? [{ kind: 'route.add', node, dst: `${p.tunnelAddress}/32`, via: p.platformAddress, dev, onlink: true }]
        : [{ kind: 'route.del', node, dst: `${p.tunnelAddress}/32`, dev }];
  }
}
