/**
 * Every report file of a run, rendered from run.json alone. A renderer that
 * fails does not cost the others: what rendered is kept, and the failures are
 * listed for the caller to report.
 */
import type { RunResult } from '../results/types.js';
import { benchmarkJson } from './benchmark-json.js';
import { experimentsCsv } from './experiments.js';
import { hgrmFiles } from './hgrm.js';
import { hlogFiles } from './hlog.js';
import { htmlReport } from './html.js';
import { markdownReport } from './markdown.js';
import { openMetrics } from './openmetrics.js';
import { phasesCsv } from './phases-csv.js';
import { summaryCsv } from './summary-csv.js';
import { traceJson } from './trace.js';

export interface RenderedReports {
  /** File name → content, in a fixed order. */
  files: Map<string, string>;
  failures: Array<{ file: string; error: string }>;
}

type Renderer = (run: RunResult) => Map<string, string> | Promise<Map<string, string>>;

const one =
  (name: string, render: (run: RunResult) => string | Promise<string>): Renderer =>
  async (run) =>
    new Map([[name, await render(run)]]);

const RENDERERS: Array<[string, Renderer]> = [
  ['summary.csv', one('summary.csv', summaryCsv)],
  ['phases.csv', one('phases.csv', phasesCsv)],
  ['*.hgrm', hgrmFiles],
  ['*.hlog', hlogFiles],
  ['experiments.csv', experimentsCsv],
  ['report.md', one('report.md', markdownReport)],
  ['report.html', one('report.html', htmlReport)],
  ['trace.json', one('trace.json', traceJson)],
  ['metrics.prom', one('metrics.prom', openMetrics)],
  ['benchmark.json', one('benchmark.json', benchmarkJson)],
];

export async function renderReports(run: RunResult): Promise<RenderedReports> {
  const files = new Map<string, string>();
  const failures: RenderedReports['failures'] = [];
  for (const [file, render] of RENDERERS) {
    try {
      for (const [name, content] of await render(run)) files.set(name, content);
    } catch (error) {
      failures.push({ file, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  }
  return { files, failures };
}
