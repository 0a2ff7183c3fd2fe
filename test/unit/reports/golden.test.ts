/**
 * Golden files of the text reports rendered from the fixed fixtures. A change
 * in wording or figures shows up as a diff here; after checking it, refresh
 * the goldens with `UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/reports/golden.test.ts`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchmarkJson } from '../../../src/reports/benchmark-json.js';
import { markdownReport } from '../../../src/reports/markdown.js';
import { openMetrics } from '../../../src/reports/openmetrics.js';
import { phasesCsv } from '../../../src/reports/phases-csv.js';
import { summaryCsv } from '../../../src/reports/summary-csv.js';
import type { RunResult } from '../../../src/results/types.js';
import { GOLDEN, loadRun } from './helpers.js';

const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

function matchGolden(relative: string, actual: string): void {
  const file = join(GOLDEN, relative);
  if (UPDATE) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`no golden file ${file}: render it with UPDATE_GOLDEN=1 and review it`);
  expect(actual, `${relative} differs from its golden file (UPDATE_GOLDEN=1 refreshes it after review)`).toBe(readFileSync(file, 'utf8'));
}

const renderers: Array<[string, (run: RunResult) => string]> = [
  ['report.md', markdownReport],
  ['summary.csv', summaryCsv],
  ['phases.csv', phasesCsv],
  ['metrics.prom', openMetrics],
  ['benchmark.json', benchmarkJson],
];

describe.each(['run-small', 'run-aborted'] as const)('golden reports of %s', (fixture) => {
  it.each(renderers)('%s matches its golden file', (name, render) => {
    matchGolden(`${fixture}/${name}`, render(loadRun(fixture)));
  });

  it.each(renderers)('%s is the same on every render', (_, render) => {
    expect(render(loadRun(fixture))).toBe(render(loadRun(fixture)));
  });
});
