/**
 * report.md: the verdict and one table per concern, compact enough for a
 * pull-request comment. Deterministic: only the run's own timestamps appear.
 */
import type { RunResult } from '../results/types.js';
import { missingData } from './completeness.js';
import { EXPERIMENTS_HEADING, experimentSections } from './experiments.js';
import { environmentLine, machinesLine, runHeadline } from './headline.js';
import { runSummaries } from './summaries.js';
import { burstTable, coldStartTable, figureColumns, pathCostTable, repetitionsTable, resourcesTable, warmTable, type Table } from './tables.js';
import { computeVerdict, verdictContext } from './verdict.js';
import { verdictLines } from './verdict-text.js';

export function markdownReport(run: RunResult): string {
  const paths = runSummaries(run);
  const machines = machinesLine(run);
  const lines: string[] = [`# coldpath run ${run.runId}: ${run.outcome}`, '', runHeadline(run), environmentLine(run), ...(machines === undefined ? [] : [machines]), ''];
  const gaps = missingData(run);
  if (gaps.length > 0) {
    lines.push('## Missing', '', ...gaps.map((gap) => `- ${escapeInline(gap.text)}`), '');
  }
  for (const note of run.notes) lines.push(`> **Note:** ${escapeInline(note)}`, '');
  lines.push('## Verdict', '', ...verdictLines(computeVerdict(paths, verdictContext(run))).map((line) => `- **${line.topic}:** ${escapeInline(line.text)}`), '');
  for (const table of [coldStartTable(paths), pathCostTable(run), warmTable(paths), burstTable(paths), resourcesTable(paths), repetitionsTable(run)]) {
    if (table.rows.length > 0) lines.push(...markdownTable(table), '');
  }
  const experiments = experimentSections(run);
  if (experiments.length > 0) {
    lines.push(`## ${EXPERIMENTS_HEADING}`, '');
    for (const section of experiments) {
      lines.push(`### ${escapeInline(section.title)} — ${section.outcome}`, '');
      if (section.problem !== undefined) lines.push(`> ${escapeInline(section.problem)}`, '');
      for (const block of section.blocks) lines.push(...(block.type === 'text' ? [escapeInline(block.text)] : markdownTable(block.table, '####')), '');
      if (section.notes.length > 0) lines.push(...section.notes.map((note) => `- ${escapeInline(note)}`), '');
    }
  }
  lines.push('Values are µs-resolution HdrHistogram percentiles. Charts, phases per instance and the environment: report.html; exact figures: summary.csv.', '');
  return lines.join('\n');
}

function markdownTable(table: Table, heading = '##'): string[] {
  const row = (cells: readonly string[]): string => `| ${cells.map((cell) => escapeInline(cell).replaceAll('|', '\\|')).join(' | ')} |`;
  return [
    `${heading} ${escapeInline(table.title)}`,
    '',
    `_${escapeInline(table.note)}_`,
    '',
    row(table.header),
    `|${figureColumns(table)
      .map((figure) => (figure ? ' ---: ' : ' --- '))
      .join('|')}|`,
    ...table.rows.map(row),
  ];
}

/** Keeps run-provided text (messages, notes) from turning into Markdown markup or HTML. */
function escapeInline(text: string): string {
  return text.replace(/[\\`*_<>[\]]/g, (char) => `\\${char}`).replace(/\s*\n\s*/g, ' ');
}
