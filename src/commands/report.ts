/** `coldpath report RUN`: render every report again from run.json. */
import { writeReports } from '../reports/write.js';
import { readRun } from '../results/store.js';

export function reportCommand(location: string, options: { out?: string }): number {
  const run = readRun(location);
  const dir = options.out ?? (location.endsWith('.json') ? location.replace(/\/?[^/]*$/, '') || '.' : location);
  const files = writeReports(run, dir);
  process.stdout.write(`${files.map((file) => `${dir}/${file}`).join('\n')}\n`);
  return 0;
}
