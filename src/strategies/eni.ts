/**
 * One elastic network interface per instance: a veth whose one end is a port
 * of the user-VPC bridge and whose other end is `eni0` in the container, with
 * an address from the user subnet's IPAM and a route for the user VPC. The
 * ENI quota per VPC and the subnet size are enforced as on a real platform.
 */
import { host } from '../cidr.js';
import { taggedIfname } from '../topology/naming.js';
import { plan, type Op } from '../topology/ops.js';
import type { InstanceLayout } from '../topology/instance-plan.js';
import { Ipam } from './ipam.js';
import { NO_RESOURCES, type Strategy, type StrategyContext } from './types.js';
import { serviceTarget } from './target.js';

export const ENI_DEV = 'eni0';

export function eniStrategy(ctx: StrategyContext): Strategy {
  const { layout, scenario } = ctx;
  const service = layout.userServices[0];
  if (service === undefined) throw new Error('scenario has no service');
  const ipam = new Ipam(layout.eniPool.first, layout.eniPool.last);
  const quota = scenario.eni.quotaPerVpc;
  let enis = 0;
  const owned = new Set<number>();
  /** ENIs held per function host node: a machine lending spare NICs holds as many as it has (EniSlots). */
  const onHost = new Map<string, number>();

  return {
    name: 'eni',
    modeledColdPath: ['eni.create', 'eni.attach'],
    prewarm: () => ({ ok: true, plan: plan('eni: nothing shared', []), modeled: [], longLivedNodes: [] }),
    attach(instance: InstanceLayout) {
      if (enis >= quota) {
        return { ok: false, reason: 'eni-quota', message: `ENI quota reached: ${enis} of eni.quotaPerVpc ${quota} in use` };
      }
      const slots = ctx.eniSlotsOf?.(instance.host.node);
      const held = onHost.get(instance.host.node) ?? 0;
      if (slots !== undefined && held >= slots.quota) {
        return {
          ok: false,
          reason: 'eni-quota',
          message: `ENI quota of function host ${instance.host.node} reached: ${held} of its ${slots.quota} spare NIC(s) (${slots.field}) lent`,
        };
      }
      const number = ipam.allocate(instance.id);
      if (number === undefined) {
        return {
          ok: false,
          reason: 'subnet-exhausted',
          message: `user subnet ${layout.user.subnet.text} has no free address (${ipam.used} ENIs hold addresses)`,
        };
      }
      enis++;
      owned.add(instance.id);
      onHost.set(instance.host.node, held + 1);
      const address = host(layout.user.subnet, number);
      const port = taggedIfname(layout.tag, `e${instance.id}`);
      // Created from the instance's side (see containerLinkPlan), then enslaved to the VPC bridge.
      const ops: Op[] = [
        { kind: 'veth.add', node: instance.node, dev: ENI_DEV, peerNode: layout.user.node, peerDev: port },
        { kind: 'addr.add', node: instance.node, dev: ENI_DEV, cidr: `${address}/${layout.user.subnet.prefix}` },
        { kind: 'link.set', node: instance.node, dev: ENI_DEV, up: true },
      ];
      if (layout.user.cidr.prefix < layout.user.subnet.prefix) {
        ops.push({ kind: 'route.add', node: instance.node, dst: layout.user.cidr.text, via: layout.user.router, dev: ENI_DEV });
      }
      ops.push({ kind: 'link.set', node: layout.user.node, dev: port, master: layout.user.bridge, up: true });
      const routes = layout.user.cidr.prefix < layout.user.subnet.prefix ? [{ dst: layout.user.cidr.text, gw: layout.user.router }] : [];
      return {
        ok: true,
        plan: plan(`instance ${instance.id}: attach ENI ${address}`, ops),
        expectedSource: address,
        bridgeAttachment: { name: `coldpath-eni-${layout.user.node}`, node: layout.user.node, bridge: layout.user.bridge, ifname: ENI_DEV, address, subnet: layout.user.subnet.text, routes },
      };
    },
    release(instance) {
      if (!owned.delete(instance.id)) return;
      ipam.release(instance.id);
      enis--;
      onHost.set(instance.host.node, (onHost.get(instance.host.node) ?? 1) - 1);
    },
    // Each ENI's veth disappears with its instance's namespace.
    teardown: () => plan('eni: nothing shared', []),
    target: () => serviceTarget(service),
    natNodes: () => [],
    pathCounters: () => [],
    resources: (instances) => ({
      ...NO_RESOURCES,
      userVpcInterfaces: instances,
      userSubnetIps: instances,
      routeEntries: layout.user.cidr.prefix < layout.user.subnet.prefix ? instances : 0,
    }),
  };
}
