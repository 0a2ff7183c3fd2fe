/**
 * The processes in a node's namespace, listed and killed on the node's
 * machine (through `InNode`: `ip netns exec` here, the agent elsewhere), so
 * teardown finds what a run left in a node wherever it lives. The listing is
 * `ip netns pids` run inside the node itself, which lists its own process
 * too: the shell prints its pid first and then becomes `ip` (exec), so that
 * pid is dropped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { InNode } from './kernel-driver.js';

/** `sh` prints its pid, then execs `ip netns pids NS` (same pid): see `parseNodePids`. */
export const listPidsArgv = (netns: string): string[] => ['sh', '-c', 'echo "$$"; exec ip netns pids "$0"', netns];

/** The pids of `listPidsArgv`'s output, without the lister's own (its first line). */
export function parseNodePids(stdout: string): number[] {
  const [self, ...rest] = stdout.split('\n').map((line) => line.trim());
  return rest.filter((word) => /^\d+$/.test(word) && word !== self).map(Number);
}

/** Pids of every process in the node's namespace on its machine; [] when it cannot be listed (no namespace). */
export async function pidsInNode(inNode: InNode, netns: string): Promise<number[]> {
  const result = await inNode(listPidsArgv(netns), { timeoutMs: 5000 });
  return result.exitCode === 0 ? parseNodePids(result.stdout) : [];
}

/** SIGCONT (a frozen one cannot die otherwise) then SIGKILL to every process in the node, and waits until they are gone; returns how many there were. */
export async function killAllInNode(inNode: InNode, netns: string, timeoutMs = 3000): Promise<number> {
  const pids = await pidsInNode(inNode, netns);
  if (pids.length === 0) return 0;
  const list = pids.map(String);
  // Shell builtins: no procps needed on the machine; a pid gone by now is not an error worth more than a note.
  await inNode(['sh', '-c', 'kill -s CONT "$@" 2>/dev/null; kill -s KILL "$@" 2>/dev/null; true', 'sh', ...list], { timeoutMs: 5000 });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const left = await pidsInNode(inNode, netns);
    if (!left.some((pid) => pids.includes(pid))) break;
    await sleep(20);
  }
  return pids.length;
}
