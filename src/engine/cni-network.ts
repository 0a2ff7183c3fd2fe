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
import { attachmentNetwork, type BridgeAttachment, CNI_IFNAME, instanceNetworks, pluginStdin, type CniNetworkList, type CniPluginConfig } from '../topology/cni-config.js';
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

/** The same container, the plugins run in the attachment's node instead of the function host. */
const attachmentTarget = (ctx: EngineContext, instance: InstanceLayout, attachment: BridgeAttachment): Target => ({ ...targetOf(ctx, instance), hostNetns: ctx.driver.netnsOf(attachment.node) });

const run = (target: Target, command: CniCommand, list: CniNetworkList, plugin: CniPluginConfig, prevResult?: unknown): Promise<CniResult | undefined> =>
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

/** The order a runtime executes the plugins in: ADD every list in order and each list's plugins in order; DEL all of it backwards. */
export function cniSteps(command: CniCommand, networks: readonly CniNetworkList[]): Array<{ list: CniNetworkList; plugin: CniPluginConfig }> {
  const steps = networks.flatMap((list) => list.plugins.map((plugin) => ({ list, plugin })));
  return command === 'ADD' ? steps : steps.reverse();
}

/** What a bridge-plugin result must show: the planned address on the interface, the links made beside the bridge. */
interface PlannedInterface {
  ifname: string;
  address: string;
  bridge: string;
}

/**
 * A bridge plugin's result checked against the plan: it must give `planned.ifname` the planned
 * address. Returns the links it made in the plugin's namespace other than the bridge (the veth's
 * host end).
 */
function checkedLinks(instanceId: number, result: CniResult | undefined, planned: PlannedInterface): string[] {
  const address = result === undefined ? undefined : sandboxAddress(result, planned.ifname);
  if (result === undefined || address !== planned.address) {
    throw new ColdpathError(`CNI ADD gave instance ${instanceId} the address ${address ?? '(none)'} on ${planned.ifname}, not the planned ${planned.address}`, {
      kind: 'runtime',
      hint: 'the host-local range is the planned address alone: check the plugins (containernetworking-plugins) and the IPAM state in the run directory',
    });
  }
  return hostInterfaces(result).filter((name) => name !== planned.bridge);
}

/** The pod network's result checked against the plan (`eth0`, the pod address, the host's pod bridge). */
export function checkedHostLinks(instance: InstanceLayout, podResult: CniResult | undefined): string[] {
  return checkedLinks(instance.id, podResult, { ifname: CNI_IFNAME, address: instance.podAddress, bridge: instance.host.podBridge });
}

/**
 * ADD of every network of the instance, in order (loopback, then the pod
 * network), each list's plugins in order with the previous result as
 * `prevResult`; the pod network's result is checked (`checkedHostLinks`).
 */
export async function cniAdd(ctx: EngineContext, instance: InstanceLayout): Promise<CniAdded> {
  const target = targetOf(ctx, instance);
  const startUs = nowMicros();
  const results = new Map<CniNetworkList, CniResult | undefined>();
  for (const { list, plugin } of cniSteps('ADD', instanceNetworks(instance, cniDataDir(ctx)))) results.set(list, await run(target, 'ADD', list, plugin, results.get(list)));
  const endUs = nowMicros();
  const pod = [...results.entries()].find(([list]) => list.ifname === CNI_IFNAME)?.[1];
  return { startUs, endUs, hostLinks: checkedHostLinks(instance, pod) };
}

/**
 * ADD of a strategy's attachment (an ENI on the user VPC's bridge) by the
 * bridge plugin, run in the attachment's node: the result must give the
 * interface the planned address. Returns the links it made there other than
 * the bridge.
 */
export async function cniAttach(ctx: EngineContext, instance: InstanceLayout, attachment: BridgeAttachment): Promise<CniAdded> {
  const target = attachmentTarget(ctx, instance, attachment);
  const list = attachmentNetwork(attachment, cniDataDir(ctx));
  const startUs = nowMicros();
  let result: CniResult | undefined;
  for (const { plugin } of cniSteps('ADD', [list])) result = await run(target, 'ADD', list, plugin, result);
  const endUs = nowMicros();
  return { startUs, endUs, hostLinks: checkedLinks(instance.id, result, attachment) };
}

/**
 * DEL of every network, in reverse order, as a runtime does when it removes a
 * sandbox: a strategy's attachment first (in its node), then the pod network —
 * the bridge plugin releases the address (host-local removes its file) and
 * deletes the veth — then loopback. Runs while the namespace exists.
 * Continues past a failing plugin and throws the first failure at the end.
 */
export async function cniDel(ctx: EngineContext, instance: InstanceLayout, attachment?: BridgeAttachment): Promise<void> {
  const target = targetOf(ctx, instance);
  const steps = [
    ...(attachment === undefined ? [] : cniSteps('DEL', [attachmentNetwork(attachment, cniDataDir(ctx))]).map((step) => ({ ...step, target: attachmentTarget(ctx, instance, attachment) }))),
    ...cniSteps('DEL', instanceNetworks(instance, cniDataDir(ctx))).map((step) => ({ ...step, target })),
  ];
  let first: unknown;
  for (const step of steps) {
    try {
      await run(step.target, 'DEL', step.list, step.plugin);
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}
