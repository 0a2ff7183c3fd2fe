/**
 * Teardown that tolerates what is already gone (used for experiments): a
 * plan applied op by op, so one object that is already gone (a half-applied
 * set-up, a link that went with its namespace) does not keep the rest from
 * being removed. "Does not exist" answers are
 * expected and ignored; anything else becomes a note on the result.
 * Processes left in a namespace are killed and waited for first: a
 * namespace is only freed when its last process has exited.
 */
import { isColdpathError } from '../errors.js';
import type { KernelDriver } from './driver.js';
import type { Plan } from '../topology/ops.js';
import { killAllInNode } from './node-pids.js';

const GONE = /No such file|Cannot find device|does not exist|No such process|not found|Cannot open network namespace/i;

/** Applies every op of `plan` on its own; returns the unexpected errors. */
export async function applyTolerant(driver: KernelDriver, plan: Plan): Promise<string[]> {
  const errors: string[] = [];
  for (const op of plan.ops) {
    try {
      await driver.apply({ title: plan.title, ops: [op] });
    } catch (error) {
      if (!isColdpathError(error)) throw error;
      const text = `${error.message}\n${error.stderr ?? ''}`;
      const why = error.stderr?.split('\n').find((line) => line.trim() !== '');
      if (!GONE.test(text)) errors.push(why === undefined ? error.message : `${error.message}: ${why.trim()}`);
    }
  }
  return errors;
}

/**
 * Kills (SIGCONT then SIGKILL) whatever runs in the nodes' namespaces and waits until it is gone; each node's on
 * its own machine (through the driver), so it works wherever the node lives.
 */
export async function killAllIn(driver: KernelDriver, nodes: readonly string[], timeoutMs = 3000): Promise<number> {
  const counts = await Promise.all(nodes.map((node) => killAllInNode(driver.inNode(node), driver.netnsOf(node), timeoutMs)));
  return counts.reduce((sum, n) => sum + n, 0);
}
