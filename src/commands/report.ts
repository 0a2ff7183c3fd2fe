/** `coldpath report RUN`: render every report again from run.json. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeReports } from '../reports/write.js';
import { readRun } from '../results/store.js';

export interface ReportCommandOptions {
  /** Directory to write the reports to; default: the run's own directory. */
  out?: string;
}

export async function reportCommand(location: string, options: ReportCommandOptions): Promise<number> {
  const run = readRun(location);
  const isDirectory = existsSync(location) && statSync(location).isDirectory();
  const dir = options.out ?? (isDirectory ? location : dirname(location));
  const files = await writeReports(run, dir);
  process.stdout.write(`${files.map((file) => join(dir, file)).join('\n')}\n`);
  return 0;
}
