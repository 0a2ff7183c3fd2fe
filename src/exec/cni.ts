/**
 * Executing a CNI plugin the way a container runtime does (the CNI
 * specification's protocol): the plugin's binary, its parameters in the
 * environment (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME,
 * CNI_PATH), its network configuration on stdin, its result (or a
 * `{code, msg}` error) as JSON on stdout. coldpath runs it inside the function
 * host's network namespace (`ip netns exec`), so what the plugin makes on the
 * host side is made there and never in the root namespace.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { ColdpathError } from '../errors.js';
import { type CommandResult, formatArgv, runCommand } from './run-command.js';

export type CniCommand = 'ADD' | 'DEL';

/** One execution of one plugin. */
export interface CniInvocation {
  command: CniCommand;
  /** The plugin's type: its binary's name in `cniPath`. */
  plugin: string;
  containerId: string;
  /** Path of the container's network namespace (`/run/netns/<name>`). */
  netns: string;
  ifname: string;
  /** Where the plugins live (Debian: /usr/lib/cni). */
  cniPath: string;
  /** Name of the namespace the plugin runs in (the function host's node). */
  hostNetns: string;
  /** The configuration the plugin reads on stdin (topology/cni-config.ts `pluginStdin`). */
  config: Record<string, unknown>;
}

/** argv: the plugin's binary, inside the host's namespace. */
export const cniPluginArgv = (invocation: CniInvocation): string[] => ['ip', 'netns', 'exec', invocation.hostNetns, join(invocation.cniPath, invocation.plugin)];

/** The plugin's parameters, passed in its environment as the specification says. */
export const cniEnv = (invocation: CniInvocation): Record<string, string> => ({
  CNI_COMMAND: invocation.command,
  CNI_CONTAINERID: invocation.containerId,
  CNI_NETNS: invocation.netns,
  CNI_IFNAME: invocation.ifname,
  CNI_PATH: invocation.cniPath,
});

/** A plugin's result (CNI 1.0.0; only what coldpath reads is checked, the rest is kept). */
const cniResultSchema = z.looseObject({
  cniVersion: z.string(),
  interfaces: z.array(z.looseObject({ name: z.string(), mac: z.string().optional(), sandbox: z.string().optional() })).optional(),
  ips: z.array(z.looseObject({ interface: z.number().int().optional(), address: z.string(), gateway: z.string().optional() })).optional(),
  routes: z.array(z.looseObject({ dst: z.string(), gw: z.string().optional() })).optional(),
});
export type CniResult = z.infer<typeof cniResultSchema>;

/** A plugin's error (the specification's error result). */
const cniErrorSchema = z.looseObject({ code: z.number(), msg: z.string(), details: z.string().optional() });

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** The result a plugin printed for ADD; a ColdpathError naming the plugin when it is not one. */
export function parseCniResult(plugin: string, stdout: string): CniResult {
  const parsed = cniResultSchema.safeParse(parseJson(stdout));
  if (!parsed.success) {
    throw new ColdpathError(`CNI plugin ${plugin} printed no valid result: ${stdout.trim().slice(0, 200) || '(nothing)'}`, {
      kind: 'runtime',
      hint: 'containernetworking-plugins 1.1.1 (Debian) prints a CNI 1.0.0 result; check the plugin in /usr/lib/cni',
    });
  }
  return parsed.data;
}

/** A failed execution as a ColdpathError naming the plugin, the command and the plugin's `msg` (its stderr when it printed no error JSON). */
export function cniErrorOf(invocation: Pick<CniInvocation, 'plugin' | 'command'>, result: CommandResult): ColdpathError {
  const error = cniErrorSchema.safeParse(parseJson(result.stdout));
  const reason = error.success
    ? `${error.data.msg}${error.data.details === undefined ? '' : ` (${error.data.details})`} (CNI error code ${error.data.code})`
    : result.stderr.trim().split('\n')[0] || `exit code ${result.exitCode}`;
  return new ColdpathError(`CNI plugin ${invocation.plugin} ${invocation.command} failed: ${reason}`, {
    kind: 'command',
    command: result.argv,
    exitCode: result.exitCode,
    stderr: result.stderr,
    hint: `the plugin was run as: ${formatArgv(result.argv)} (containernetworking-plugins)`,
  });
}

/** The address (without its prefix) the result gives the interface `ifname` inside the container. */
export function sandboxAddress(result: CniResult, ifname: string): string | undefined {
  const interfaces = result.interfaces ?? [];
  const ip = (result.ips ?? []).find((candidate) => {
    const index = candidate.interface;
    const iface = index === undefined ? undefined : interfaces[index];
    return iface !== undefined && iface.name === ifname && iface.sandbox !== undefined && iface.sandbox !== '';
  });
  return ip?.address.split('/')[0];
}

/** The interfaces the result lists outside the container (the bridge plugin: the bridge and the veth's host end). */
export const hostInterfaces = (result: CniResult): string[] => (result.interfaces ?? []).filter((iface) => iface.sandbox === undefined || iface.sandbox === '').map((iface) => iface.name);

/** Executes the plugin; ADD returns its result, DEL nothing. A failure throws `cniErrorOf`. */
export async function runCniPlugin(invocation: CniInvocation, timeoutMs = 30_000): Promise<CniResult | undefined> {
  const result = await runCommand(cniPluginArgv(invocation), { input: JSON.stringify(invocation.config), env: cniEnv(invocation), reject: false, timeoutMs });
  if (result.exitCode !== 0) throw cniErrorOf(invocation, result);
  return invocation.command === 'ADD' ? parseCniResult(invocation.plugin, result.stdout) : undefined;
}
