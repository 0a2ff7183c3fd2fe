/**
 * The proxy-operations experiments in every report: each experiment's
 * plug-in says what its result shows (text, tables, charts, as data); this
 * module adds what all share (heading, outcome, why it failed, notes) and
 * renders them into report.md, report.html and experiments.csv like every
 * other section. Runs without experiments render nothing.
 */
import { stringify } from 'csv-stringify/sync';
import { reportOf } from '../experiments/index.js';
import type { ExperimentResult } from '../experiments/types.js';
import type { Block, ChartFigure } from '../report-data.js';
import type { RunResult } from '../results/types.js';

export interface ExperimentSection {
  title: string;
  outcome: ExperimentResult['outcome'];
  /** Why it failed, with what to do about it. */
  problem?: string;
  blocks: Block[];
  charts: ChartFigure[];
  notes: string[];
}

export const EXPERIMENTS_HEADING = 'Proxy operations';

export function experimentSections(run: Pick<RunResult, 'experiments'>): ExperimentSection[] {
  return run.experiments.map((result) => {
    const { blocks, charts } = reportOf(result);
    return {
      title: `${result.kind}: ${result.name}`,
      outcome: result.outcome,
      ...(result.message === undefined ? {} : { problem: `${result.message}${result.hint === undefined ? '' : ` (hint: ${result.hint})`}` }),
      blocks,
      charts,
      notes: result.notes,
    };
  });
}

/** experiments.csv: every experiment table in long form (one cell per line), for any tool to pivot. */
export function experimentsCsv(run: Pick<RunResult, 'experiments'>): Map<string, string> {
  const records: string[][] = [];
  for (const section of experimentSections(run)) {
    for (const block of section.blocks) {
      if (block.type !== 'table') continue;
      const { table } = block;
      table.rows.forEach((row, index) => {
        for (const [i, column] of table.header.entries()) records.push([section.title, table.title, String(index + 1), column, row[i] ?? '']);
      });
    }
  }
  if (records.length === 0) return new Map();
  return new Map([['experiments.csv', stringify(records, { header: true, columns: ['experiment', 'table', 'row', 'column', 'value'] })]]);
}
