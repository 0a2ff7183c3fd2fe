/**
 * `coldpath run --hosts FILE`: which inventories and scenarios a run can drive.
 * `executor: local` sends every node's kernel plans through one agent started
 * here as a child (engine/kernel-backend.ts); `executor: ssh` places the
 * scenario's nodes on the inventory's machines and drives each machine's
 * agent — plans, commands and processes (executors/hosts-driver.ts). What a
 * multi-machine run cannot do yet is refused here, naming the field, before
 * anything exists (exit 2). `executor: kubernetes` places and drives them
 * the same way, each machine's agent exec'd in its Pod through the API
 * (executors/kubernetes.ts).
 */
import { ColdpathError, inputError } from '../errors.js';
import { loadInventory } from '../scenario/load-inventory.js';
import type { Inventory } from '../scenario/inventory.js';
import type { ExperimentSpec } from '../scenario/experiments.js';
import type { Scenario } from '../scenario/schema.js';

/** An inventory `coldpath run --hosts` drives: every executor (local, ssh, kubernetes). */
export type RunInventory = Inventory;

/** Whether a run's nodes live on other machines (each reached through its own agent), not in this one. */
export const acrossMachines = (inventory: Pick<Inventory, 'executor'> | undefined): boolean => inventory !== undefined && inventory.executor !== 'local';

/** Reads `--hosts FILE` for `run`: valid in every field (exit 2 otherwise, naming it), and no `eni` section with executor local. */
export function loadRunInventory(path: string): RunInventory {
  return checkRunInventory(loadInventory(path), path);
}

/** Refuses what `run` cannot do with an inventory, naming the field; `source` names the file in the message. */
export function checkRunInventory(inventory: Inventory, source = 'inventory'): RunInventory {
  if (inventory.executor === 'local') {
    // One machine: an ENI is a veth on the user VPC router's bridge, as without --hosts; there is no NIC to lend or to be a child of.
    const at = inventory.hosts.findIndex((h) => h.eni !== undefined);
    if (at >= 0) {
      throw new ColdpathError(`${source}: hosts.${at}.eni: executor: local builds every node on this machine, where an ENI is a veth on the user VPC's bridge`, {
        kind: 'input',
        field: `hosts.${at}.eni`,
        hint: 'remove eni (it chooses how instances attach across machines: executor: ssh or kubernetes)',
      });
    }
  }
  return inventory;
}

/**
 * Experiment kinds that still do part of their work on the coordinator, or are not proven across machines:
 * refused there. Not here: `tenants`, `failover` and `nat`, whose plans, commands, probes and daemons (keepalived and
 * `ip monitor` on the proxies, their files in the run's ledger directory on those machines, the crash's kill, the
 * proxy's conntrack and nft counters) all go through the run's `KernelDriver`, so they execute on each node's
 * machine, and whose probe traces are read on the probe's machine's clock (experiments/tenants/, failover/, nat/),
 * proven on emulated machines (test/integration/*-across-machines.test.ts).
 */
const ACROSS_MACHINES_EXPERIMENTS = ['tenants', 'failover', 'nat'] as const;
const LOCAL_ONLY_EXPERIMENTS: Readonly<Record<Exclude<ExperimentSpec['kind'], (typeof ACROSS_MACHINES_EXPERIMENTS)[number]>, string>> = {
  mtu: "it checks the coordinator's kernel and flushes route caches from the coordinator",
  scaling: 'its teardown now kills through the agents, but it is not proven across machines',
};

/**
 * What a run across machines (`executor: ssh` or `kubernetes`) supports today; each refusal names the
 * scenario field. The coordinator only talks to agents there: everything it would still start on its
 * own machine beside the namespaces (real servers' daemons, OCI containers, CNI plugins, experiments' daemons)
 * and everything tied to this machine's CPUs (pinning) is local-only. The tunnel, `auto` included, is chosen
 * from the hosts' own kernels once their agents answer (engine/kernel-backend.ts).
 */
export function checkHostsScenario(scenario: Scenario): void {
  const refuse = (field: string, got: string, hint: string): never => {
    throw inputError(field, `${got}: not supported across machines yet`, hint);
  };
  if (scenario.cpu.placement !== 'none') refuse('cpu.placement', scenario.cpu.placement, "set cpu.placement: none (CPU numbers are each machine's own)");
  if (scenario.instances.runtime !== 'process') refuse('instances.runtime', scenario.instances.runtime, 'set instances.runtime: process');
  if (scenario.instances.network !== 'coldpath') refuse('instances.network', scenario.instances.network, 'set instances.network: coldpath');
  scenario.experiments.forEach((spec, i) => {
    const why = (LOCAL_ONLY_EXPERIMENTS as Partial<Record<ExperimentSpec['kind'], string>>)[spec.kind];
    if (why !== undefined) refuse(`experiments.${i}.kind`, spec.kind, `remove it, or run it on one machine (${why}); kinds ${ACROSS_MACHINES_EXPERIMENTS.join(', ')} run across machines`);
  });
  scenario.services.forEach((service, i) => {
    if (service.kind !== 'builtin') refuse(`services.${i}.kind`, service.kind, 'use kind: builtin (real servers start on the coordinator)');
  });
}
