/**
 * An instance's network as the standard CNI plugins (Debian's
 * containernetworking-plugins) configure it, for `instances.network: cni`:
 * plain data, the way a container runtime would read it from its network
 * configuration lists. Two lists, executed in order as a CRI runtime does:
 * `loopback` (the instance's `lo` up), then `bridge` with `host-local` IPAM
 * (the veth `eth0`, its peer on the function host's pod bridge). The IPAM
 * range is exactly the pod address coldpath planned, so the addresses and
 * routes are those of coldpath's own container link (topology/instance-plan.ts).
 */
import type { InstanceLayout } from './instance-plan.js';

/** The CNI specification version coldpath speaks (containernetworking-plugins 1.1.1 supports 0.1.0 … 1.0.0). */
export const CNI_VERSION = '1.0.0';

/** The interface the bridge plugin creates in the instance's namespace. */
export const CNI_IFNAME = 'eth0';

/** One plugin's entry in a network configuration list (`type` names the plugin binary). */
export interface CniPluginConfig {
  type: string;
  [key: string]: unknown;
}

/** A network configuration list (a `.conflist`), with the interface its plugins configure. */
export interface CniNetworkList {
  cniVersion: string;
  name: string;
  ifname: string;
  plugins: CniPluginConfig[];
}

/** The loopback network: brings `lo` up (a runtime runs it apart from the pod network). */
export function loopbackNetwork(): CniNetworkList {
  return { cniVersion: CNI_VERSION, name: 'coldpath-loopback', ifname: 'lo', plugins: [{ type: 'loopback' }] };
}

/**
 * The pod network of the instance's function host: the host's existing pod
 * bridge, which is not the gateway (the host's own address on it is), no
 * masquerade and no hairpin (coldpath's plans make neither); host-local
 * IPAM whose only address is the planned one, its state under `dataDir` (the
 * run's ledger directory, never /var/lib/cni).
 */
export function podNetwork(instance: InstanceLayout, dataDir: string): CniNetworkList {
  const h = instance.host;
  return attachmentNetwork(
    {
      name: `coldpath-${h.node}`,
      node: h.node,
      bridge: h.podBridge,
      ifname: CNI_IFNAME,
      address: instance.podAddress,
      subnet: h.podSubnet.text,
      gateway: h.podGateway,
      routes: [{ dst: '0.0.0.0/0' }],
    },
    dataDir,
  );
}

/**
 * An interface on a bridge, as data: the pod network's `eth0`, or a strategy's
 * per-instance interface on a bridge of another node (an ENI on the user VPC's
 * bridge), which with `instances.network: cni` the bridge plugin makes in place
 * of the strategy's own plan, as AWS's VPC CNI attaches a branch interface.
 * The plugins run in `node`'s namespace.
 */
export interface BridgeAttachment {
  /** The network's name (host-local keeps its state under `<dataDir>/<name>`). */
  name: string;
  node: string;
  bridge: string;
  /** The interface made in the instance's namespace. */
  ifname: string;
  /** The interface's address, planned by the strategy (host-local hands out exactly it). */
  address: string;
  /** The subnet it is in (CIDR). */
  subnet: string;
  /** The subnet's gateway, where the interface's routes go by default (the pod network's; an ENI has none). */
  gateway?: string;
  /** Routes beyond the subnet, as the plan adds them. */
  routes: Array<{ dst: string; gw?: string }>;
}

/** The bridge plugin's network for an interface on a bridge (the pod network's, a strategy's attachment): the bridge not the gateway, no masquerade or hairpin; host-local with the planned address alone. */
export function attachmentNetwork(attachment: BridgeAttachment, dataDir: string): CniNetworkList {
  return {
    cniVersion: CNI_VERSION,
    name: attachment.name,
    ifname: attachment.ifname,
    plugins: [
      {
        type: 'bridge',
        bridge: attachment.bridge,
        isGateway: false,
        ipMasq: false,
        hairpinMode: false,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: attachment.subnet, rangeStart: attachment.address, rangeEnd: attachment.address, ...(attachment.gateway === undefined ? {} : { gateway: attachment.gateway }) }]],
          routes: attachment.routes,
          dataDir,
        },
      },
    ],
  };
}

/** The networks of one instance, in the order ADD runs them (DEL runs them backwards). */
export function instanceNetworks(instance: InstanceLayout, dataDir: string): CniNetworkList[] {
  return [loopbackNetwork(), podNetwork(instance, dataDir)];
}

/**
 * What one plugin of a list reads on stdin, as libcni builds it: the list's
 * `cniVersion` and `name`, the plugin's own keys, and the previous plugin's
 * result as `prevResult` (none for the first plugin's ADD).
 */
export function pluginStdin(list: CniNetworkList, plugin: CniPluginConfig, prevResult?: unknown): Record<string, unknown> {
  return { cniVersion: list.cniVersion, name: list.name, ...plugin, ...(prevResult === undefined ? {} : { prevResult }) };
}
