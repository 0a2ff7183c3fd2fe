/**
 * The topology every path shares: the platform VPC (a router namespace with a
 * bridge) with function hosts and baseline service hosts on it, the user VPC
 * with its service hosts. Strategies add to it; nothing here crosses VPCs.
 */
import type { Layout, ServiceLayout } from './layout.js';
import { onPlatform, onUserSubnet } from './layout.js';
import { plan, type Op, type Plan } from './ops.js';

const FORWARDING: ReadonlyArray<readonly [string, string]> = [
  ['net.ipv4.ip_forward', '1'],
  // Deterministic routing: no ICMP redirects teaching hosts shortcuts mid-run.
  ['net.ipv4.conf.all.send_redirects', '0'],
  ['net.ipv4.conf.default.send_redirects', '0'],
];

export function sysctls(node: string, pairs: ReadonlyArray<readonly [string, string]>): Op[] {
  return pairs.map(([key, value]) => ({ kind: 'sysctl', node, key, value }));
}

export function basePlan(layout: Layout): Plan {
  const { platform, user } = layout;
  const ops: Op[] = [];
  const serviceNodes = [...layout.platformServices, ...layout.userServices].map((s) => s.node);
  for (const node of [platform.node, user.node, ...layout.hosts.map((h) => h.node), ...serviceNodes]) {
    ops.push({ kind: 'node.add', node, role: node.startsWith('fh') ? 'function-host' : node.endsWith('vpc') ? 'vpc' : 'service-host' });
  }

  // Platform VPC router: bridge, gateway address, routes to every host's pod subnet.
  ops.push(
    { kind: 'link.set', node: platform.node, dev: 'lo', up: true },
    { kind: 'bridge.add', node: platform.node, dev: platform.bridge, mac: platform.bridgeMac },
    { kind: 'addr.add', node: platform.node, dev: platform.bridge, cidr: onPlatform(layout, platform.router) },
    { kind: 'link.set', node: platform.node, dev: platform.bridge, up: true },
  );
  for (const h of layout.hosts) {
    ops.push(
      { kind: 'veth.add', node: platform.node, dev: h.vpcPort, peerNode: h.node, peerDev: h.uplink },
      { kind: 'link.set', node: platform.node, dev: h.vpcPort, master: platform.bridge, up: true },
      { kind: 'route.add', node: platform.node, dst: h.podSubnet.text, via: h.address },
    );
  }
  for (const s of layout.platformServices) {
    ops.push(
      { kind: 'veth.add', node: platform.node, dev: s.vpcPort, peerNode: s.node, peerDev: 'eth0' },
      { kind: 'link.set', node: platform.node, dev: s.vpcPort, master: platform.bridge, up: true },
    );
  }

  // User VPC router: bridge with the subnet's gateway address.
  ops.push(
    { kind: 'link.set', node: user.node, dev: 'lo', up: true },
    { kind: 'bridge.add', node: user.node, dev: user.bridge, mac: user.bridgeMac },
    { kind: 'addr.add', node: user.node, dev: user.bridge, cidr: onUserSubnet(layout, user.router) },
    { kind: 'link.set', node: user.node, dev: user.bridge, up: true },
  );
  for (const s of layout.userServices) {
    ops.push({ kind: 'veth.add', node: user.node, dev: s.vpcPort, peerNode: s.node, peerDev: 'eth0' }, { kind: 'link.set', node: user.node, dev: s.vpcPort, master: user.bridge, up: true });
  }

  // Function hosts: uplink on the platform VPC, a pod bridge (what a CNI bridge plugin builds).
  for (const h of layout.hosts) {
    ops.push(
      { kind: 'link.set', node: h.node, dev: 'lo', up: true },
      { kind: 'addr.add', node: h.node, dev: h.uplink, cidr: onPlatform(layout, h.address) },
      { kind: 'link.set', node: h.node, dev: h.uplink, up: true },
      { kind: 'route.add', node: h.node, dst: 'default', via: platform.router },
      { kind: 'bridge.add', node: h.node, dev: h.podBridge, mac: h.podBridgeMac },
      { kind: 'addr.add', node: h.node, dev: h.podBridge, cidr: `${h.podGateway}/${h.podSubnet.prefix}` },
      { kind: 'link.set', node: h.node, dev: h.podBridge, up: true },
    );
  }
  for (const s of layout.platformServices) ops.push(...serviceHost(s, onPlatform(layout, s.address), platform.router, layout));
  for (const s of layout.userServices) ops.push(...serviceHost(s, onUserSubnet(layout, s.address), user.router, undefined));

  // Sysctls last: each is one process per namespace, after all batched iproute2 work.
  ops.push(...sysctls(platform.node, FORWARDING), ...sysctls(user.node, FORWARDING));
  for (const h of layout.hosts) ops.push(...sysctls(h.node, FORWARDING));
  return plan('base topology', ops);
}

function serviceHost(s: ServiceLayout, cidr: string, gateway: string, podRoutesFrom: Layout | undefined): Op[] {
  const ops: Op[] = [
    { kind: 'link.set', node: s.node, dev: 'lo', up: true },
    { kind: 'addr.add', node: s.node, dev: 'eth0', cidr },
    { kind: 'link.set', node: s.node, dev: 'eth0', up: true },
    { kind: 'route.add', node: s.node, dst: 'default', via: gateway },
  ];
  // In the platform VPC, pod subnets are reached through their host directly (routes-based pod
  // networking), so replies do not detour through the router.
  for (const h of podRoutesFrom?.hosts ?? []) ops.push({ kind: 'route.add', node: s.node, dst: h.podSubnet.text, via: h.address });
  return ops;
}

/** Deletes every node of the base topology (links, routes and tables go with them). */
export function baseTeardownPlan(layout: Layout): Plan {
  const nodes = [...layout.userServices.map((s) => s.node), ...layout.platformServices.map((s) => s.node), ...layout.hosts.map((h) => h.node), layout.user.node, layout.platform.node];
  return plan(
    'base teardown',
    nodes.map((node) => ({ kind: 'node.del', node })),
  );
}
