/**
 * `coldpath clean`: removes the leftovers of coldpath runs that are no longer
 * running (crashed, killed with SIGKILL, or interrupted twice) and nothing
 * else: only namespaces named `coldpath-<tag>-…`, the OCI containers a ledger
 * recorded (in that run's own crun state directory) and ledgers under the
 * state directory. A run that is still alive is left alone.
 */
import { isAlive, startTicksOf } from './processes.js';
import { Ledger, ledgerFilesOf, listLedgerTags, ownerOf, readLedgerFile } from './ledger.js';
import { existingNetns, removeNetns, undo } from './teardown.js';
import { parseNetnsName } from '../topology/naming.js';

export interface CleanReport {
  runsCleaned: string[];
  /** OCI containers deleted (their crun state and bundles). */
  containersRemoved: number;
  runsSkipped: Array<{ tag: string; pid: number }>;
  netnsRemoved: string[];
  processesKilled: number;
  errors: string[];
}

/**
 * A run is live if a process that wrote one of its ledgers still runs: same
 * pid and same start time (a reused pid has another). Ledgers without a start
 * time fall back to the pid alone — when in doubt, a run is left alone. A tag
 * has several ledgers when an agent joined its coordinator's (the local
 * executor): the tag is live while either lives, as an agent whose
 * coordinator was killed may still be finishing a plan.
 */
function liveOwner(tag: string): number | undefined {
  for (const file of ledgerFilesOf(tag)) {
    const owner = ownerOf(readLedgerFile(file));
    if (owner === undefined || owner.pid === process.pid || !isAlive(owner.pid)) continue;
    if (owner.startTicks === undefined || startTicksOf(owner.pid) === owner.startTicks) return owner.pid;
  }
  return undefined;
}

export interface CleanOptions {
  /** How long a process gets between SIGTERM and SIGKILL (ms). Default: `terminate`'s. */
  graceMs?: number;
  /**
   * Also remove coldpath namespaces that no ledger in the state directory names (a run killed
   * before its ledger was written). Default true. Off when the state directory is not the one runs
   * use (`COLDPATH_STATE_DIR` in tests): every live run's namespaces would look unledgered there.
   */
  sweepUnledgered?: boolean;
}

export async function cleanLeftovers(options: CleanOptions = {}): Promise<CleanReport> {
  const report: CleanReport = { runsCleaned: [], containersRemoved: 0, runsSkipped: [], netnsRemoved: [], processesKilled: 0, errors: [] };
  const live = new Set<string>();
  for (const tag of listLedgerTags()) {
    const pid = liveOwner(tag);
    if (pid !== undefined) {
      live.add(tag);
      report.runsSkipped.push({ tag, pid });
      continue;
    }
    const ledger = Ledger.open(tag);
    const result = await undo(
      ledgerFilesOf(tag).flatMap((file) => readLedgerFile(file)),
      options,
    );
    report.containersRemoved += result.containersRemoved;
    report.processesKilled += result.processesKilled;
    report.netnsRemoved.push(...result.netnsRemoved);
    report.errors.push(...result.errors);
    if (result.errors.length === 0) ledger.remove();
    report.runsCleaned.push(tag);
  }
  if (options.sweepUnledgered === false) return report;
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
