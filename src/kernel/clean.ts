/**
 * `coldpath clean`: removes the leftovers of coldpath runs that are no longer
 * running (crashed, killed with SIGKILL, or interrupted twice) and nothing
 * else: only namespaces named `coldpath-<tag>-…` and ledgers under the state
 * directory. A run that is still alive is left alone.
 */
import { cmdlineOf, isAlive } from './processes.js';
import { Ledger, listLedgerTags, ownerOf, readLedgerFile } from './ledger.js';
import { existingNetns, removeNetns, undo } from './teardown.js';
import { parseNetnsName } from '../topology/naming.js';

export interface CleanReport {
  runsCleaned: string[];
  runsSkipped: Array<{ tag: string; pid: number }>;
  netnsRemoved: string[];
  processesKilled: number;
  errors: string[];
}

/** A run is live if its recorded pid is alive and still runs the recorded program. */
function liveOwner(tag: string): number | undefined {
  const entries = readLedgerFile(Ledger.open(tag).file);
  const owner = ownerOf(entries);
  const head = entries[0];
  if (owner === undefined || head?.t !== 'run' || !isAlive(owner.pid) || owner.pid === process.pid) return undefined;
  const cmdline = cmdlineOf(owner.pid);
  const script = head.argv[1];
  return cmdline !== undefined && (script === undefined || cmdline.includes(script)) ? owner.pid : undefined;
}

export async function cleanLeftovers(options: { graceMs?: number } = {}): Promise<CleanReport> {
  const report: CleanReport = { runsCleaned: [], runsSkipped: [], netnsRemoved: [], processesKilled: 0, errors: [] };
  const live = new Set<string>();
  for (const tag of listLedgerTags()) {
    const pid = liveOwner(tag);
    if (pid !== undefined) {
      live.add(tag);
      report.runsSkipped.push({ tag, pid });
      continue;
    }
    const ledger = Ledger.open(tag);
    const result = await undo(ledger.read(), options);
    report.processesKilled += result.processesKilled;
    report.netnsRemoved.push(...result.netnsRemoved);
    report.errors.push(...result.errors);
    if (result.errors.length === 0) ledger.remove();
    report.runsCleaned.push(tag);
  }
  // Namespaces whose ledger is gone (or was never written): match by name.
  const orphans = existingNetns().filter((name) => {
    const parsed = parseNetnsName(name);
    return parsed !== undefined && !live.has(parsed.tag);
  });
  if (orphans.length > 0) {
    const result = await removeNetns(orphans, options.graceMs);
    report.netnsRemoved.push(...result.removed);
    report.processesKilled += result.processesKilled;
    report.errors.push(...result.errors);
  }
  return report;
}
