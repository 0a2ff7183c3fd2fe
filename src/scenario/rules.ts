/** Rules that span fields; zod checks each field alone, these check them together. */
import { contains, overlaps, parseCidr, size } from '../cidr.js';
import { REAL_SERVERS, type RealServerRules } from './real-servers.js';
import type { Scenario } from './schema.js';

export interface Problem {
  path: string;
  message: string;
}

/** Smallest platform network that holds the fixed address plan (see topology/address-plan.ts). */
export const MIN_PLATFORM_PREFIX = 24;

export function crossFieldProblems(s: Scenario): Problem[] {
  const problems: Problem[] = [];
  const platform = parseCidr(s.platform.cidr);
  const pods = parseCidr(s.platform.podCidr);
  const userVpc = parseCidr(s.user.cidr);
  const userSubnet = parseCidr(s.user.subnet);

  if (!contains(userVpc, userSubnet)) {
    problems.push({ path: 'user.subnet', message: `${s.user.subnet} is not inside user.cidr ${s.user.cidr}` });
  }
  if (platform.prefix > MIN_PLATFORM_PREFIX) {
    problems.push({ path: 'platform.cidr', message: `got /${platform.prefix}; expected /${MIN_PLATFORM_PREFIX} or larger (hosts, proxies and services need addresses)` });
  }
  if (userSubnet.prefix > 28) {
    problems.push({ path: 'user.subnet', message: `got /${userSubnet.prefix}; expected /28 or larger` });
  }
  if (overlaps(platform, userVpc)) {
    problems.push(
      s.strategies.includes('peering')
        ? {
            path: 'user.cidr',
            message: `VPC peering cannot connect overlapping networks: user.cidr ${s.user.cidr} overlaps platform.cidr ${s.platform.cidr}`,
          }
        : {
            path: 'user.cidr',
            message: `user.cidr ${s.user.cidr} overlaps platform.cidr ${s.platform.cidr}; a function host could not tell its own network from the user's`,
          },
    );
  }
  if (overlaps(pods, userVpc)) {
    problems.push({
      path: 'platform.podCidr',
      message: s.strategies.includes('peering')
        ? `VPC peering cannot route pod addresses that overlap the user VPC: platform.podCidr ${s.platform.podCidr} overlaps user.cidr ${s.user.cidr}`
        : `platform.podCidr ${s.platform.podCidr} overlaps user.cidr ${s.user.cidr}`,
    });
  }
  const tunnels = parseCidr(s.platform.tunnelCidr);
  for (const [label, other] of [
    ['platform.cidr', platform],
    ['platform.podCidr', pods],
    ['user.cidr', userVpc],
  ] as const) {
    if (overlaps(tunnels, other)) {
      problems.push({ path: 'platform.tunnelCidr', message: `platform.tunnelCidr ${s.platform.tunnelCidr} overlaps ${label} ${other.text}` });
    }
  }
  if (tunnels.prefix > 24) {
    problems.push({ path: 'platform.tunnelCidr', message: `got /${tunnels.prefix}; expected /24 or larger` });
  }
  if (overlaps(pods, platform)) {
    problems.push({ path: 'platform.podCidr', message: `platform.podCidr ${s.platform.podCidr} overlaps platform.cidr ${s.platform.cidr}` });
  }
  if (s.platform.podPrefix < pods.prefix) {
    problems.push({ path: 'platform.podPrefix', message: `/${s.platform.podPrefix} is larger than platform.podCidr ${s.platform.podCidr}` });
  } else if (2 ** (s.platform.podPrefix - pods.prefix) < s.functionHosts) {
    problems.push({
      path: 'functionHosts',
      message: `got ${s.functionHosts}; platform.podCidr ${s.platform.podCidr} holds only ${2 ** (s.platform.podPrefix - pods.prefix)} /${s.platform.podPrefix} host subnets`,
    });
  }
  // Per host: network, gateway (bridge) and broadcast are not for pods.
  const podsPerHost = 2 ** (32 - s.platform.podPrefix) - 3;
  const largestBurst = Math.max(...s.burst.sizes);
  // Every path keeps its warm instances for the whole run, beside the burst being measured.
  const warmInstances = s.workload.instances * s.strategies.length;
  const needed = largestBurst + warmInstances;
  if (needed > podsPerHost * s.functionHosts) {
    problems.push({
      path: 'burst.sizes',
      message: `a burst of ${largestBurst} beside ${warmInstances} warm instance(s) (workload.instances per path) needs ${needed} pod addresses; ${s.functionHosts} host(s) with /${s.platform.podPrefix} pod subnets hold ${podsPerHost * s.functionHosts}`,
    });
  }
  if (s.workload.loop === 'open' && s.workload.rate === undefined) {
    problems.push({ path: 'workload.rate', message: 'missing; an open loop needs a rate in requests per second' });
  }
  if (s.workload.loop === 'closed' && s.workload.rate !== undefined) {
    problems.push({ path: 'workload.rate', message: `got ${s.workload.rate}; a rate applies only with workload.loop: open` });
  }
  const names = new Set<string>();
  s.services.forEach((service, index) => {
    if (names.has(service.name)) problems.push({ path: `services.${index}.name`, message: `${JSON.stringify(service.name)} is used twice` });
    names.add(service.name);
    if (service.httpPort === service.echoPort) {
      problems.push({ path: `services.${index}.echoPort`, message: `got ${service.echoPort}; it must differ from httpPort` });
    }
    if (s.reference.tool !== 'none' && (service.httpPort === s.reference.port || service.echoPort === s.reference.port)) {
      problems.push({ path: 'reference.port', message: `got ${s.reference.port}; services.${index} (${service.name}) listens there already — the sockperf server needs a port of its own` });
    }
    for (const server of Object.values(REAL_SERVERS)) problems.push(...realServerProblems(s, service, index, server));
  });
  for (const server of Object.values(REAL_SERVERS)) {
    const metrics = s.workload.metrics.filter(server.isMetric);
    if (metrics.length > 0 && s.services[0]?.kind !== server.kind) {
      problems.push({
        path: 'workload.metrics',
        message: `${metrics.join(', ')} measure a ${server.title} server, but services.0 (${s.services[0]?.name ?? 'none'}), which every path targets, is kind ${s.services[0]?.kind ?? 'builtin'}; set services.0.kind: ${server.kind}`,
      });
    }
  }
  if (s.burst.firstRequest === 'service') {
    const first = s.services[0];
    if (first?.kind !== 'postgres' && first?.kind !== 'redis') {
      problems.push({
        path: 'burst.firstRequest',
        message: `service makes each instance's first request to services.0's real server with its client, but services.0 (${first?.name ?? 'none'}) is kind ${first?.kind ?? 'builtin'}, which has none in the probe; set services.0.kind: postgres or redis, or burst.firstRequest: http`,
      });
    }
  }
  if (new Set(s.strategies).size !== s.strategies.length) {
    problems.push({ path: 'strategies', message: `${JSON.stringify(s.strategies)} lists a path twice` });
  }
  if (s.services.length > size(userSubnet) / 4) {
    problems.push({ path: 'services', message: `${s.services.length} services do not fit in user.subnet ${s.user.subnet}` });
  }
  return problems;
}

type Service = Scenario['services'][number];

/** A real server's port must be its own; its options belong to its kind only. */
function realServerProblems(s: Scenario, service: Service, index: number, server: RealServerRules): Problem[] {
  if (service.kind !== server.kind) {
    return server.given(service)
      ? [{ path: `services.${index}.${server.kind}`, message: `given for a service of kind ${service.kind}; ${server.title} options apply only with kind: ${server.kind}` }]
      : [];
  }
  const port = server.portOf(service);
  const taken: Array<[string, number]> = [
    ['httpPort', service.httpPort],
    ['echoPort', service.echoPort],
  ];
  if (s.reference.tool !== 'none') taken.push(['reference.port', s.reference.port]);
  return taken
    .filter(([, used]) => used === port)
    .map(([field]) => ({
      path: `services.${index}.${server.kind}.port`,
      message: `got ${port}; ${field === 'reference.port' ? 'reference.port' : `services.${index}.${field}`} uses it already — ${server.process} needs a port of its own`,
    }));
}
