/** The console view of a comparison: header, one table row per finding, the reasons that matter, the outcome. */
import { table } from '../format.js';
import { cells, envMismatchLine, methodLine, routine, shortSha, VERDICT_ORDER } from './describe.js';
import { countVerdicts, EXIT_REGRESSION, exitCodeOf, invalidRuns, type Comparison, type Verdict } from './types.js';

const MARK: Record<Verdict, string> = { invalid: '✗', regressed: '✗', failed: '✗', improved: '↑', unchanged: '=', passed: '✓', inconclusive: '?' };

const runLine = (label: string, ref: Comparison['base']): string =>
  `  ${label.padEnd(4)}  ${ref.runId}  ${shortSha(ref.gitSha)}  ${ref.startedAt}${ref.outcome === 'completed' ? '' : `  [${ref.outcome}]`}${ref.location === '' ? '' : `  (${ref.location})`}`;

export function summaryLine(comparison: Comparison): string {
  const counts = countVerdicts(comparison.findings);
  const parts = VERDICT_ORDER.filter((verdict) => counts[verdict] > 0).map((verdict) => `${counts[verdict]} ${verdict}`);
  const code = exitCodeOf(comparison);
  const invalid = invalidRuns(comparison);
  const outcome = invalid.length > 0 ? 'INVALID RUN' : code === EXIT_REGRESSION ? 'REGRESSION' : 'no regression';
  const judged = invalid.length > 0 ? `${invalid.join(' and ')} cannot be judged; ` : '';
  return `${outcome} (exit ${code}): ${judged}${parts.length === 0 ? 'nothing compared' : parts.join(', ')}`;
}

export function renderConsole(comparison: Comparison): string {
  const lines: string[] = ['coldpath compare', runLine('BASE', comparison.base), runLine('NEW', comparison.next), `  ${methodLine(comparison)}`];
  const mismatch = envMismatchLine(comparison);
  if (mismatch !== undefined) lines.push('', `! ${mismatch}`);
  lines.push('');
  const rows = comparison.findings.map((finding) => {
    const c = cells(finding);
    return [finding.path, finding.metric, c.base, c.next, c.change, c.interval, c.limit, `${MARK[finding.verdict]} ${finding.verdict}`];
  });
  lines.push(table(['path', 'metric', 'BASE', 'NEW', 'change', '95% CI / p', 'limit', 'verdict'], rows));
  const why = VERDICT_ORDER.filter((verdict) => verdict !== 'unchanged' && verdict !== 'passed').flatMap((verdict) =>
    comparison.findings.filter((finding) => finding.verdict === verdict && !routine(finding)).map((finding) => `  ${finding.verdict.padEnd(12)} ${finding.path} ${finding.metric}: ${finding.reason}`),
  );
  const routineCount = comparison.findings.filter(routine).length;
  if (routineCount > 0) why.push(`  ${'inconclusive'.padEnd(12)} ${routineCount} more: the 95% CI crosses the limit (see table); more repetitions narrow it`);
  if (why.length > 0) lines.push('', 'why:', ...why);
  if (comparison.notes.length > 0) lines.push('', 'notes:', ...comparison.notes.map((note) => `  - ${note}`));
  lines.push('', summaryLine(comparison) + (mismatch === undefined ? '' : ' — environments differ (--allow-env-mismatch)'));
  return `${lines.join('\n')}\n`;
}
