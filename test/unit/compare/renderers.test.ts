import { describe, expect, it } from 'vitest';
import { compareRuns, DEFAULT_SETTINGS } from '../../../src/compare/compare-runs.js';
import { renderConsole } from '../../../src/compare/render-console.js';
import { renderJunit, xmlEscape } from '../../../src/compare/render-junit.js';
import { renderMarkdown } from '../../../src/compare/render-markdown.js';
import { parseThresholds } from '../../../src/compare/thresholds.js';
import type { Comparison } from '../../../src/compare/types.js';
import { childrenNamed, parseXml } from './xml-check.js';
import { jitter, loadFixture, scaleRun, threeRepetitions } from './helpers.js';

const base = threeRepetitions(loadFixture());
// NEW: the same measurements wobbling by a few percent per repetition, gre-proxy keep-alive 2× slower.
const next = scaleRun(jitter(base, [1.04, 0.97, 1.02]), 2, { paths: ['gre-proxy'], series: ['keepalive'] });
next.scenario.services = [{ ...next.scenario.services[0]!, responseDelayUs: 200 }];
const comparison: Comparison = compareRuns(
  base,
  next,
  { ...DEFAULT_SETTINGS, thresholds: parseThresholds(['coldstart.p50<5ms', 'gre-proxy:errors.rate<1%']) },
  { base: 'reports/base', next: 'reports/new' },
);

describe('JUnit XML', () => {
  const xml = renderJunit(comparison);
  const root = parseXml(xml);

  it('is well-formed: one testsuite per path, one testcase per finding', () => {
    expect(root.name).toBe('testsuites');
    const suites = childrenNamed(root, 'testsuite');
    expect(suites.map((s) => s.attributes['name'])).toEqual(['baseline', 'eni', 'peering', 'gre-proxy']);
    const cases = suites.flatMap((s) => childrenNamed(s, 'testcase'));
    expect(cases).toHaveLength(comparison.findings.length);
    expect(Number(root.attributes['tests'])).toBe(comparison.findings.length);
    for (const suite of suites) expect(Number(suite.attributes['tests'])).toBe(childrenNamed(suite, 'testcase').length);
  });

  it('regressed and failed are <failure> with the numbers; inconclusive is <skipped>', () => {
    const cases = childrenNamed(root, 'testsuite').flatMap((s) => childrenNamed(s, 'testcase'));
    const failures = cases.filter((c) => childrenNamed(c, 'failure').length > 0);
    const expected = comparison.findings.filter((f) => f.verdict === 'regressed' || f.verdict === 'failed');
    expect(failures.map((c) => `${c.attributes['classname']} ${c.attributes['name']}`)).toEqual(expected.map((f) => `coldpath.compare.${f.path} ${f.metric}`));
    expect(Number(root.attributes['failures'])).toBe(expected.length);
    const keepalive = cases.find((c) => c.attributes['classname'] === 'coldpath.compare.gre-proxy' && c.attributes['name'] === 'keepalive.p50');
    const failure = childrenNamed(keepalive!, 'failure')[0]!;
    expect(failure.attributes['type']).toBe('regressed');
    expect(failure.text).toMatch(/BASE \d+µs, NEW \d+µs, change \+\d+(\.\d)?%, 95% CI \/ p \+.*%, limit ±10%/);
    const skipped = cases.filter((c) => childrenNamed(c, 'skipped').length > 0);
    expect(skipped.length).toBe(comparison.findings.filter((f) => f.verdict === 'inconclusive').length);
    expect(Number(root.attributes['skipped'])).toBe(skipped.length);
    for (const c of cases) expect(childrenNamed(c, 'system-out')).toHaveLength(1);
  });

  it('carries notes as properties; escapes markup', () => {
    const suite = childrenNamed(root, 'testsuite')[0]!;
    const properties = childrenNamed(childrenNamed(suite, 'properties')[0]!, 'property');
    expect(properties.find((p) => p.attributes['name'] === 'note.1')?.attributes['value']).toMatch(/services.0.responseDelayUs: 0 vs 200/);
    expect(xmlEscape('a<b & "c" \u0001')).toBe('a&lt;b &amp; &quot;c&quot; ');
    const weird = { ...comparison, notes: ['<script>&"\'</script>\u0007'] };
    expect(() => parseXml(renderJunit(weird))).not.toThrow();
  });

  it('nothing compared still yields one suite', () => {
    const empty = parseXml(renderJunit({ ...comparison, findings: [], notes: ['only in BASE, not compared: eni'] }));
    expect(childrenNamed(empty, 'testsuite').map((s) => s.attributes['name'])).toEqual(['compare']);
  });
});

describe('Markdown', () => {
  it('matches the golden file', async () => {
    await expect(renderMarkdown(comparison)).toMatchFileSnapshot('__golden__/compare.md');
  });

  it('escapes table cells', () => {
    const text = renderMarkdown({ ...comparison, notes: ['a | b <c>'] });
    expect(text).toContain('- a \\| b &lt;c>');
  });
});

describe('console', () => {
  it('shows the table, the reasons that matter and the outcome', () => {
    const text = renderConsole(comparison);
    expect(text).toMatch(/^path\s+metric\s+BASE\s+NEW\s+change\s+95% CI \/ p\s+limit\s+verdict$/m);
    expect(text).toMatch(/gre-proxy\s+keepalive\.p50\s+\d+µs\s+\d+µs\s+\+\d+(\.\d)?%.*✗ regressed/);
    expect(text).toMatch(/failed\s+baseline coldstart\.p50<5ms: 95% CI .* is entirely over 5\.00ms/);
    expect(text).toMatch(/REGRESSION \(exit 99\): \d+ regressed, \d+ failed/);
    // an inconclusive interval is in the table already: counted, not repeated
    expect(text).toMatch(/inconclusive +\d+ more: the 95% CI crosses the limit/);
    expect(text).not.toMatch(/inconclusive +\S+ \S+: 95% CI .* crosses/);
  });
});
