/**
 * Writes every report file of a run from its run.json (never from live
 * state): the files render.ts lists (summary.csv, phases.csv, *.hgrm, *.hlog,
 * experiments.csv, report.md, report.html, trace.json, metrics.prom,
 * benchmark.json). run.json itself is written by results/store.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColdpathError } from '../errors.js';
import type { RunResult } from '../results/types.js';
import { renderReports, type RenderedReports } from './render.js';

/** Renders (Vega renders SVG asynchronously) and writes every report file; returns their names. */
export async function writeReports(run: RunResult, dir: string): Promise<string[]> {
  return writeRendered(await renderReports(run), dir);
}

/** Writes what rendered, then reports what did not: one broken renderer must not cost the other files. */
function writeRendered(rendered: RenderedReports, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of rendered.files) writeFileSync(join(dir, name), content);
  if (rendered.failures.length > 0) {
    throw new ColdpathError(`could not render ${rendered.failures.map((failure) => failure.file).join(', ')}: ${rendered.failures[0]?.error.split('\n')[0] ?? ''}`, {
      kind: 'runtime',
      hint: `the other reports are in ${dir}; run.json is intact, so \`coldpath report ${dir}\` renders them again`,
    });
  }
  return [...rendered.files.keys()];
}
