/**
 * A plan is plain data: an ordered list of operations, each naming the node
 * (a logical host: a VPC router, a function host, a container, a proxy) it runs
 * on. Plans are produced without privileges and unit-tested as data; the
 * kernel driver makes them real. Nothing here knows about namespaces.
 * `ops-schema.ts` is the zod schema of the same types (plans that arrive over
 * the agent protocol): a kind or field added here must be added there (the
 * build fails until it is).
 */

/** What a node stands for; plans record it for the reader (the driver makes every node a namespace). */
export const NODE_ROLES = ['vpc', 'function-host', 'container', 'service-host', 'proxy', 'scratch'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export const TUNNEL_TYPES = ['gre', 'ipip', 'vxlan'] as const;
export type TunnelType = (typeof TUNNEL_TYPES)[number];

export type Op =
  | { kind: 'node.add'; node: string; role: NodeRole }
  /**
   * A bridge. `mac` fixes its address: without it Linux gives a bridge the lowest address of its
   * ports, so every port that comes or goes can change the gateway's MAC under its neighbours.
   */
  | { kind: 'bridge.add'; node: string; dev: string; mtu?: number; mac?: string }
  /** A veth pair created inside `node`, its peer placed directly in `peerNode`. */
  | { kind: 'veth.add'; node: string; dev: string; peerNode: string; peerDev: string; mtu?: number }
  /**
   * A macvlan child of `parent`, a NIC of the machine itself (its root namespace, where the agent
   * runs), created directly inside `node` as `dev`: how a node joins a VPC whose wire is real
   * (host-plans.ts). Mode bridge, so children of one NIC also reach each other.
   */
  | { kind: 'macvlan.add'; node: string; dev: string; parent: string; mode: 'bridge'; mac?: string; mtu?: number }
  /**
   * An ipvlan child (mode l2) of `parent`, made like `macvlan.add`: it shares the parent's MAC, so a
   * wire that delivers only to the MAC it assigned (a cloud VPC) still delivers to it.
   */
  | { kind: 'ipvlan.add'; node: string; dev: string; parent: string; mode: 'l2'; mtu?: number }
  /**
   * A spare NIC of the machine (its root namespace, where the agent runs), moved into `node` and
   * renamed `dev` there: a secondary NIC attached ahead of time, lent to an instance as its ENI.
   * Must be undone by `nic.return` before `node` goes (the kernel would delete a virtual NIC with
   * the namespace, and hand a physical one to init_net, flushed, possibly renamed).
   */
  | { kind: 'nic.lend'; node: string; dev: string; nic: string }
  /** The lent NIC back: down, flushed, renamed `nic`, moved into the machine's own namespace. */
  | { kind: 'nic.return'; node: string; dev: string; nic: string }
  | { kind: 'link.set'; node: string; dev: string; up?: boolean; master?: string; mtu?: number }
  | { kind: 'link.del'; node: string; dev: string }
  | { kind: 'addr.add'; node: string; dev: string; cidr: string; peer?: string }
  | { kind: 'addr.del'; node: string; dev: string; cidr: string }
  | {
      kind: 'route.add';
      node: string;
      dst: string;
      via?: string;
      dev?: string;
      src?: string;
      onlink?: boolean;
      mtu?: number;
      advmss?: number;
      /** Policy-routing table; omitted = main. */
      table?: number;
    }
  | { kind: 'route.del'; node: string; dst: string; via?: string; dev?: string; table?: number }
  /** Policy-routing rule: packets carrying `fwmark` look up `table` (proxy-pool flow pinning). */
  | { kind: 'rule.add'; node: string; fwmark: number; table: number; priority: number }
  | { kind: 'rule.del'; node: string; fwmark: number; table: number; priority: number }
  | { kind: 'sysctl'; node: string; key: string; value: string }
  /** A whole nftables table, replaced atomically (`nft -f`). */
  | { kind: 'nft.table'; node: string; family: 'ip' | 'inet'; table: string; body: string }
  | { kind: 'nft.delete'; node: string; family: 'ip' | 'inet'; table: string }
  | {
      kind: 'tunnel.add';
      node: string;
      dev: string;
      type: TunnelType;
      local: string;
      /** Omitted for a multipoint endpoint (the proxy side: GRE with neighbour entries, VXLAN with flood entries, IPIP with routes). */
      remote?: string;
      /** GRE key or VXLAN VNI; IPIP has none. */
      key?: number;
      /** VXLAN UDP port. */
      port?: number;
      underlay: string;
      mtu: number;
      /** Link-layer address of the device (VXLAN): an HA pair shares one, like a VRRP virtual MAC. */
      mac?: string;
    }
  /** VXLAN forwarding entry: frames of `dev` for `mac` (default: all-zero = flood/BUM) go to `dst`. */
  | { kind: 'fdb.append'; node: string; dev: string; dst: string; mac?: string }
  | { kind: 'fdb.del'; node: string; dev: string; dst: string; mac?: string }
  | { kind: 'neigh.replace'; node: string; dev: string; address: string; lladdr: string }
  | { kind: 'neigh.del'; node: string; dev: string; address: string }
  | { kind: 'node.del'; node: string };

export interface Plan {
  /** What the plan does, for logs and `coldpath plan`. */
  title: string;
  ops: Op[];
}

export const plan = (title: string, ops: Op[]): Plan => ({ title, ops });

/**
 * The ends of the plan's veth pairs that lie outside `node`: links that live on
 * in other nodes until the kernel has reclaimed `node` after it is deleted.
 */
export function peerLinksOutside(target: Plan, node: string): Array<{ node: string; dev: string }> {
  return target.ops.flatMap((op) => {
    if (op.kind !== 'veth.add') return [];
    if (op.node === node) return [{ node: op.peerNode, dev: op.peerDev }];
    if (op.peerNode === node) return [{ node: op.node, dev: op.dev }];
    return [];
  });
}
