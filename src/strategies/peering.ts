/**
 * VPC peering: a routed link between the two VPC routers, the user VPC routed
 * from the platform side, and the platform VPC plus every host's pod subnet
 * routed back from the user side (pod addresses must be routable in the user
 * VPC). Built once per tenant; nothing per instance. The user VPC's route
 * table quota is enforced; overlapping CIDRs are refused earlier, by the
 * scenario rules, before anything exists.
 */
import { plan, type Op } from '../topology/ops.js';
import { NO_RESOURCES, type Strategy, type StrategyContext } from './types.js';
import { serviceTarget } from './target.js';

export function peeringStrategy(ctx: StrategyContext): Strategy {
  const { layout, scenario } = ctx;
  const service = layout.userServices[0];
  if (service === undefined) throw new Error('scenario has no service');
  const { peering, platform, user } = layout;
  // Routes the user VPC's table needs: the platform VPC and one per host pod subnet.
  const userRoutes = [platform.cidr.text, ...layout.hosts.map((h) => h.podSubnet.text)];
  const platformRoutes = [user.cidr.text];

  return {
    name: 'peering',
    modeledColdPath: [],
    prewarm() {
      if (userRoutes.length > scenario.peering.routeTableQuota) {
        return {
          ok: false,
          reason: 'route-table-quota',
          message: `the user VPC route table needs ${userRoutes.length} peering routes (platform VPC + ${layout.hosts.length} pod subnets); peering.routeTableQuota is ${scenario.peering.routeTableQuota}`,
        };
      }
      const linkPrefix = peering.link.prefix;
      const ops: Op[] = [
        { kind: 'veth.add', node: platform.node, dev: peering.platformDev, peerNode: user.node, peerDev: peering.userDev },
        { kind: 'addr.add', node: platform.node, dev: peering.platformDev, cidr: `${peering.platformAddress}/${linkPrefix}` },
        { kind: 'link.set', node: platform.node, dev: peering.platformDev, up: true },
        ...platformRoutes.map((dst): Op => ({ kind: 'route.add', node: platform.node, dst, via: peering.userAddress })),
        { kind: 'addr.add', node: user.node, dev: peering.userDev, cidr: `${peering.userAddress}/${linkPrefix}` },
        { kind: 'link.set', node: user.node, dev: peering.userDev, up: true },
        ...userRoutes.map((dst): Op => ({ kind: 'route.add', node: user.node, dst, via: peering.platformAddress })),
      ];
      return { ok: true, plan: plan('peering: link and routes', ops), modeled: ['peering.create', 'peering.accept', 'peering.routes'], longLivedNodes: [] };
    },
    attach: (instance) => ({ ok: true, plan: plan(`instance ${instance.id}: peering attach`, []), expectedSource: instance.podAddress }),
    release: () => {},
    // Deleting the link removes both ends and every route through it.
    teardown: () => plan('peering: remove link', [{ kind: 'link.del', node: platform.node, dev: peering.platformDev }]),
    target: () => serviceTarget(service),
    natNodes: () => [],
    pathCounters: () => [],
    resources: () => ({ ...NO_RESOURCES, routeEntries: userRoutes.length + platformRoutes.length, peeringConnections: 1 }),
  };
}
