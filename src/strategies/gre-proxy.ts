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
import { NO_RESOURCES, type Strategy, type StrategyContext } from './types.js';

export const VXLAN_PORT = 4789;
export const UNDERLAY_MTU = 1500;
export const PROXY_TABLE = 'coldpath_proxy';
export const HOST_TABLE = 'coldpath_masq';
/** Named nft counters on each proxy: packets forwarded tunnel → user VPC, and back. */
export const PROXY_COUNTERS = { out: 'path_out', back: 'path_back' } as const;

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
      for (const p of proxies) ops.push(...proxyOps(ctx, p, layout.hosts.filter((h) => proxyOf(h) === p), type, key, mtu));
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
      for (const p of proxies) ops.push({ kind: 'node.del', node: p.node });
      return plan('gre-proxy: remove tunnels, SNAT and proxies', ops);
    },
    target: () => ({ address: service.address, httpPort: service.httpPort, echoPort: service.echoPort, serviceNode: service.node, serviceName: service.name }),
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
  const { layout } = ctx;
  const ops: Op[] = [
    { kind: 'veth.add', node: layout.platform.node, dev: p.platformPort, peerNode: p.node, peerDev: 'eth0' },
    { kind: 'link.set', node: layout.platform.node, dev: p.platformPort, master: layout.platform.bridge, up: true },
    { kind: 'veth.add', node: layout.user.node, dev: p.userPort, peerNode: p.node, peerDev: 'eth1' },
    { kind: 'link.set', node: layout.user.node, dev: p.userPort, master: layout.user.bridge, up: true },
    { kind: 'link.set', node: p.node, dev: 'lo', up: true },
    { kind: 'addr.add', node: p.node, dev: 'eth0', cidr: `${p.platformAddress}/${layout.platform.cidr.prefix}` },
    { kind: 'link.set', node: p.node, dev: 'eth0', up: true },
    { kind: 'addr.add', node: p.node, dev: 'eth1', cidr: `${p.userAddress}/${layout.user.subnet.prefix}` },
    { kind: 'link.set', node: p.node, dev: 'eth1', up: true },
    // Multipoint endpoint: no remote; each host is a neighbour (GRE), a flood entry (VXLAN) or a route (IPIP).
    {
      kind: 'tunnel.add', node: p.node, dev: p.tunnelDev, type, local: p.platformAddress,
      ...(key === undefined ? {} : { key }), ...(type === 'vxlan' ? { port: VXLAN_PORT } : {}), underlay: 'eth0', mtu,
    },
    { kind: 'addr.add', node: p.node, dev: p.tunnelDev, cidr: `${p.tunnelAddress}/${layout.tunnel.prefix}` },
    { kind: 'link.set', node: p.node, dev: p.tunnelDev, up: true },
  ];
  for (const h of hosts) {
    if (type === 'gre') ops.push({ kind: 'neigh.replace', node: p.node, dev: p.tunnelDev, address: h.tunnelAddress, lladdr: h.address });
    if (type === 'vxlan') ops.push({ kind: 'fdb.append', node: p.node, dev: p.tunnelDev, dst: h.address });
    if (type === 'ipip') ops.push({ kind: 'route.add', node: p.node, dst: `${h.tunnelAddress}/32`, via: h.address, dev: p.tunnelDev, onlink: true });
  }
  if (layout.user.cidr.prefix < layout.user.subnet.prefix) {
    ops.push({ kind: 'route.add', node: p.node, dst: layout.user.cidr.text, via: layout.user.router, dev: 'eth1' });
  }
  ops.push(
    { kind: 'sysctl', node: p.node, key: 'net.ipv4.ip_forward', value: '1' },
    {
      kind: 'nft.table', node: p.node, family: 'ip', table: PROXY_TABLE,
      body: [
        `counter ${PROXY_COUNTERS.out} { }`,
        `counter ${PROXY_COUNTERS.back} { }`,
        'chain forward {',
        '  type filter hook forward priority filter; policy accept;',
        `  iifname "${p.tunnelDev}" oifname "eth1" counter name "${PROXY_COUNTERS.out}"`,
        `  iifname "eth1" oifname "${p.tunnelDev}" counter name "${PROXY_COUNTERS.back}"`,
        '}',
        'chain postrouting {',
        '  type nat hook postrouting priority srcnat; policy accept;',
        '  oifname "eth1" masquerade',
        '}',
      ].join('\n'),
    },
  );
  return ops;
}

export function hostOps(ctx: StrategyContext, h: HostLayout, p: ProxyLayout, type: TunnelType, key: number | undefined, mtu: number, masq: MasqConfig): Op[] {
  const { layout, scenario } = ctx;
  const forward = scenario.proxy.mssClamp
    ? [
        'chain forward {',
        '  type filter hook forward priority mangle; policy accept;',
        `  oifname "${h.tunnelDev}" tcp flags syn tcp option maxseg size set rt mtu`,
        '}',
      ]
    : [];
  return [
    {
      kind: 'tunnel.add', node: h.node, dev: h.tunnelDev, type, local: h.address, remote: p.platformAddress,
      ...(key === undefined ? {} : { key }), ...(type === 'vxlan' ? { port: VXLAN_PORT } : {}), underlay: h.uplink, mtu,
    },
    { kind: 'addr.add', node: h.node, dev: h.tunnelDev, cidr: `${h.tunnelAddress}/${layout.tunnel.prefix}` },
    { kind: 'link.set', node: h.node, dev: h.tunnelDev, up: true },
    { kind: 'route.add', node: h.node, dst: layout.user.cidr.text, via: p.tunnelAddress, dev: h.tunnelDev },
    {
      kind: 'nft.table', node: h.node, family: 'ip', table: HOST_TABLE,
      body: [
        // ip-masq-agent's rule: masquerade what is not for this host and not in nonMasqueradeCIDRs.
        'chain postrouting {',
        '  type nat hook postrouting priority srcnat; policy accept;',
        '  fib daddr type != local jump ip_masq_agent',
        '}',
        'chain ip_masq_agent {',
        ...masqChain(masq).split('\n').map((line) => `  ${line}`),
        '}',
        ...forward,
      ].join('\n'),
    },
  ];
}
