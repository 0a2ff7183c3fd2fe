/** Renders every report file of a run from its run.json (never from live state). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../results/types.js';
import { hgrmFiles } from './hgrm.js';
import { summaryCsv } from './summary-csv.js';

export function writeReports(run: RunResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, string>([['summary.csv', summaryCsv(run)], ...hgrmFiles(run)]);
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  return [...files.keys()];
}
