/**
 * `coldpath run --hosts FILE`: which inventories and scenarios a run can drive.
 * `executor: local` sends every node's kernel plans through one agent started
 * here as a child (engine/kernel-backend.ts); `executor: ssh` places the
 * scenario's nodes on the inventory's machines and drives each machine's
 * agent — plans, commands and processes (executors/hosts-driver.ts). What a
 * multi-machine run cannot do yet is refused here, naming the field, before
 * anything exists (exit 2). `kubernetes` connects in a later slice.
 */
import { ColdpathError, inputError } from '../errors.js';
import { loadInventory } from '../scenario/load-inventory.js';
import type { Inventory } from '../scenario/inventory.js';
import type { Scenario } from '../scenario/schema.js';

/** The executors `coldpath run --hosts` drives a scenario through. */
export const RUN_EXECUTORS = ['local', 'ssh'] as const;
export type RunInventory = Inventory & { executor: (typeof RUN_EXECUTORS)[number] };

/** Refuses an inventory `run` cannot drive yet, naming the field; `source` names the file in the message. */
export function checkRunInventory(inventory: Inventory, source = 'inventory'): RunInventory {
  if (inventory.executor === 'local') {
    // One machine: an ENI is a veth on the user VPC router's bridge, as without --hosts; there is no NIC to lend or to be a child of.
    const at = inventory.hosts.findIndex((h) => h.eni !== undefined);
    if (at >= 0) {
      throw new ColdpathError(`${source}: hosts.${at}.eni: executor: local builds every node on this machine, where an ENI is a veth on the user VPC's bridge`, {
        kind: 'input',
        field: `hosts.${at}.eni`,
        hint: 'remove eni (it chooses how instances attach across machines: executor: ssh)',
      });
    }
  }
  if (inventory.executor === 'local' || inventory.executor === 'ssh') return { ...inventory, executor: inventory.executor };
  throw new ColdpathError(`${source}: executor: ${inventory.executor}: \`coldpath run --hosts\` with executor ${inventory.executor} is not built yet (it drives executor: local and ssh)`, {
    kind: 'input',
    field: 'executor',
    hint: "set executor: ssh or local, or print the agents' manifests with `coldpath plan --format kubernetes --hosts FILE` (docs/kubernetes.md)",
  });
}

/** Reads `--hosts FILE` for `run`: valid (every field, exit 2 otherwise) and of an executor `run` drives. */
export function loadRunInventory(path: string): RunInventory {
  return checkRunInventory(loadInventory(path), path);
}

/**
 * What a run across machines (`executor: ssh`) supports today; each refusal names the scenario field.
 * The coordinator only talks to agents there: everything it would start on its own machine beside
 * the namespaces (real servers' daemons, sockperf, OCI containers, CNI plugins, experiments' daemons)
 * and everything tied to this machine's CPUs or kernel (pinning, `tunnel: auto`) is local-only.
 */
export function checkHostsScenario(scenario: Scenario): void {
  const refuse = (field: string, got: string, hint: string): never => {
    throw inputError(field, `${got}: not supported across machines (executor: ssh) yet`, hint);
  };
  if (scenario.tunnel === 'auto') refuse('tunnel', 'auto', "set tunnel: gre, vxlan or ipip: the coordinator cannot see the hosts' kernels, so it cannot choose for them");
  if (scenario.cpu.placement !== 'none') refuse('cpu.placement', scenario.cpu.placement, "set cpu.placement: none (CPU numbers are each machine's own)");
  if (scenario.reference.tool !== 'none') refuse('reference.tool', scenario.reference.tool, 'set reference.tool: none (sockperf is started by the coordinator)');
  if (scenario.instances.runtime !== 'process') refuse('instances.runtime', scenario.instances.runtime, 'set instances.runtime: process');
  if (scenario.instances.network !== 'coldpath') refuse('instances.network', scenario.instances.network, 'set instances.network: coldpath');
  if (scenario.experiments.length > 0) refuse('experiments', `${scenario.experiments.length} experiment(s)`, 'remove experiments (their daemons start on the coordinator)');
  scenario.services.forEach((service, i) => {
    if (service.kind !== 'builtin') refuse(`services.${i}.kind`, service.kind, 'use kind: builtin (real servers start on the coordinator)');
  });
}
