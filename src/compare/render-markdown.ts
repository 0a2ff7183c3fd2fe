/**
 * The comparison as GitHub-flavoured Markdown: for a PR comment or
 * $GITHUB_STEP_SUMMARY. Short on top (outcome, what is invalid or regressed), the full
 * table below, the reasons folded away.
 */
import { cells, envMismatchLine, methodLine, routine, shortSha } from './describe.js';
import { summaryLine } from './render-console.js';
import { EXIT_REGRESSION, exitCodeOf, FAILING_VERDICTS, invalidRuns, type Comparison, type Verdict } from './types.js';

const LABEL: Record<Verdict, string> = {
  invalid: '❌ **invalid**',
  regressed: '❌ **regressed**',
  failed: '❌ **failed**',
  improved: '✅ improved',
  unchanged: 'unchanged',
  passed: '✅ passed',
  inconclusive: '❔ inconclusive',
};

/** Table-cell and inline text: pipes would split cells, `<` could open an HTML tag. */
const md = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;

export function renderMarkdown(comparison: Comparison): string {
  const invalid = invalidRuns(comparison);
  const outcome = invalid.length > 0 ? `❌ invalid run (${invalid.join(' and ')})` : exitCodeOf(comparison) === EXIT_REGRESSION ? '❌ regression' : '✅ no regression';
  const lines: string[] = [`### coldpath compare: ${outcome}`, ''];
  lines.push(`**BASE** ${code(comparison.base.runId)} (${code(shortSha(comparison.base.gitSha))}) → **NEW** ${code(comparison.next.runId)} (${code(shortSha(comparison.next.gitSha))})`, '');
  const mismatch = envMismatchLine(comparison);
  if (mismatch !== undefined) lines.push(`> ⚠️ **${md(mismatch)}**`, '');
  const failing = comparison.findings.filter((finding) => finding.verdict === 'invalid' || FAILING_VERDICTS.includes(finding.verdict));
  if (failing.length > 0) {
    lines.push(...failing.map((finding) => `- **${finding.path}** ${code(finding.metric)} ${finding.verdict}: ${md(finding.reason)}`), '');
  }
  lines.push('| path | metric | BASE | NEW | change | 95% CI / p | limit | verdict |', '|:--|:--|--:|--:|--:|:--|:--|:--|');
  for (const finding of comparison.findings) {
    const c = cells(finding);
    lines.push(`| ${finding.path} | ${code(finding.metric)} | ${md(c.base)} | ${md(c.next)} | ${md(c.change)} | ${md(c.interval)} | ${md(c.limit)} | ${LABEL[finding.verdict]} |`);
  }
  lines.push('', md(summaryLine(comparison)), '');
  const explained = comparison.findings.filter((finding) => finding.verdict !== 'unchanged' && finding.verdict !== 'passed' && !routine(finding));
  const routineCount = comparison.findings.filter(routine).length;
  if (explained.length > 0 || routineCount > 0) {
    lines.push('<details><summary>Why</summary>', '');
    lines.push(...explained.map((finding) => `- ${finding.path} ${code(finding.metric)} ${finding.verdict}: ${md(finding.reason)}`));
    if (routineCount > 0) lines.push(`- ${routineCount} inconclusive: the 95% CI crosses the limit (see table); more repetitions narrow it`);
    lines.push('', '</details>', '');
  }
  if (comparison.notes.length > 0) lines.push('Notes:', '', ...comparison.notes.map((note) => `- ${md(note)}`), '');
  lines.push(`<sub>${md(methodLine(comparison))}</sub>`, '');
  return lines.join('\n');
}
