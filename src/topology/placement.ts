/**
 * Which machine of the inventory each node of the layout lives on (issue 12:
 * one scenario across real machines). Pure data: host-plans.ts rewrites a
 * plan into per-machine plans from it. The rules (docs/hosts.md):
 *
 * - function hosts `fhN`: round-robin over the `function-host` machines; an
 *   instance `fhN-cK` lives with its function host;
 * - proxies `pxN`: round-robin over the `proxy` machines;
 * - user services `us-*`: round-robin over the `service-host` machines;
 * - the VPC routers (`pvpc`, `uvpc`): together on the first proxy, else the
 *   first machine with both NICs (the peering link between them is a veth,
 *   so `peering` needs them on one machine); without such a machine and
 *   without `peering`, each on the first machine facing its VPC;
 * - baseline services `ps-*`: round-robin over the service hosts that have a
 *   platform NIC, else on the platform router's machine.
 */
import { ColdpathError, inputError } from '../errors.js';
import type { Inventory, InventoryHost } from '../scenario/inventory.js';
import type { StrategyName } from '../scenario/schema.js';
import type { Layout } from './layout.js';

/** The VPC a NIC or a router faces. */
export type Vpc = 'platform' | 'user';

/** A VPC router node: its VPC, and the bridge that stands for the VPC's wire. */
export interface RouterPlacement {
  vpc: Vpc;
  bridge: string;
  /** Its fixed MAC (layout.ts bridgeMac): the gateway address neighbours hold. */
  mac: string;
  /** Its end of the peering link: with `lo` and the bridge, the router's only device that is not a bridge port. */
  peeringDev: string;
}

export interface Placement {
  /** Every node of the layout → the name of the machine it lives on (instances: `machineOf`). */
  readonly nodes: ReadonlyMap<string, string>;
  /** The inventory's machines by name, with their index in `hosts` (for error fields). */
  readonly hosts: ReadonlyMap<string, { index: number; host: InventoryHost }>;
  /** The VPC router nodes, by node name. */
  readonly routers: ReadonlyMap<string, RouterPlacement>;
  /**
   * A router's bridge ports the layout knows (`router/dev`) → the node end of their veth, so a
   * teardown's `link.del` of a port can name the device that replaced it.
   */
  readonly ports: ReadonlyMap<string, { node: string; dev: string }>;
}

/** The key of a router's port in `Placement.ports`. */
export const portKey = (router: string, dev: string): string => `${router}/${dev}`;

/** An instance node (`fh0-c12`, instance-plan.ts) names its function host first. */
export const INSTANCE_NODE = /^(fh\d+)-c\d+$/;

/**
 * Places every node of `layout` on a machine of `inventory`, for a scenario running `strategies`.
 * Throws an input error naming the inventory field at fault (`hosts.0.nics.user: …`).
 */
export function placeNodes(layout: Layout, strategies: readonly StrategyName[], inventory: Inventory): Placement {
  const hosts = new Map(inventory.hosts.map((host, index) => [host.name, { index, host }] as const));
  const ofRole = (role: InventoryHost['role']): InventoryHost[] => inventory.hosts.filter((h) => h.role === role);
  const both = (h: InventoryHost): boolean => h.nics.platform !== undefined && h.nics.user !== undefined;
  const nodes = new Map<string, string>();
  const roundRobin = (names: readonly string[], machines: readonly InventoryHost[]): void => {
    for (const [i, node] of names.entries()) nodes.set(node, (machines[i % machines.length] as InventoryHost).name);
  };

  const functionHosts = ofRole('function-host');
  const serviceHosts = ofRole('service-host');
  const proxies = ofRole('proxy');
  if (functionHosts.length === 0) throw inputError('hosts', 'no machine has role function-host', 'add a function-host machine');
  if (serviceHosts.length === 0) throw inputError('hosts', 'no machine has role service-host', 'add a service-host machine (it runs the user VPC service)');
  roundRobin(
    layout.hosts.map((h) => h.node),
    functionHosts,
  );
  roundRobin(
    layout.userServices.map((s) => s.node),
    serviceHosts,
  );
  if (proxies.length > 0) {
    roundRobin(
      layout.proxies.map((p) => p.node),
      proxies,
    );
  } else if (strategies.includes('gre-proxy')) {
    throw inputError(
      'hosts',
      'the gre-proxy strategy needs a machine with role proxy; none has',
      'add a proxy machine with both NICs (nics.platform and nics.user), or drop gre-proxy from strategies',
    );
  }

  const routerMachine = proxies.find(both) ?? inventory.hosts.find(both);
  if (routerMachine !== undefined) {
    nodes.set(layout.platform.node, routerMachine.name);
    nodes.set(layout.user.node, routerMachine.name);
  } else if (strategies.includes('peering')) {
    throw inputError(
      'hosts',
      `the peering strategy links the two VPC routers (${layout.platform.node}, ${layout.user.node}) with a veth, so they need one machine with both NICs; none has`,
      'add a proxy machine, or set both nics.platform and nics.user on one machine',
    );
  } else {
    // Without peering the routers never meet: each goes where its VPC's NIC is.
    const platformMachine = [...serviceHosts, ...functionHosts].find((h) => h.nics.platform !== undefined) as InventoryHost;
    nodes.set(layout.platform.node, platformMachine.name);
    nodes.set(layout.user.node, (serviceHosts[0] as InventoryHost).name);
  }

  const platformServiceHosts = serviceHosts.filter((h) => h.nics.platform !== undefined);
  roundRobin(
    layout.platformServices.map((s) => s.node),
    platformServiceHosts.length > 0 ? platformServiceHosts : [hosts.get(nodes.get(layout.platform.node) as string)?.host as InventoryHost],
  );

  if (strategies.includes('eni')) {
    for (const h of layout.hosts) {
      const machine = hosts.get(nodes.get(h.node) as string) as { index: number; host: InventoryHost };
      // A machine that lends spare NICs (eni.attach: nic) attaches its instances through them, not through nics.user.
      if (machine.host.nics.user === undefined && machine.host.eni?.attach !== 'nic') {
        throw inputError(
          `hosts.${machine.index}.nics.user`,
          `the eni strategy attaches each instance to the user VPC from its function host, so function host ${machine.host.name} needs its user-VPC NIC`,
          'set nics.user (the NIC facing the user VPC) on every function host, or eni: { attach: nic, nics: [...] }, or drop eni from strategies',
        );
      }
    }
  }

  const routers = new Map<string, RouterPlacement>([
    [layout.platform.node, { vpc: 'platform', bridge: layout.platform.bridge, mac: layout.platform.bridgeMac, peeringDev: layout.peering.platformDev }],
    [layout.user.node, { vpc: 'user', bridge: layout.user.bridge, mac: layout.user.bridgeMac, peeringDev: layout.peering.userDev }],
  ]);
  const ports = new Map<string, { node: string; dev: string }>();
  for (const h of layout.hosts) ports.set(portKey(layout.platform.node, h.vpcPort), { node: h.node, dev: h.uplink });
  for (const s of layout.platformServices) ports.set(portKey(layout.platform.node, s.vpcPort), { node: s.node, dev: 'eth0' });
  for (const s of layout.userServices) ports.set(portKey(layout.user.node, s.vpcPort), { node: s.node, dev: 'eth0' });
  for (const p of layout.proxies) {
    ports.set(portKey(layout.platform.node, p.platformPort), { node: p.node, dev: 'eth0' });
    ports.set(portKey(layout.user.node, p.userPort), { node: p.node, dev: 'eth1' });
  }
  return { nodes, hosts, routers, ports };
}

/** The machine `node` lives on; an instance `fhN-cK` lives with `fhN`. Unknown node → error. */
export function machineOf(placement: Placement, node: string): InventoryHost {
  const name = placement.nodes.get(node) ?? placement.nodes.get(INSTANCE_NODE.exec(node)?.[1] ?? '');
  const machine = name === undefined ? undefined : placement.hosts.get(name);
  if (machine === undefined) {
    throw new ColdpathError(`node ${JSON.stringify(node)} has no machine: it is not a node of the layout${/^px\d+$/.test(node) ? ' (the inventory has no proxy machine)' : ''}`, {
      kind: 'input',
      field: 'hosts',
      hint: 'placement knows the layout nodes (pvpc, uvpc, fhN and its instances fhN-cK, ps-*, us-*, pxN); add a proxy machine for proxies',
    });
  }
  return machine.host;
}

/** The NIC of `machine` that faces `vpc`; a missing one is an error naming the field. */
export function nicOf(placement: Placement, machine: string, vpc: Vpc, node: string): string {
  const entry = placement.hosts.get(machine);
  const nic = entry?.host.nics[vpc];
  if (entry === undefined || nic === undefined) {
    throw inputError(`hosts.${entry?.index ?? '?'}.nics.${vpc}`, `node ${node} on machine ${machine} joins the ${vpc} VPC, but the machine has no ${vpc}-VPC NIC`, `set nics.${vpc} on ${machine}`);
  }
  return nic;
}
