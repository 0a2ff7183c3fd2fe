/**
 * Undoes what a ledger recorded, in a fixed order: containers (crun deletes
 * them, which kills their processes, and their bundles go), processes, the
 * machine's NICs lent to nodes (brought home: lent-nics.ts), then
 * the namespaces (which takes every link, address, route and nft table inside
 * them). Continues past errors and reports them; used by a normal run's
 * teardown and by `coldpath clean`.
 */
import { readdirSync } from 'node:fs';
import { runCommand } from '../exec/run-command.js';
import { removeContainers } from './containers.js';
import { undoList, type LedgerEntry } from './ledger.js';
import { isRecordedProcess, NETNS_DIR, terminate } from './processes.js';
import { returnLentNics } from './lent-nics.js';

export interface UndoReport {
  containersRemoved: number;
  processesKilled: number;
  netnsRemoved: string[];
  errors: string[];
}

export async function undo(entries: readonly LedgerEntry[], options: { graceMs?: number } = {}): Promise<UndoReport> {
  const list = undoList(entries);
  const errors: string[] = [];
  const containers = await removeContainers(list.containers);
  errors.push(...containers.errors);
  const recorded = list.processes.filter((p) => isRecordedProcess(p.pid, p.netns, p.argv)).map((p) => p.pid);
  let killed = (await terminate(recorded, options.graceMs ?? 1000)).length;
  // Before the namespaces: deleting one would delete a lent virtual NIC, or hand a physical one to init_net.
  errors.push(...(await returnLentNics(entries)).errors);
  const result = await removeNetns(list.netns, options.graceMs ?? 1000);
  killed += result.processesKilled;
  errors.push(...result.errors);
  return { containersRemoved: containers.removed, processesKilled: killed, netnsRemoved: result.removed, errors };
}

export function existingNetns(): string[] {
  try {
    return readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
}

/**
 * Kills whatever still runs in the namespaces (daemons such as keepalived
 * fork away from us), then deletes them in one `ip -force -batch`.
 */
export async function removeNetns(names: readonly string[], graceMs = 1000): Promise<{ removed: string[]; processesKilled: number; errors: string[] }> {
  const present = new Set(existingNetns());
  const targets = names.filter((name) => present.has(name));
  const errors: string[] = [];
  if (targets.length === 0) return { removed: [], processesKilled: 0, errors };
  // Daemons may respawn children (keepalived restarts its VRRP child): list and kill until none is left.
  let killedCount = 0;
  for (let round = 0; round < 5; round++) {
    const pids: number[] = [];
    for (const name of targets) {
      const result = await runCommand(['ip', 'netns', 'pids', name], { reject: false, timeoutMs: 5000 });
      if (result.exitCode !== 0) {
        if (round === 0) errors.push(`ip netns pids ${name}: ${result.stderr.trim()}`);
        continue;
      }
      pids.push(
        ...result.stdout
          .split(/\s+/)
          .filter((word) => word !== '')
          .map(Number),
      );
    }
    if (pids.length === 0) break;
    killedCount += (await terminate(pids, round === 0 ? graceMs : 200)).length;
  }
  const deleted = await runCommand(['ip', '-force', '-batch', '-'], {
    input: targets.map((name) => `netns del ${name}\n`).join(''),
    reject: false,
    timeoutMs: 30_000,
  });
  if (deleted.exitCode !== 0) errors.push(deleted.stderr.trim());
  const left = new Set(existingNetns());
  return { removed: targets.filter((name) => !left.has(name)), processesKilled: killedCount, errors };
}
