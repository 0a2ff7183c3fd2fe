/**
 * The comparison as JUnit XML, which every CI system displays: one
 * testsuite per path, one testcase per metric. regressed / failed =
 * <failure> with the numbers; invalid = <failure type="invalid"> named by
 * the run and check (`NEW verification`) in the path's suite (`run` for a
 * whole run); inconclusive = <skipped> (visible in every JUnit viewer, never
 * fails a build); the numbers of every case in <system-out>.
 */
import { cells, envMismatchLine, methodLine } from './describe.js';
import { FAILING_VERDICTS, type Comparison, type Finding } from './types.js';

/** XML 1.0 text and attribute values: escapes markup and drops characters XML cannot carry. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attrs = (values: Record<string, string | number>): string =>
  Object.entries(values)
    .map(([key, value]) => ` ${key}="${xmlEscape(String(value))}"`)
    .join('');

function numbers(finding: Finding): string {
  const c = cells(finding);
  const parts = [
    c.base === '' ? '' : `BASE ${c.base}`,
    c.next === '' ? '' : `NEW ${c.next}`,
    c.change === '' ? '' : `change ${c.change}`,
    c.interval === '' ? '' : `95% CI / p ${c.interval}`,
    c.limit === '' ? '' : `limit ${c.limit}`,
  ];
  return parts.filter((part) => part !== '').join(', ');
}

/** Fails the build: a regression, a broken limit, an invalid run. */
const isFailure = (finding: Finding): boolean => finding.verdict === 'invalid' || FAILING_VERDICTS.includes(finding.verdict);

/** BASE and NEW can both be invalid for the same check: the run tells their cases apart. */
const caseName = (finding: Finding): string => (finding.type === 'invalid-run' ? `${finding.run} ${finding.metric}` : finding.metric);

function testcase(finding: Finding, mismatch: string | undefined): string[] {
  const head = `    <testcase${attrs({ classname: `coldpath.compare.${finding.path}`, name: caseName(finding), time: 0 })}>`;
  const summary = `${finding.verdict}: ${numbers(finding)}`;
  const out = [summary, finding.reason, ...(mismatch === undefined ? [] : [mismatch])].join('\n');
  const lines = [head];
  if (isFailure(finding)) {
    lines.push(`      <failure${attrs({ type: finding.verdict, message: `${finding.verdict}: ${finding.reason}` })}>${xmlEscape(`${numbers(finding)}\n${finding.reason}`)}</failure>`);
  } else if (finding.verdict === 'inconclusive') {
    lines.push(`      <skipped${attrs({ message: `inconclusive: ${finding.reason}` })}/>`);
  }
  lines.push(`      <system-out>${xmlEscape(out)}</system-out>`, '    </testcase>');
  return lines;
}

export function renderJunit(comparison: Comparison): string {
  const mismatch = envMismatchLine(comparison);
  const found: string[] = [...new Set(comparison.findings.map((finding) => finding.path))];
  // Nothing compared still yields a suite, so its properties (notes, env mismatch) reach the CI.
  const paths = found.length === 0 ? ['compare'] : found;
  const total = { tests: comparison.findings.length, failures: comparison.findings.filter(isFailure).length, skipped: comparison.findings.filter((f) => f.verdict === 'inconclusive').length };
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: 'coldpath compare', ...total, errors: 0, time: 0 })}>`];
  for (const path of paths) {
    const findings = comparison.findings.filter((finding) => finding.path === path);
    const counts = { tests: findings.length, failures: findings.filter(isFailure).length, skipped: findings.filter((f) => f.verdict === 'inconclusive').length };
    lines.push(`  <testsuite${attrs({ name: path, ...counts, errors: 0, time: 0, timestamp: comparison.next.startedAt.replace(/Z$/, '') })}>`);
    const properties: Array<[string, string]> = [
      ['base.runId', comparison.base.runId],
      ['base.gitSha', comparison.base.gitSha],
      ['new.runId', comparison.next.runId],
      ['new.gitSha', comparison.next.gitSha],
      ['method', methodLine(comparison)],
      ...(mismatch === undefined ? [] : [['env-mismatch', mismatch] as [string, string]]),
      ...comparison.notes.map((note, i): [string, string] => [`note.${i + 1}`, note]),
    ];
    lines.push('    <properties>', ...properties.map(([name, value]) => `      <property${attrs({ name, value })}/>`), '    </properties>');
    for (const finding of findings) lines.push(...testcase(finding, mismatch));
    const suiteOut = [...(mismatch === undefined ? [] : [mismatch]), ...comparison.notes];
    if (suiteOut.length > 0) lines.push(`    <system-out>${xmlEscape(suiteOut.join('\n'))}</system-out>`);
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
