/**
 * The run's side of `instances.network: cni` (docs/cni.md): the check before
 * anything exists, and an instance's CNI ADD and DEL. The plugins run in the
 * function host's namespace; their IPAM state lives in the run's ledger
 * directory (`<ledger dir>/cni`), so the ledger's removal and `coldpath
 * clean` take it, and the veth they make dies with the instance's namespace.
 */
import { join } from 'node:path';
import { cniPluginDir, requireCniPlugins } from '../env/cni.js';
import { ColdpathError } from '../errors.js';
import { type CniCommand, type CniResult, hostInterfaces, runCniPlugin, sandboxAddress } from '../exec/cni.js';
import { nowMicros } from '../clock.js';
import type { Scenario } from '../scenario/schema.js';
import { CNI_IFNAME, instanceNetworks, pluginStdin, type CniNetworkList } from '../topology/cni-config.js';
import type { InstanceLayout } from '../topology/instance-plan.js';
import type { EngineContext } from './context.js';

/** Exit 3 before anything is created when the scenario asks for CNI and a plugin is missing. */
export function cniPreflight(scenario: Scenario): void {
  if (scenario.instances.network === 'cni') requireCniPlugins();
}

/** The host-local plugin's state directory of the run. */
export const cniDataDir = (ctx: EngineContext): string => join(ctx.driver.ledger.dir, 'cni');

interface Target {
  /** The instance's namespace name: its CNI_CONTAINERID, and /run/netns/<name> its CNI_NETNS. */
  containerId: string;
  netns: string;
  hostNetns: string;
  cniPath: string;
}

const targetOf = (ctx: EngineContext, instance: InstanceLayout): Target => {
  const containerId = ctx.driver.netnsOf(instance.node);
  return { containerId, netns: `/run/netns/${containerId}`, hostNetns: ctx.driver.netnsOf(instance.host.node), cniPath: cniPluginDir() };
};

const run = (target: Target, command: CniCommand, list: CniNetworkList, plugin: CniNetworkList['plugins'][number], prevResult?: unknown): Promise<CniResult | undefined> =>
  runCniPlugin({
    command,
    plugin: plugin.type,
    containerId: target.containerId,
    netns: target.netns,
    ifname: list.ifname,
    cniPath: target.cniPath,
    hostNetns: target.hostNetns,
    config: pluginStdin(list, plugin, prevResult),
  });

/** What an ADD made: when it ran, and the veth's host end in the function host's namespace. */
export interface CniAdded {
  startUs: number;
  endUs: number;
  hostLinks: string[];
}

/**
 * ADD of every network of the instance, in order (loopback, then the pod
 * network), each list's plugins in order with the previous result as
 * `prevResult`. The pod network's result must give `eth0` the planned pod
 * address.
 */
export async function cniAdd(ctx: EngineContext, instance: InstanceLayout): Promise<CniAdded> {
  const target = targetOf(ctx, instance);
  const dataDir = cniDataDir(ctx);
  const startUs = nowMicros();
  let podResult: CniResult | undefined;
  for (const list of instanceNetworks(instance, dataDir)) {
    let prev: CniResult | undefined;
    for (const plugin of list.plugins) prev = await run(target, 'ADD', list, plugin, prev);
    if (list.ifname === CNI_IFNAME) podResult = prev;
  }
  const endUs = nowMicros();
  const address = podResult === undefined ? undefined : sandboxAddress(podResult, CNI_IFNAME);
  if (address !== instance.podAddress) {
    throw new ColdpathError(`CNI ADD gave instance ${instance.id} the address ${address ?? '(none)'} on ${CNI_IFNAME}, not the planned ${instance.podAddress}`, {
      kind: 'runtime',
      hint: 'the host-local range is the planned address alone: check the plugins (containernetworking-plugins) and the IPAM state in the run directory',
    });
  }
  const bridge = instance.host.podBridge;
  return { startUs, endUs, hostLinks: hostInterfaces(podResult as CniResult).filter((name) => name !== bridge) };
}

/**
 * DEL of every network, in reverse order, as a runtime does when it removes a
 * sandbox: the bridge plugin releases the address (host-local removes its
 * file) and deletes the veth; then loopback. Runs while the namespace exists.
 * Continues past a failing plugin and throws the first failure at the end.
 */
export async function cniDel(ctx: EngineContext, instance: InstanceLayout): Promise<void> {
  const target = targetOf(ctx, instance);
  let first: unknown;
  for (const list of instanceNetworks(instance, cniDataDir(ctx)).reverse()) {
    for (const plugin of [...list.plugins].reverse()) {
      try {
        await run(target, 'DEL', list, plugin);
      } catch (error) {
        first ??= error;
      }
    }
  }
  if (first !== undefined) throw first;
}
