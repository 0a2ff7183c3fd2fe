/**
 * `coldpath clean`: remove leftovers of runs that are no longer running — on
 * this machine, and with `--hosts FILE` on every machine of the inventory too,
 * each through a fresh agent session there (the agent's `clean` request: the
 * same clean, run on its machine). A host that cannot be reached is reported
 * and the others are still cleaned.
 */
import type { AgentConnection } from '../executors/agent-connection.js';
import { connectorOf } from '../executors/connect-hosts.js';
import { type CleanReport, cleanLeftovers } from '../kernel/clean.js';
import { loadInventory } from '../scenario/load-inventory.js';

/** One machine's clean, as lines (prefixed with the host's name on a remote machine); `ok` false when anything remained. */
function describe(report: CleanReport, prefix: string): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  for (const skipped of report.runsSkipped) lines.push(`${prefix}run ${skipped.tag} is still running (pid ${skipped.pid}); not touched`);
  lines.push(
    report.netnsRemoved.length === 0 && report.runsCleaned.length === 0
      ? `${prefix}nothing to clean`
      : `${prefix}removed ${report.containersRemoved > 0 ? `${report.containersRemoved} container(s), ` : ''}${report.netnsRemoved.length} namespace(s), ${report.processesKilled} process(es), ${report.runsCleaned.length} ledger(s)`,
  );
  for (const error of report.errors) lines.push(`${prefix}error: ${error}`);
  return { lines, ok: report.errors.length === 0 };
}

/** Cleans one inventory host through a new agent session; never throws (an unreachable host is a line and a failure). */
async function cleanHost(connect: () => Promise<AgentConnection>, host: string): Promise<{ lines: string[]; ok: boolean }> {
  let connection: AgentConnection | undefined;
  try {
    connection = await connect();
    return describe(await connection.client.clean(), `${host}: `);
  } catch (error) {
    return { lines: [`${host}: error: ${error instanceof Error ? error.message : String(error)}`], ok: false };
  } finally {
    await connection?.close();
  }
}

export async function cleanCommand(options: { hosts?: string } = {}): Promise<number> {
  // A bad inventory fails before anything is removed here.
  const inventory = options.hosts === undefined ? undefined : loadInventory(options.hosts);
  const here = describe(await cleanLeftovers(), options.hosts === undefined ? '' : 'this machine: ');
  const results = [here];
  if (inventory !== undefined && inventory.executor !== 'local') {
    const connect = connectorOf(inventory);
    const options = inventory.agentTimeoutMs === undefined ? {} : { requestTimeoutMs: inventory.agentTimeoutMs };
    results.push(...(await Promise.all(inventory.hosts.map((host) => cleanHost(() => connect(host, options), host.name)))));
  }
  process.stdout.write(`${results.flatMap((r) => r.lines).join('\n')}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}
