/** `coldpath clean`: remove leftovers of runs that are no longer running. */
import { cleanLeftovers } from '../kernel/clean.js';

export async function cleanCommand(): Promise<number> {
  const report = await cleanLeftovers();
  const lines: string[] = [];
  for (const skipped of report.runsSkipped) lines.push(`run ${skipped.tag} is still running (pid ${skipped.pid}); not touched`);
  lines.push(
    report.netnsRemoved.length === 0 && report.runsCleaned.length === 0
      ? 'nothing to clean'
      : `removed ${report.containersRemoved > 0 ? `${report.containersRemoved} container(s), ` : ''}${report.netnsRemoved.length} namespace(s), ${report.processesKilled} process(es), ${report.runsCleaned.length} ledger(s)`,
  );
  for (const error of report.errors) lines.push(`error: ${error}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return report.errors.length === 0 ? 0 : 1;
}
