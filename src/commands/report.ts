/**
 * `coldpath report RUN`: render every report again from run.json, or print
 * one format to stdout for a CI step to consume (`--format openmetrics`,
 * `--format benchmark-json`).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inputError } from '../errors.js';
import { readRun } from '../results/store.js';

/** What `--format` accepts: `files` writes the run directory's reports; the others print one format. */
export const REPORT_FORMATS = ['files', 'openmetrics', 'benchmark-json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportCommandOptions {
  /** Directory to write the reports to; default: the run's own directory. Only with `--format files`. */
  out?: string;
  /** `files` (default): write every report file and list them; `openmetrics` or `benchmark-json`: print that format to stdout, write nothing. */
  format?: string;
}

/** The format named by `--format`; input error naming the option, echoing the value and listing the valid ones otherwise. */
export function parseReportFormat(value: string | undefined): ReportFormat {
  if (value === undefined) return 'files';
  const format = REPORT_FORMATS.find((candidate) => candidate === value);
  if (format === undefined) throw inputError('--format', `got ${JSON.stringify(value)}; expected one of ${REPORT_FORMATS.join(', ')}`);
  return format;
}

export async function reportCommand(location: string, options: ReportCommandOptions): Promise<number> {
  // Bad options fail before the run is read: nothing is written.
  const format = parseReportFormat(options.format);
  if (format !== 'files' && options.out !== undefined) {
    throw inputError('--out', `writes report files; --format ${format} prints to stdout`, `drop --out, or redirect stdout: coldpath report RUN --format ${format} > FILE`);
  }
  const run = readRun(location);
  // One format imports only its renderer: the full set loads Vega (≈ 0.5 s).
  if (format === 'openmetrics') {
    const { openMetrics } = await import('../reports/openmetrics.js');
    process.stdout.write(openMetrics(run));
    return 0;
  }
  if (format === 'benchmark-json') {
    const { benchmarkJson } = await import('../reports/benchmark-json.js');
    process.stdout.write(benchmarkJson(run));
    return 0;
  }
  const { writeReports } = await import('../reports/write.js');
  const isDirectory = existsSync(location) && statSync(location).isDirectory();
  const dir = options.out ?? (isDirectory ? location : dirname(location));
  const files = await writeReports(run, dir);
  process.stdout.write(`${files.map((file) => join(dir, file)).join('\n')}\n`);
  return 0;
}
