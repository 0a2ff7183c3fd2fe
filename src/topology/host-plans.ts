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
 * An instance's ENI (its port on the user VPC router) follows its function
 * host's `eni.attach` (inventory): a macvlan child as above (the default), an
 * ipvlan child (mode l2, the NIC's own MAC), or `nic`: a spare NIC of the
 * machine lent to the instance (`nic.lend`, eni-nics.ts picks it) and
 * returned (`nic.return`) right before the instance's namespace goes.
 *
 * Nothing is created outside the node namespaces: a macvlan or ipvlan child is
 * born in its node (render.ts) and dies with it; a lent NIC goes back home.
 */
import { ColdpathError } from '../errors.js';
import type { Op, Plan } from './ops.js';
import { EniNics } from './eni-nics.js';
import { INSTANCE_NODE, machineOf, nicOf, type Placement, portKey, type RouterPlacement } from './placement.js';

/** One machine's share of a plan. */
export interface HostPlan {
  /** The inventory host's name. */
  host: string;
  plan: Plan;
}

/**
 * Splits `plan` into per-machine plans, in inventory order; ops keep their order within each
 * machine, and a machine with no op gets no plan. Throws when a veth would cross machines.
 * `nics`: which spare NICs are lent to instances (`eni.attach: nic`): one per run, shared by its
 * plans, so an instance's deletion returns what its attach took.
 */
export function splitPlan(plan: Plan, placement: Placement, nics: EniNics = new EniNics()): HostPlan[] {
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
        put(port.node, attachOp(placement, nics, vpc, port.node, port.dev, op.mtu));
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
    if (op.kind === 'node.del' || op.kind === 'link.del') {
      // A lent NIC goes home before its instance's namespace does (or instead of its deletion).
      const machine = machineOf(placement, op.node).name;
      const returned = op.kind === 'node.del' ? nics.release(machine, op.node) : lentAs(nics, machine, op.node, op.dev);
      for (const { nic, dev } of returned) put(op.node, { kind: 'nic.return', node: op.node, dev, nic });
      if (op.kind === 'link.del' && returned.length > 0) continue;
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
    if (moved === undefined) continue;
    const machine = machineOf(placement, moved.node).name;
    const lent = moved.kind === 'link.del' ? lentAs(nics, machine, moved.node, moved.dev) : [];
    for (const { nic, dev: lentDev } of lent) put(moved.node, { kind: 'nic.return', node: moved.node, dev: lentDev, nic });
    if (lent.length === 0) put(moved.node, moved);
  }
  return [...placement.hosts.keys()].flatMap((host) => {
    const list = ops.get(host);
    return list === undefined ? [] : [{ host, plan: { title: plan.title, ops: list } }];
  });
}

/**
 * The device that replaces a VPC port at `node` on its machine: a macvlan child of the NIC facing `vpc`, except for
 * an instance's ENI (its user-VPC port), which follows the machine's `eni.attach`.
 */
function attachOp(placement: Placement, nics: EniNics, vpc: 'platform' | 'user', node: string, dev: string, mtu: number | undefined): Op {
  const machine = machineOf(placement, node);
  const entry = placement.hosts.get(machine.name);
  const eni = vpc === 'user' && INSTANCE_NODE.test(node) ? machine.eni : undefined;
  const withMtu = mtu === undefined ? {} : { mtu };
  if (eni?.attach === 'nic') {
    const nic = nics.lend(machine.name, eni.nics ?? [], node, dev, `hosts.${entry?.index ?? '?'}.eni.nics`);
    return { kind: 'nic.lend', node, dev, nic };
  }
  const parent = nicOf(placement, machine.name, vpc, node);
  if (eni?.attach === 'ipvlan') return { kind: 'ipvlan.add', node, dev, parent, mode: 'l2', ...withMtu };
  return { kind: 'macvlan.add', node, dev, parent, mode: 'bridge', ...withMtu };
}

/** The NIC lent to `node` as `dev`, released (its deletion becomes its return); [] when `dev` is no lent NIC. */
function lentAs(nics: EniNics, machine: string, node: string, dev: string): Array<{ nic: string; dev: string }> {
  const nic = nics.heldAs(machine, node, dev);
  if (nic === undefined) return [];
  nics.forget(machine, nic);
  return [{ nic, dev }];
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
