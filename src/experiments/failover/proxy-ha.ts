/**
 * The seed's highly available proxy: two proxy nodes (px0 active, px1
 * standby) behind virtual IPs that keepalived moves between them. Only the
 * plans live here (pure data); keepalived's configuration is in keepalived.ts
 * and the experiment that runs it in src/experiments/failover.ts.
 *
 * What makes a VIP-fronted proxy work, and why:
 * - function hosts' tunnels point at the platform VIP, and both proxies'
 *   tunnel devices send and accept with the VIP as their outer address
 *   (`local VIP`): only the node holding the VIP receives or answers;
 * - both tunnel devices carry the same overlay address and, for VXLAN, the
 *   same MAC (like VRRP's virtual MAC): a host's neighbour entry for the
 *   proxy stays right after a failover, with no ARP over the tunnel;
 * - eth1 SNATs to the user VIP, not MASQUERADE to the node's own address, so
 *   the user service sees one source whichever proxy is active and a flow's
 *   NAT mapping (same address, same port) can be rebuilt on the standby;
 * - the standby rebuilds it from the function host's next packet (conntrack
 *   picks up mid-flow TCP, nf_conntrack_tcp_loose=1); a user-side packet that
 *   arrives first would otherwise be answered with a reset by the standby's
 *   own stack, so such unsolicited mid-flow packets to the user VIP are
 *   dropped (and counted) instead.
 */
import type { Layout, ProxyLayout } from '../../topology/layout.js';
import { plan, type Op, type Plan, type TunnelType } from '../../topology/ops.js';
import { HOST_TABLE, hostOps, tunnelMtu } from '../../strategies/gre-proxy.js';
import { masqConfig } from '../../strategies/ip-masq-agent.js';
import { proxyNodeDeleteOps, proxyNodeOps } from '../../strategies/proxy-node.js';
import type { StrategyContext } from '../../strategies/types.js';

/** Shared link-layer address of the pair's VXLAN devices (locally administered). */
export const HA_TUNNEL_MAC = '02:c0:1d:00:00:63';
/** Named nft counter: unsolicited mid-flow TCP packets to the user VIP, dropped. */
export const UNSOLICITED_COUNTER = 'unsolicited';
/** VRRP router ids of the two instances. */
export const VRIDS = { platform: 63, user: 64 } as const;

export interface HaPair {
  active: ProxyLayout;
  standby: ProxyLayout;
  vips: Layout['vips'];
  /** Overlay address both proxies' tunnel devices carry (hosts route to it). */
  tunnelAddress: string;
  type: TunnelType;
  key: number | undefined;
  mtu: number;
}

export function haPair(ctx: StrategyContext): HaPair {
  const [active, standby] = ctx.layout.proxies;
  if (active === undefined || standby === undefined) throw new Error('the address plan has fewer than two proxy slots');
  const type = ctx.tunnel.used;
  const key = type === 'ipip' ? undefined : ctx.scenario.tenantKey;
  return { active, standby, vips: ctx.layout.vips, tunnelAddress: active.tunnelAddress, type, key, mtu: tunnelMtu(type, key !== undefined) };
}

/** Both proxies, and every function host's tunnel pointing at the platform VIP. */
export function haPrewarmPlan(ctx: StrategyContext, pair: HaPair = haPair(ctx)): Plan {
  const { layout } = ctx;
  const ops: Op[] = [];
  for (const p of [pair.active, pair.standby]) ops.push({ kind: 'node.add', node: p.node, role: 'proxy' });
  for (const p of [pair.active, pair.standby]) ops.push(...haProxyOps(ctx, p, pair));
  // Hosts see one virtual proxy: the VIP as tunnel remote, the shared overlay address as next hop.
  const virtual: ProxyLayout = { ...pair.active, platformAddress: pair.vips.platform, tunnelAddress: pair.tunnelAddress };
  const masq = masqConfig(ctx.scenario);
  for (const h of layout.hosts) ops.push(...hostOps(ctx, h, virtual, pair.type, pair.key, pair.mtu, masq));
  return plan(`proxy HA pair: ${pair.active.node} + ${pair.standby.node} behind ${pair.vips.platform} / ${pair.vips.user}, ${pair.type} tunnels`, ops);
}

/**
 * Removes the pair. The proxies' bridge ports are deleted explicitly before
 * their namespaces: a deleted namespace is cleaned up asynchronously by the
 * kernel, and its veth peers would linger on the VPC bridges for a moment.
 */
export function haTeardownPlan(ctx: StrategyContext, pair: HaPair = haPair(ctx)): Plan {
  const { layout } = ctx;
  const ops: Op[] = [];
  for (const h of layout.hosts) {
    ops.push({ kind: 'nft.delete', node: h.node, family: 'ip', table: HOST_TABLE }, { kind: 'link.del', node: h.node, dev: h.tunnelDev });
  }
  for (const p of [pair.active, pair.standby]) ops.push(...proxyNodeDeleteOps(layout, p));
  return plan('proxy HA pair: remove tunnels, SNAT and proxies', ops);
}

function haProxyOps(ctx: StrategyContext, p: ProxyLayout, pair: HaPair): Op[] {
  return proxyNodeOps(ctx.layout, p, {
    type: pair.type,
    key: pair.key,
    mtu: pair.mtu,
    // Outer address = the VIP on both nodes: only the VIP holder sends or receives tunnel traffic.
    local: pair.vips.platform,
    tunnelAddress: pair.tunnelAddress,
    mac: HA_TUNNEL_MAC,
    nat: `snat to ${pair.vips.user}`,
    counters: [UNSOLICITED_COUNTER],
    // A flow this node has no NAT state for (it was active elsewhere): drop, do not reset.
    input: [`iifname "eth1" ip daddr ${pair.vips.user} tcp flags & (syn | rst) == 0 ct state new counter name "${UNSOLICITED_COUNTER}" drop`],
  });
}
