/**
 * One proxy node as plan operations, shared by the proxy HA pair and the
 * scaling pool: eth0 on the platform VPC, eth1 (its ENI) on the user VPC, a
 * multipoint tunnel device reaching every function host, forwarding, NAT on
 * eth1 and the path counters coldpath reads. What differs between uses —
 * the tunnel's outer address, its MAC, the NAT rule, extra rules — comes in
 * as options; the gre-proxy strategy's proxies are the plain case.
 */
import type { HostLayout, Layout, ProxyLayout } from '../topology/layout.js';
import type { Op, TunnelType } from '../topology/ops.js';

export const VXLAN_PORT = 4789;
export const PROXY_TABLE = 'coldpath_proxy';
/** Named nft counters on each proxy: packets forwarded tunnel → user VPC, and back. */
export const PROXY_COUNTERS = { out: 'path_out', back: 'path_back' } as const;

export interface ProxyNodeOptions {
  type: TunnelType;
  key: number | undefined;
  mtu: number;
  /** Outer (underlay) address of the tunnel device: the node's own, or a VIP. */
  local: string;
  /** Overlay address of the tunnel device. */
  tunnelAddress: string;
  /** Link-layer address of a VXLAN device (ignored for GRE/IPIP, which have none). */
  mac?: string;
  /** The NAT statement on eth1, e.g. `masquerade` or `snat to 198.19.0.12`. */
  nat: string;
  /** More named counters for the proxy table. */
  counters?: string[];
  /** More rules in the forward chain (after the path counters). */
  forward?: string[];
  /** An input chain's rules (none: no input chain). */
  input?: string[];
  /** Function hosts this proxy serves (neighbour, flood or route entries). Default: every host. */
  hosts?: readonly HostLayout[];
}

export function proxyNodeOps(layout: Layout, p: ProxyLayout, o: ProxyNodeOptions): Op[] {
  const { type, key, mtu } = o;
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
    {
      kind: 'tunnel.add',
      node: p.node,
      dev: p.tunnelDev,
      type,
      local: o.local,
      ...(key === undefined ? {} : { key }),
      ...(type === 'vxlan' ? { port: VXLAN_PORT, ...(o.mac === undefined ? {} : { mac: o.mac }) } : {}),
      underlay: 'eth0',
      mtu,
    },
    { kind: 'addr.add', node: p.node, dev: p.tunnelDev, cidr: `${o.tunnelAddress}/${layout.tunnel.prefix}` },
    { kind: 'link.set', node: p.node, dev: p.tunnelDev, up: true },
  ];
  for (const h of o.hosts ?? layout.hosts) {
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
      kind: 'nft.table',
      node: p.node,
      family: 'ip',
      table: PROXY_TABLE,
      body: [
        `counter ${PROXY_COUNTERS.out} { }`,
        `counter ${PROXY_COUNTERS.back} { }`,
        ...(o.counters ?? []).map((name) => `counter ${name} { }`),
        'chain forward {',
        '  type filter hook forward priority filter; policy accept;',
        `  iifname "${p.tunnelDev}" oifname "eth1" counter name "${PROXY_COUNTERS.out}"`,
        `  iifname "eth1" oifname "${p.tunnelDev}" counter name "${PROXY_COUNTERS.back}"`,
        ...(o.forward ?? []).map((rule) => `  ${rule}`),
        '}',
        ...(o.input === undefined ? [] : ['chain input {', '  type filter hook input priority filter; policy accept;', ...o.input.map((rule) => `  ${rule}`), '}']),
        'chain postrouting {',
        '  type nat hook postrouting priority srcnat; policy accept;',
        `  oifname "eth1" ${o.nat}`,
        '}',
      ].join('\n'),
    },
  );
  return ops;
}

/** Bridge ports first (a deleted namespace is reclaimed asynchronously and its veth peers linger), then the node. */
export function proxyNodeDeleteOps(layout: Layout, p: ProxyLayout): Op[] {
  return [
    { kind: 'link.del', node: layout.platform.node, dev: p.platformPort },
    { kind: 'link.del', node: layout.user.node, dev: p.userPort },
    { kind: 'node.del', node: p.node },
  ];
}
