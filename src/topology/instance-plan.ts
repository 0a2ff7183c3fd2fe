/**
 * One function instance (container): its namespace, and its veth on the host's
 * pod bridge, the way a CNI bridge plugin wires a pod. Split into the phases
 * the cold-start timeline reports.
 */
import type { HostLayout, Layout } from './layout.js';
import { taggedIfname } from './naming.js';
import { host } from '../cidr.js';
import { plan, type Plan } from './ops.js';

export interface InstanceLayout {
  id: number;
  node: string;
  host: HostLayout;
  /** Index inside the host's pod subnet. */
  slot: number;
  podAddress: string;
  hostPort: string;
}

export function instanceLayout(layout: Layout, id: number, hostIndex: number, slot: number): InstanceLayout {
  const h = layout.hosts[hostIndex];
  if (h === undefined) throw new Error(`no function host ${hostIndex}`);
  return {
    id,
    node: `${h.node}-c${id}`,
    host: h,
    slot,
    podAddress: host(h.podSubnet, 2 + slot, 'platform.podCidr'),
    hostPort: taggedIfname(layout.tag, `c${id}`),
  };
}

export function namespacePlan(instance: InstanceLayout): Plan {
  return plan(`instance ${instance.id}: namespace`, [{ kind: 'node.add', node: instance.node, role: 'container' }]);
}

export function containerLinkPlan(instance: InstanceLayout): Plan {
  const { node, host: h } = instance;
  // The pair is created from the container's side, in the one short-lived `ip` that configures
  // the container: the host's long-lived session must never open the container's namespace.
  return plan(`instance ${instance.id}: container link`, [
    { kind: 'veth.add', node, dev: 'eth0', peerNode: h.node, peerDev: instance.hostPort },
    { kind: 'link.set', node, dev: 'lo', up: true },
    { kind: 'addr.add', node, dev: 'eth0', cidr: `${instance.podAddress}/${h.podSubnet.prefix}` },
    { kind: 'link.set', node, dev: 'eth0', up: true },
    { kind: 'route.add', node, dst: 'default', via: h.podGateway },
    { kind: 'link.set', node: h.node, dev: instance.hostPort, master: h.podBridge, up: true },
  ]);
}

/** Deleting the namespace removes its veth pair (and an ENI's) with it. */
export function instanceDeletePlan(instances: readonly InstanceLayout[]): Plan {
  return plan(
    'instances: delete',
    instances.map((instance) => ({ kind: 'node.del', node: instance.node })),
  );
}
