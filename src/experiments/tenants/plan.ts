/**
 * Two tenants on one function host and one proxy, as plan data. Tenant A is
 * the run's own tenant: the single proxy's tunnel (key `tenantKey`) to the
 * user service. Tenant B gets its own tunnel between THE SAME underlay
 * endpoints (host eth0 ↔ proxy eth0) with its own key, its own overlay
 * addresses, its own ENI address on the proxy (its SNAT source) and its own
 * service address. Where a packet arrives is read at the user service by
 * (source, destination): tenant B's request from tenant A's ENI address was
 * delivered into tenant A's side — what overlapping tenant VPCs turn into
 * traffic in the wrong VPC.
 */
import { host } from '../../cidr.js';
import { VXLAN_PORT } from '../../strategies/gre-proxy.js';
import type { HostLayout, Layout, ServiceLayout } from '../../topology/layout.js';
import { plan, type Op, type Plan, type TunnelType } from '../../topology/ops.js';
import type { SingleProxy } from '../single-proxy.js';

/** On the user service: counters of each tenant's requests by the ENI they came from; on the proxy: tenant B's SNAT. */
export const TENANTS_TABLE = 'coldpath_tenants';
/** Counter names at the user service: tenant, then which side's ENI the packet came from. */
export const TENANT_COUNTERS = { aOwn: 'a_own', aOther: 'a_other', bOwn: 'b_own', bOther: 'b_other' } as const;

export interface TenantSide {
  /** GRE key / VXLAN VNI; undefined for IPIP. */
  key: number | undefined;
  /** Tunnel device on the function host and on the proxy. */
  hostDev: string;
  proxyDev: string;
  /** The service address its instance sends to. */
  target: string;
  /** Its ENI address on the proxy: the source its side sees. */
  source: string;
}

export interface TenantsLayout {
  type: TunnelType;
  host: HostLayout;
  sp: SingleProxy;
  service: ServiceLayout;
  a: TenantSide;
  b: TenantSide & { hostOverlay: string; proxyOverlay: string };
}

/**
 * Tenant B's addresses: the last two of the ENI pool for its service and its
 * ENI (no instance of an experiment takes an ENI), overlay n=192+h on the
 * host and n=64+p on the proxy (tenant A's are 128+h and 1+p).
 */
export function tenantsLayout(layout: Layout, sp: SingleProxy, h: HostLayout, service: ServiceLayout, secondKey: number | undefined): TenantsLayout {
  const userHost = (n: number): string => host(layout.user.subnet, n, 'user.subnet');
  const b2 = (dev: string): string => `${dev.slice(0, 12)}tb`;
  return {
    type: sp.type,
    host: h,
    sp,
    service,
    a: { key: sp.key, hostDev: h.tunnelDev, proxyDev: sp.proxy.tunnelDev, target: service.address, source: sp.proxy.userAddress },
    b: {
      key: sp.type === 'ipip' ? undefined : (secondKey ?? (sp.key ?? 0) + 1),
      hostDev: b2(h.tunnelDev),
      proxyDev: b2(sp.proxy.tunnelDev),
      target: userHost(layout.eniPool.last),
      source: userHost(layout.eniPool.last - 1),
      hostOverlay: host(layout.tunnel, 192 + h.index, 'platform.tunnelCidr'),
      proxyOverlay: host(layout.tunnel, 64 + sp.proxy.index, 'platform.tunnelCidr'),
    },
  };
}

export type TunnelOp = Extract<Op, { kind: 'tunnel.add' }>;

/** Tenant B's two tunnel devices, tried one by one: each end is where a keyless tunnel collides. */
export function tenantBTunnels(t: TenantsLayout): { host: TunnelOp; proxy: TunnelOp } {
  const { b, type } = t;
  const common = { type, ...(b.key === undefined ? {} : { key: b.key }), ...(type === 'vxlan' ? { port: VXLAN_PORT } : {}), mtu: t.sp.mtu };
  return {
    host: { kind: 'tunnel.add', node: t.host.node, dev: b.hostDev, local: t.host.address, remote: t.sp.proxy.platformAddress, underlay: t.host.uplink, ...common },
    // Multipoint on the proxy, as tenant A's: it serves every host.
    proxy: { kind: 'tunnel.add', node: t.sp.proxy.node, dev: b.proxyDev, local: t.sp.proxy.platformAddress, underlay: 'eth0', ...common },
  };
}

/**
 * Tenant B's tunnel wired (both devices exist): /32 overlay addresses (the
 * tunnel subnet's connected route belongs to tenant A's devices), the host's
 * route to tenant B's service through it, the proxy's way back to the host
 * and its ENI address with SNAT for what came in on tenant B's tunnel.
 */
export function tenantBWiring(t: TenantsLayout, layout: Layout): Plan {
  const { b, sp } = t;
  const back: Op[] =
    t.type === 'ipip'
      ? [{ kind: 'route.add', node: sp.proxy.node, dst: `${b.hostOverlay}/32`, via: t.host.address, dev: b.proxyDev, onlink: true }]
      : [
          { kind: 'route.add', node: sp.proxy.node, dst: `${b.hostOverlay}/32`, dev: b.proxyDev },
          t.type === 'gre'
            ? { kind: 'neigh.replace', node: sp.proxy.node, dev: b.proxyDev, address: b.hostOverlay, lladdr: t.host.address }
            : { kind: 'fdb.append', node: sp.proxy.node, dev: b.proxyDev, dst: t.host.address },
        ];
  return plan(`tenant B: ${t.type}${b.key === undefined ? '' : ` key ${b.key}`} tunnel ${t.host.node} ↔ ${sp.proxy.node}, service ${b.target}`, [
    { kind: 'addr.add', node: t.host.node, dev: b.hostDev, cidr: `${b.hostOverlay}/32` },
    { kind: 'link.set', node: t.host.node, dev: b.hostDev, up: true },
    { kind: 'route.add', node: t.host.node, dst: `${b.proxyOverlay}/32`, dev: b.hostDev },
    { kind: 'route.add', node: t.host.node, dst: `${b.target}/32`, via: b.proxyOverlay, dev: b.hostDev },
    { kind: 'addr.add', node: sp.proxy.node, dev: b.proxyDev, cidr: `${b.proxyOverlay}/32` },
    { kind: 'link.set', node: sp.proxy.node, dev: b.proxyDev, up: true },
    ...back,
    { kind: 'addr.add', node: sp.proxy.node, dev: 'eth1', cidr: `${b.source}/${layout.user.subnet.prefix}` },
    {
      kind: 'nft.table',
      node: sp.proxy.node,
      family: 'ip',
      table: TENANTS_TABLE,
      body: [
        'chain postrouting {',
        // Before the proxy's MASQUERADE: the first NAT rule that maps a connection wins.
        '  type nat hook postrouting priority srcnat - 10; policy accept;',
        `  iifname "${b.proxyDev}" oifname "eth1" snat to ${b.source}`,
        '}',
      ].join('\n'),
    },
  ]);
}

/** The user service: tenant B's service address beside tenant A's, and the counters of who arrived from where. */
export function tenantsServicePlan(t: TenantsLayout, layout: Layout): Plan {
  const { a, b, service } = t;
  const rule = (target: string, source: string, counter: string): string => `  ip daddr ${target} ip saddr ${source} tcp dport ${service.httpPort} counter name "${counter}"`;
  return plan(`${service.node}: tenant B's service ${b.target}, counters by tenant`, [
    { kind: 'addr.add', node: service.node, dev: 'eth0', cidr: `${b.target}/${layout.user.subnet.prefix}` },
    {
      kind: 'nft.table',
      node: service.node,
      family: 'ip',
      table: TENANTS_TABLE,
      body: [
        ...Object.values(TENANT_COUNTERS).map((name) => `counter ${name} { }`),
        'chain input {',
        '  type filter hook input priority filter; policy accept;',
        rule(a.target, a.source, TENANT_COUNTERS.aOwn),
        rule(a.target, b.source, TENANT_COUNTERS.aOther),
        rule(b.target, b.source, TENANT_COUNTERS.bOwn),
        rule(b.target, a.source, TENANT_COUNTERS.bOther),
        '}',
      ].join('\n'),
    },
  ]);
}

/** What the experiment adds beside the single proxy (whose own teardown removes the proxy node, and with it tenant B's proxy end). */
export function tenantsTeardown(t: TenantsLayout, layout: Layout): Plan {
  return plan('tenants: remove tenant B', [
    { kind: 'link.del', node: t.host.node, dev: t.b.hostDev },
    { kind: 'link.del', node: t.sp.proxy.node, dev: t.b.proxyDev },
    { kind: 'nft.delete', node: t.service.node, family: 'ip', table: TENANTS_TABLE },
    { kind: 'addr.del', node: t.service.node, dev: 'eth0', cidr: `${t.b.target}/${layout.user.subnet.prefix}` },
  ]);
}
