/**
 * One plan, rewritten into the plans of the machines its nodes live on
 * (placement.ts). On one machine a VPC is a router namespace with a bridge and
 * every node joins it through a veth port of that bridge; across machines **a
 * VPC's bridge is the machines' wire**:
 *
 * - a veth with one end on a VPC router (a bridge port) becomes, on the other
 *   end's machine, a macvlan child (mode bridge) of the machine's NIC facing
 *   that VPC, created inside the node under the other end's name (`eth0`);
 *   the port, its `link.set … master` and anything else done to it go;
 * - the router's bridge becomes a macvlan child of its machine's NIC, with the
 *   bridge's name, address and fixed MAC, so neighbours see the same gateway;
 * - veths between two nodes on one machine that are not ports (pod veths, the
 *   peering link between the routers) stay veths; one across machines is an
 *   error naming both nodes;
 * - on a router, every device but `lo`, the bridge and the peering link is a
 *   port: `link.del` of a port becomes `link.del` of the device that replaced
 *   it (or goes, when neither the plan nor the layout knows it: it dies with
 *   its node's namespace); an
 *   address, route or neighbour entry on a port moves to the router's bridge
 *   device, the one interface that now reaches all of them.
 *
 * Nothing is created outside the node namespaces: a macvlan child is born in
 * its node (render.ts) and dies with it.
 */
import { ColdpathError } from '../errors.js';
import type { Op, Plan } from './ops.js';
import { machineOf, nicOf, type Placement, portKey, type RouterPlacement } from './placement.js';

/** One machine's share of a plan. */
export interface HostPlan {
  /** The inventory host's name. */
  host: string;
  plan: Plan;
}

/**
 * Splits `plan` into per-machine plans, in inventory order; ops keep their order within each
 * machine, and a machine with no op gets no plan. Throws when a veth would cross machines.
 */
export function splitPlan(plan: Plan, placement: Placement): HostPlan[] {
  const ops = new Map<string, Op[]>();
  const put = (node: string, op: Op): void => {
    const machine = machineOf(placement, node).name;
    const list = ops.get(machine) ?? [];
    list.push(op);
    ops.set(machine, list);
  };
  // This plan's own ports (an ENI's, named per instance) beside the ones the layout knows.
  const planPorts = new Map<string, { node: string; dev: string }>();
  for (const op of plan.ops) {
    if (op.kind !== 'veth.add') continue;
    const port = portOf(op, placement);
    if (port !== undefined) planPorts.set(portKey(port.router, port.routerDev), { node: port.node, dev: port.dev });
  }
  const farEnd = (router: string, dev: string): { node: string; dev: string } | undefined => planPorts.get(portKey(router, dev)) ?? placement.ports.get(portKey(router, dev));

  for (const op of plan.ops) {
    const router = placement.routers.get(op.node);
    if (op.kind === 'veth.add') {
      const port = portOf(op, placement);
      if (port !== undefined) {
        const { vpc } = placement.routers.get(port.router) as RouterPlacement;
        const parent = nicOf(placement, machineOf(placement, port.node).name, vpc, port.node);
        put(port.node, { kind: 'macvlan.add', node: port.node, dev: port.dev, parent, mode: 'bridge', ...(op.mtu === undefined ? {} : { mtu: op.mtu }) });
        continue;
      }
      const [a, b] = [machineOf(placement, op.node).name, machineOf(placement, op.peerNode).name];
      if (a !== b) {
        throw new ColdpathError(`${plan.title}: the veth between ${op.node} (on ${a}) and ${op.peerNode} (on ${b}) would cross machines`, {
          kind: 'input',
          field: 'hosts',
          hint: 'only VPC attachments cross machines (as macvlan children of their NICs); place both nodes on one machine',
        });
      }
      put(op.node, op);
      continue;
    }
    const dev = 'dev' in op ? op.dev : undefined;
    if (router === undefined || dev === undefined) {
      put(op.node, op);
      continue;
    }
    // An op on a router node: its bridge, its peering link, or one of its ports.
    if (op.kind === 'bridge.add' && op.dev === router.bridge) {
      const parent = nicOf(placement, machineOf(placement, op.node).name, router.vpc, op.node);
      put(op.node, { kind: 'macvlan.add', node: op.node, dev: op.dev, parent, mode: 'bridge', mac: op.mac ?? router.mac, ...(op.mtu === undefined ? {} : { mtu: op.mtu }) });
      continue;
    }
    // A router holds its loopback, its bridge, its peering link and bridge ports: anything else is a port.
    if (dev === 'lo' || dev === router.bridge || dev === router.peeringDev) {
      put(op.node, op);
      continue;
    }
    const moved = portOp(op, router, farEnd(op.node, dev));
    if (moved !== undefined) put(moved.node, moved);
  }
  return [...placement.hosts.keys()].flatMap((host) => {
    const list = ops.get(host);
    return list === undefined ? [] : [{ host, plan: { title: plan.title, ops: list } }];
  });
}

/** A veth that is a router's bridge port: which router and port, and the node end that stays. */
function portOf(op: Extract<Op, { kind: 'veth.add' }>, placement: Placement): { router: string; routerDev: string; node: string; dev: string } | undefined {
  const here = placement.routers.has(op.node);
  const there = placement.routers.has(op.peerNode);
  if (here === there) return undefined; // both: the peering link; neither: a pod veth
  return here ? { router: op.node, routerDev: op.dev, node: op.peerNode, dev: op.peerDev } : { router: op.peerNode, routerDev: op.peerDev, node: op.node, dev: op.dev };
}

/** What becomes of an op on a port that no longer exists: nothing, the replacing device's deletion, or the same op on the router's bridge. */
function portOp(op: Op, router: RouterPlacement, far: { node: string; dev: string } | undefined): Op | undefined {
  switch (op.kind) {
    case 'link.set':
      return undefined; // enslaving (and raising) the port: the macvlan child is configured by its node's own ops
    case 'link.del':
      // Deleting the child at once, not with its namespace, takes its address off the wire now.
      return far === undefined ? undefined : { kind: 'link.del', node: far.node, dev: far.dev };
    case 'addr.add':
    case 'addr.del':
    case 'route.add':
    case 'route.del':
    case 'neigh.replace':
    case 'neigh.del':
    case 'fdb.append':
    case 'fdb.del':
      return { ...op, dev: router.bridge };
    default:
      return op;
  }
}
