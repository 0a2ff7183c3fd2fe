/**
 * What a set of namespaces holds, counted from the kernel: links (without
 * loopback), IPv4 addresses, IPv4 routes (the local table left out: the
 * kernel keeps one per address), neighbour entries, nft rules and sets, and
 * two counts a cloud bills for — ports on the user VPC's bridge (interfaces
 * in the user VPC) and addresses inside the user CIDR. Read-only: one
 * `ip -json -batch` and one `nft -j list ruleset` per namespace, a few at a time.
 */
import pLimit from 'p-limit';
import { contains, parseCidr, type Cidr } from '../cidr.js';
import type { KernelCensus } from '../results/types.js';
import type { InNode } from './kernel-driver.js';

export type { KernelCensus } from '../results/types.js';

export const EMPTY_CENSUS: KernelCensus = { namespaces: 0, links: 0, addresses: 0, routes: 0, neighbours: 0, nftRules: 0, nftSets: 0, userVpcPorts: 0, userVpcAddresses: 0 };

export interface CensusScope {
  userCidr: Cidr;
  /** The user VPC's bridge: its node and device. */
  userBridge: { node: string; dev: string };
}

const BATCH = ['link show', 'address show', 'route show table all', 'neigh show'].join('\n');

/** Counts the objects of every node's namespace (a namespace gone meanwhile counts as empty). */
export async function takeCensus(nodes: ReadonlyArray<{ node: string; inNode: InNode }>, scope: CensusScope, parallelism = 4): Promise<KernelCensus> {
  const limit = pLimit(parallelism);
  const parts = await Promise.all(
    nodes.map(({ node, inNode }) =>
      limit(async () => {
        const ip = await inNode(['ip', '-json', '-batch', '-'], { input: BATCH, timeoutMs: 10_000 });
        const nft = await inNode(['nft', '-j', 'list', 'ruleset'], { timeoutMs: 10_000 });
        if (ip.exitCode !== 0) return EMPTY_CENSUS;
        return countNamespace(ip.stdout, nft.exitCode === 0 ? nft.stdout : '', node === scope.userBridge.node ? scope : { userCidr: scope.userCidr });
      }),
    ),
  );
  return parts.reduce(addCensus, EMPTY_CENSUS);
}

interface IpLink {
  ifname?: string;
  link_type?: string;
  master?: string;
}
interface IpAddress {
  addr_info?: Array<{ family?: string; local?: string }>;
}
interface IpRoute {
  dst?: string;
  table?: string;
}

const isIpv6 = (dst: string | undefined): boolean => dst?.includes(':') === true;

/**
 * One namespace's counts from the output of the batch above (one JSON array
 * per line: links, addresses, routes, neighbours) and of `nft -j list ruleset`.
 */
export function countNamespace(ipJson: string, nftJson: string, scope: { userCidr: Cidr; userBridge?: { dev: string } }): KernelCensus {
  const [links = [], addresses = [], routes = [], neighbours = []] = ipJson
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown[]);
  const ifaces = (links as IpLink[]).filter((link) => link.link_type !== 'loopback');
  const locals = (addresses as IpAddress[]).flatMap((a) => (a.addr_info ?? []).filter((info) => info.family === 'inet' && info.local !== undefined).map((info) => info.local as string));
  const nft = nftJson === '' ? [] : ((JSON.parse(nftJson) as { nftables?: Array<Record<string, unknown>> }).nftables ?? []);
  return {
    namespaces: 1,
    links: ifaces.length,
    addresses: locals.filter((address) => address !== '127.0.0.1').length,
    routes: (routes as IpRoute[]).filter((route) => route.table !== 'local' && !isIpv6(route.dst)).length,
    neighbours: (neighbours as IpRoute[]).filter((neighbour) => !isIpv6(neighbour.dst)).length,
    nftRules: nft.filter((item) => 'rule' in item).length,
    nftSets: nft.filter((item) => 'set' in item || 'map' in item).length,
    userVpcPorts: scope.userBridge === undefined ? 0 : ifaces.filter((link) => link.master === scope.userBridge?.dev).length,
    userVpcAddresses: locals.filter((address) => contains(scope.userCidr, parseCidr(`${address}/32`))).length,
  };
}

const CENSUS_KEYS = Object.keys(EMPTY_CENSUS) as Array<keyof KernelCensus>;

export function addCensus(a: KernelCensus, b: KernelCensus): KernelCensus {
  return Object.fromEntries(CENSUS_KEYS.map((key) => [key, a[key] + b[key]])) as unknown as KernelCensus;
}

/** What `after` holds beyond `before` (never below 0: something removed meanwhile is not a negative holding). */
export function censusDelta(after: KernelCensus, before: KernelCensus): KernelCensus {
  return Object.fromEntries(CENSUS_KEYS.map((key) => [key, Math.max(0, after[key] - before[key])])) as unknown as KernelCensus;
}
