/**
 * The pre-warmed shared egress proxy (the seed's design): proxy nodes with
 * eth0 in the platform VPC and eth1 (an ENI) in the user VPC; a tunnel from
 * every function host, keyed per tenant; forwarding and MASQUERADE on eth1;
 * pod SNAT on the hosts like ip-masq-agent; TCP MSS clamped to the tunnel's
 * MTU. All of it exists before t0: an instance's cold path is only normal
 * container networking.
 */
import { plan, type Op, type TunnelType } from '../topology/ops.js';
import type { HostLayout, ProxyLayout } from '../topology/layout.js';
import { masqChain, masqConfig, type MasqConfig } from './ip-masq-agent.js';
import { PROXY_COUNTERS, PROXY_TABLE, proxyNodeDeleteOps, proxyNodeOps, VXLAN_PORT } from './proxy-node.js';
import { NO_RESOURCES, type Strategy, type StrategyContext } from './types.js';
import { serviceTarget } from './target.js';

export { PROXY_COUNTERS, PROXY_TABLE, VXLAN_PORT } from './proxy-node.js';
export const UNDERLAY_MTU = 1500;
export const HOST_TABLE = 'coldpath_masq';

/** Tunnel MTU: underlay minus outer IPv4 (20) and the encapsulation header. */
export function tunnelMtu(type: TunnelType, keyed: boolean): number {
  switch (type) {
    case 'gre':
      return UNDERLAY_MTU - 20 - 4 - (keyed ? 4 : 0);
    case 'ipip':
      return UNDERLAY_MTU - 20;
    case 'vxlan':
      return UNDERLAY_MTU - 20 - 8 - 8 - 14;
  }
}

export function greProxyStrategy(ctx: StrategyContext): Strategy {
  const { layout, scenario } = ctx;
  const service = layout.userServices[0];
  if (service === undefined) throw new Error('scenario has no service');
  const type = ctx.tunnel.used;
  const key = type === 'ipip' ? undefined : scenario.tenantKey;
  const mtu = tunnelMtu(type, key !== undefined);
  const proxies = layout.proxies.slice(0, scenario.proxy.count);
  const masq = masqConfig(scenario);
  const proxyOf = (h: HostLayout): ProxyLayout => proxies[h.index % proxies.length] as ProxyLayout;

  return {
    name: 'gre-proxy',
    modeledColdPath: [],
    prewarm() {
      const ops: Op[] = [];
      for (const p of proxies) ops.push({ kind: 'node.add', node: p.node, role: 'proxy' });
      for (const p of proxies)
        ops.push(
          ...proxyOps(
            ctx,
            p,
            layout.hosts.filter((h) => proxyOf(h) === p),
            type,
            key,
            mtu,
          ),
        );
      for (const h of layout.hosts) ops.push(...hostOps(ctx, h, proxyOf(h), type, key, mtu, masq));
      return {
        ok: true,
        plan: plan(`gre-proxy: ${proxies.length} proxy node(s), ${type} tunnels`, ops),
        modeled: proxies.map(() => 'proxy.eni' as const),
        longLivedNodes: proxies.map((p) => p.node),
      };
    },
    attach: (instance) => ({
      ok: true,
      plan: plan(`instance ${instance.id}: gre-proxy attach`, []),
      expectedSource: proxyOf(instance.host).userAddress,
    }),
    release: () => {},
    teardown() {
      const ops: Op[] = [];
      for (const h of layout.hosts) {
        ops.push({ kind: 'nft.delete', node: h.node, family: 'ip', table: HOST_TABLE }, { kind: 'link.del', node: h.node, dev: h.tunnelDev });
      }
      // Bridge ports first: a deleted namespace is reclaimed asynchronously, and its veth
      // peers would linger on the VPC bridges long enough to collide with the next user of the names.
      for (const p of proxies) ops.push(...proxyNodeDeleteOps(layout, p));
      return plan('gre-proxy: remove tunnels, SNAT and proxies', ops);
    },
    // The hosts masquerade pods (ip-masq-agent), the proxies masquerade onto eth1.
    natNodes: () => [...proxies.map((p) => p.node), ...layout.hosts.map((h) => h.node)],
    pathCounters: () => proxies.map((p) => ({ node: p.node, table: PROXY_TABLE, ...PROXY_COUNTERS })),
    target: () => serviceTarget(service),
    resources: () => ({
      ...NO_RESOURCES,
      userVpcInterfaces: proxies.length,
      userSubnetIps: proxies.length,
      // Per host: route to the user VPC; per proxy: one neighbour/flood entry per host.
      routeEntries: layout.hosts.length * 2,
      proxies: proxies.length,
      tunnels: layout.hosts.length,
    }),
  };
}

export function proxyOps(ctx: StrategyContext, p: ProxyLayout, hosts: HostLayout[], type: TunnelType, key: number | undefined, mtu: number): Op[] {
  return proxyNodeOps(ctx.layout, p, { type, key, mtu, local: p.platformAddress, tunnelAddress: p.tunnelAddress, nat: 'masquerade', hosts });
}

export function hostOps(ctx: StrategyContext, h: HostLayout, p: ProxyLayout, type: TunnelType, key: number | undefined, mtu: number, masq: MasqConfig): Op[] {
  const { layout, scenario } = ctx;
  const forward = scenario.proxy.mssClamp
    ? [
        'chain forward {',
        '  type filter hook forward priority mangle; policy accept;',
        // SYNs into the tunnel: the server learns an MSS that fits the tunnel (downloads).
        `  oifname "${h.tunnelDev}" tcp flags syn tcp option maxseg size set rt mtu`,
        // SYN-ACKs out of it: the pod learns one too (uploads), instead of relying on PMTU discovery.
        `  iifname "${h.tunnelDev}" tcp flags & (syn | ack) == syn | ack tcp option maxseg size > ${mtu - 40} tcp option maxseg size set ${mtu - 40}`,
        '}',
      ]
    : [];
  return [
    {
      kind: 'tunnel.add',
      node: h.node,
      dev: h.tunnelDev,
      type,
      local: h.address,
      remote: p.platformAddress,
      ...(key === undefined ? {} : { key }),
      ...(type === 'vxlan' ? { port: VXLAN_PORT } : {}),
      underlay: h.uplink,
      mtu,
    },
    { kind: 'addr.add', node: h.node, dev: h.tunnelDev, cidr: `${h.tunnelAddress}/${layout.tunnel.prefix}` },
    { kind: 'link.set', node: h.node, dev: h.tunnelDev, up: true },
    { kind: 'route.add', node: h.node, dst: layout.user.cidr.text, via: p.tunnelAddress, dev: h.tunnelDev },
    {
      kind: 'nft.table',
      node: h.node,
      family: 'ip',
      table: HOST_TABLE,
      body: [
        // ip-masq-agent's rule: masquerade what is not for this host and not in nonMasqueradeCIDRs.
        'chain postrouting {',
        '  type nat hook postrouting priority srcnat; policy accept;',
        '  fib daddr type != local jump ip_masq_agent',
        '}',
        'chain ip_masq_agent {',
        ...masqChain(masq)
          .split('\n')
          .map((line) => `  ${line}`),
        '}',
        ...forward,
      ].join('\n'),
    },
  ];
}
