/**
 * Nodes on this machine: commands and JSON-line processes run in a node's
 * namespace with `ip netns exec`, processes recorded in the coordinator's
 * ledger as they start, and this machine's clock (the identity). The local
 * driver and the local agent's driver both use it; a driver for other
 * machines goes through their agents instead.
 */
import { LineProcess } from '../exec/line-process.js';
import { runCommand } from '../exec/run-command.js';
import { parseNetnsName } from '../topology/naming.js';
import type { InNode, NodeClock, NodeProcess } from './kernel-driver.js';
import type { Ledger } from './ledger.js';
import { existingNetns } from './teardown.js';

/** Default bound of a command in a node, ms: inspection commands (counters, conntrack) answer in milliseconds. */
const COMMAND_TIMEOUT_MS = 10_000;

/** Runs `argv` inside `netns` on this machine. */
export const inNetns =
  (netns: string): InNode =>
  (argv, options = {}) =>
    runCommand(['ip', 'netns', 'exec', netns, ...argv], { reject: false, timeoutMs: options.timeoutMs ?? COMMAND_TIMEOUT_MS, ...(options.input === undefined ? {} : { input: options.input }) });

/** Starts a JSON-line process in `netns` on this machine, recorded in `ledger` before it runs. */
export function spawnInNetns<Event>(ledger: Ledger, netns: string, argv: readonly string[], options: { label: string; cpus?: readonly number[] }): NodeProcess<Event> {
  const child = new LineProcess<Event>({ netns, argv: [...argv], label: options.label, onSpawn: ledger.recordSpawn(netns), ...(options.cpus === undefined ? {} : { cpus: options.cpus }) });
  return { channel: child, pid: child.pid, stop: (graceMs) => child.stop(graceMs) };
}

/** This machine's clock against itself. */
export const LOCAL_CLOCK: NodeClock = { fromCoordinator: (us) => us, uncertaintyUs: 0 };

/** The nodes of run `tag` whose namespaces exist on this machine. */
export function localLiveNodes(tag: string): string[] {
  return existingNetns().flatMap((name) => {
    const parsed = parseNetnsName(name);
    return parsed?.tag === tag ? [parsed.node] : [];
  });
}
