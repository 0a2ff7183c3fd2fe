/**
 * `coldpath run --hosts FILE`: which inventories a run can drive today. With
 * `executor: local` every node's kernel plans go through one agent started
 * here as a child (engine/kernel-backend.ts); the ssh and kubernetes
 * executors connect and apply plans, but a run does not drive a scenario
 * through them yet, and says so before anything exists (exit 2).
 */
import { ColdpathError } from '../errors.js';
import { loadInventory } from '../scenario/load-inventory.js';
import type { Inventory } from '../scenario/inventory.js';

/** The executors `coldpath run --hosts` drives a scenario through. */
export const RUN_EXECUTORS = ['local'] as const;

/** Refuses an inventory `run` cannot drive yet, naming the field; `source` names the file in the message. */
export function checkRunInventory(inventory: Inventory, source = 'inventory'): Inventory & { executor: 'local' } {
  if (inventory.executor === 'local') return { ...inventory, executor: 'local' };
  throw new ColdpathError(`${source}: executor: ${inventory.executor}: \`coldpath run --hosts\` with executor ${inventory.executor} is not built yet (it drives executor: local only)`, {
    kind: 'input',
    field: 'executor',
    hint:
      inventory.executor === 'ssh'
        ? 'set executor: local to run here through a local agent, or print the per-machine commands with `coldpath plan --format hosts` (docs/ssh.md)'
        : "set executor: local to run here through a local agent, or print the agents' manifests with `coldpath plan --format kubernetes --hosts FILE` (docs/kubernetes.md)",
  });
}

/** Reads `--hosts FILE` for `run`: valid (every field, exit 2 otherwise) and of an executor `run` drives. */
export function loadRunInventory(path: string): Inventory & { executor: 'local' } {
  return checkRunInventory(loadInventory(path), path);
}
