/**
 * Where everything is: node names, interface names and addresses derived
 * deterministically from a scenario and a run tag. Strategies and the base
 * topology read from here; nothing else invents an address.
 *
 * Address plan (n = address number inside the network):
 * - platform VPC: router n=1, baseline service hosts n=8+i, function hosts
 *   n=16+h, proxies n=64+p (the HA virtual IP n=63);
 * - user subnet: router n=1 (AWS reserves the first 4 and the last address),
 *   services from n=reservedFirst, then proxies' eth1, then the ENI pool; the
 *   HA pair's user-side VIP takes the eth1 address reserved for the last proxy
 *   slot (px7), so a pool behind that VIP holds at most MAX_PROXIES - 1 proxies;
 * - pods: host h takes the h-th /podPrefix of podCidr; gateway n=1, slot s n=2+s;
 * - tunnel overlay: proxy p n=1+p, function host h n=128+h.
 */
import { postgresOptionsOf, type PostgresOptions } from '../scenario/postgres.js';
import { nginxOptionsOf, type NginxOptions } from '../scenario/nginx.js';
import type { ServiceKind } from '../scenario/real-servers.js';
import { redisOptionsOf, type RedisOptions } from '../scenario/redis.js';
import type { Scenario } from '../scenario/schema.js';
import { host, parseCidr, size, subnet, type Cidr } from '../cidr.js';
import { taggedIfname } from './naming.js';

/** Link network of the emulated peering connection (inside namespaces only). */
export const PEERING_LINK_CIDR = '169.254.252.0/30';
/** Most proxies a pool can hold; user-subnet addresses are reserved for them. */
export const MAX_PROXIES = 8;

export interface HostLayout {
  index: number;
  node: string;
  /** Fixed address of the pod bridge (the pods' gateway): see bridgeMac. */
  podBridgeMac: string;
  /** Address on the platform VPC. */
  address: string;
  /** The host's NIC inside its namespace. */
  uplink: string;
  /** The host's port on the platform-VPC bridge. */
  vpcPort: string;
  podSubnet: Cidr;
  podGateway: string;
  podBridge: string;
  tunnelDev: string;
  tunnelAddress: string;
}

export interface ServiceLayout {
  index: number;
  name: string;
  node: string;
  address: string;
  vpcPort: string;
  httpPort: number;
  echoPort: number;
  responseBytes: number;
  responseDelayUs: number;
  connectionDelayUs: number;
  kind: ServiceKind;
  /** kind redis: its options, defaults filled in; absent for the built-in server alone. */
  redis?: RedisOptions;
  /** kind postgres: its options, defaults filled in. */
  postgres?: PostgresOptions;
  /** kind nginx: its options, defaults filled in. */
  nginx?: NginxOptions;
}

export interface ProxyLayout {
  index: number;
  node: string;
  platformAddress: string;
  userAddress: string;
  platformPort: string;
  userPort: string;
  tunnelDev: string;
  tunnelAddress: string;
}

export interface Layout {
  tag: string;
  platform: { cidr: Cidr; node: string; bridge: string; bridgeMac: string; router: string };
  user: { cidr: Cidr; subnet: Cidr; node: string; bridge: string; bridgeMac: string; router: string };
  pods: Cidr;
  tunnel: Cidr;
  hosts: HostLayout[];
  /** Baseline targets: the same service, inside the platform VPC. */
  platformServices: ServiceLayout[];
  userServices: ServiceLayout[];
  proxies: ProxyLayout[];
  /** User-subnet address numbers the ENI IPAM hands out, [first, last]. */
  eniPool: { first: number; last: number };
  /**
   * Virtual addresses of a proxy HA pair (HaVip): `platform` is the tunnel
   * endpoint function hosts point at, `user` the SNAT source the user VPC sees.
   */
  vips: { platform: string; user: string };
  peering: { link: Cidr; platformDev: string; userDev: string; platformAddress: string; userAddress: string };
}

export function buildLayout(scenario: Scenario, tag: string): Layout {
  const platform = parseCidr(scenario.platform.cidr, 'platform.cidr');
  const userVpc = parseCidr(scenario.user.cidr, 'user.cidr');
  const userSubnet = parseCidr(scenario.user.subnet, 'user.subnet');
  const pods = parseCidr(scenario.platform.podCidr, 'platform.podCidr');
  const tunnel = parseCidr(scenario.platform.tunnelCidr, 'platform.tunnelCidr');
  const ifname = (suffix: string, field?: string): string => taggedIfname(tag, suffix, field);

  const hosts = Array.from({ length: scenario.functionHosts }, (_, h): HostLayout => {
    const podSubnet = subnet(pods, scenario.platform.podPrefix, h, 'platform.podCidr');
    return {
      index: h,
      node: `fh${h}`,
      address: host(platform, 16 + h, 'platform.cidr'),
      uplink: 'eth0',
      vpcPort: ifname(`h${h}`),
      podSubnet,
      podGateway: host(podSubnet, 1),
      podBridge: ifname('cbr'),
      podBridgeMac: bridgeMac(tag, 16 + h),
      tunnelDev: ifname('tun'),
      tunnelAddress: host(tunnel, 128 + h, 'platform.tunnelCidr'),
    };
  });
  const service = (s: Scenario['services'][number], index: number, node: string, address: string): ServiceLayout => ({
    index,
    name: s.name,
    node,
    address,
    vpcPort: ifname(`s${index}`, `services.${index}.name`),
    httpPort: s.httpPort,
    echoPort: s.echoPort,
    responseBytes: s.responseBytes,
    responseDelayUs: s.responseDelayUs,
    connectionDelayUs: s.connectionDelayUs,
    kind: s.kind,
    ...(s.kind === 'redis' ? { redis: redisOptionsOf(s) } : {}),
    ...(s.kind === 'postgres' ? { postgres: postgresOptionsOf(s) } : {}),
    ...(s.kind === 'nginx' ? { nginx: nginxOptionsOf(s) } : {}),
  });
  const platformServices = scenario.services.map((s, i) => service(s, i, `ps-${s.name}`, host(platform, 8 + i, 'platform.cidr')));
  const userServices = scenario.services.map((s, i) => service(s, i, `us-${s.name}`, host(userSubnet, scenario.user.reservedFirst + i, 'user.subnet')));
  const proxyBase = scenario.user.reservedFirst + scenario.services.length;
  const proxies = Array.from(
    { length: MAX_PROXIES },
    (_, p): ProxyLayout => ({
      index: p,
      node: `px${p}`,
      platformAddress: host(platform, 64 + p, 'platform.cidr'),
      userAddress: host(userSubnet, proxyBase + p, 'user.subnet'),
      platformPort: ifname(`p${p}`),
      userPort: ifname(`p${p}`),
      tunnelDev: ifname('tun'),
      tunnelAddress: host(tunnel, 1 + p, 'platform.tunnelCidr'),
    }),
  );
  const peeringLink = parseCidr(PEERING_LINK_CIDR);
  return {
    tag,
    platform: { cidr: platform, node: 'pvpc', bridge: ifname('br'), bridgeMac: bridgeMac(tag, 1), router: host(platform, 1) },
    user: { cidr: userVpc, subnet: userSubnet, node: 'uvpc', bridge: ifname('br'), bridgeMac: bridgeMac(tag, 2), router: host(userSubnet, 1) },
    pods,
    tunnel,
    hosts,
    platformServices,
    userServices,
    proxies,
    eniPool: { first: proxyBase + MAX_PROXIES, last: size(userSubnet) - 1 - scenario.user.reservedLast },
    vips: { platform: host(platform, 63, 'platform.cidr'), user: host(userSubnet, proxyBase + MAX_PROXIES - 1, 'user.subnet') },
    peering: {
      link: peeringLink,
      platformDev: ifname('peer'),
      userDev: ifname('peer'),
      platformAddress: host(peeringLink, 1),
      userAddress: host(peeringLink, 2),
    },
  };
}

/**
 * A bridge's fixed, locally administered address, unique per run (tag) and bridge. Measured: a
 * bridge without one takes the lowest MAC of its ports, so a burst's ENI or container ports
 * change the gateway's address; neighbours that still hold the old one lose their frames until
 * their ARP entry expires (tens of seconds of timeouts on a warm connection).
 */
export function bridgeMac(tag: string, index: number): string {
  const hex = tag.padStart(4, '0').slice(-4);
  return `02:${hex.slice(0, 2)}:${hex.slice(2, 4)}:00:00:${(index & 0xff).toString(16).padStart(2, '0')}`;
}

/** `address/prefix` for a host of the platform VPC. */
export const onPlatform = (layout: Layout, address: string): string => `${address}/${layout.platform.cidr.prefix}`;
/** `address/prefix` for a host of the user subnet. */
export const onUserSubnet = (layout: Layout, address: string): string => `${address}/${layout.user.subnet.prefix}`;
