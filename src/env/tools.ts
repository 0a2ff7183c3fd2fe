/** External programs coldpath runs, and where to get them. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Tool {
  command: string;
  /** Debian package that provides it. */
  debian: string;
  neededFor: string;
  required: boolean;
}

export const TOOLS: readonly Tool[] = [
  { command: 'ip', debian: 'iproute2', neededFor: 'namespaces, links, addresses, routes', required: true },
  { command: 'bridge', debian: 'iproute2', neededFor: 'VXLAN flood entries', required: true },
  { command: 'nft', debian: 'nftables', neededFor: 'MASQUERADE, pod SNAT, MSS clamp, path counters', required: true },
  { command: 'taskset', debian: 'util-linux', neededFor: 'CPU placement of probes and servers', required: true },
  { command: 'sysctl', debian: 'procps', neededFor: 'ip_forward inside namespaces', required: true },
  { command: 'keepalived', debian: 'keepalived', neededFor: 'proxy HA pair (VRRP) experiments', required: false },
  { command: 'conntrack', debian: 'conntrack', neededFor: 'flushing NAT state between stages; NAT table inspection', required: false },
  { command: 'sockperf', debian: 'sockperf', neededFor: 'the reference measurement beside every path (sockperf ping-pong)', required: false },
  { command: 'redis-server', debian: 'redis-server', neededFor: 'services of kind redis', required: false },
  { command: 'redis-cli', debian: 'redis-tools', neededFor: 'services of kind redis: setting the value, CLIENT LIST for the path check', required: false },
  { command: 'nginx', debian: 'nginx', neededFor: 'services of kind nginx', required: false },
  { command: 'crun', debian: 'crun', neededFor: 'function instances as OCI containers (instances.runtime: oci)', required: false },
];

/** The tools a service kind needs beyond the built-in server (redis: redis-server, and redis-cli from its dependency redis-tools; nginx: nginx). */
export function toolsForServiceKind(kind: string): Tool[] {
  const commands: Record<string, readonly string[]> = { redis: ['redis-server', 'redis-cli'], nginx: ['nginx'] };
  return TOOLS.filter((tool) => commands[kind]?.includes(tool.command) === true);
}

/** Whether `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function which(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function missingTools(requiredOnly = true): Tool[] {
  return TOOLS.filter((tool) => (!requiredOnly || tool.required) && which(tool.command) === undefined);
}

export function installHint(tools: readonly Tool[]): string {
  const packages = [...new Set(tools.map((tool) => tool.debian))].join(' ');
  return `apt-get install -y ${packages}`;
}
