import { describe, expect, it } from 'vitest';
import { compareRuns, DEFAULT_SETTINGS, type CompareSettings } from '../../../src/compare/compare-runs.js';
import { renderConsole } from '../../../src/compare/render-console.js';
import { renderJunit } from '../../../src/compare/render-junit.js';
import { renderMarkdown } from '../../../src/compare/render-markdown.js';
import { exitCodeOf, type Comparison, type Finding } from '../../../src/compare/types.js';
import type { RunResult } from '../../../src/results/types.js';
import { childrenNamed, parseXml } from './xml-check.js';
import { loadFixture, scaleRun, threeRepetitions, withReferences, withVerifications, withFailedProxyPath } from './helpers.js';

const three = threeRepetitions(loadFixture());
const MISROUTED = 'svc saw unexpected sources 169.254.252.1 (expected 100.64.0.2)';

function compare(base: RunResult, next: RunResult, settings: Partial<CompareSettings> = {}): Comparison {
  return compareRuns(base, next, { ...DEFAULT_SETTINGS, iterations: 500, ...settings }, { base: 'base', next: 'new' });
}

const invalid = (comparison: Comparison): Array<Extract<Finding, { type: 'invalid-run' }>> =>
  comparison.findings.filter((f): f is Extract<Finding, { type: 'invalid-run' }> => f.type === 'invalid-run');

describe('compare: a clean pair', () => {
  it('is valid (exit 0), also when the runs predate per-repetition verification and the reference', () => {
    // The fixture is a schema-1 run: a path-level verification only, no reference.
    expect(three.paths.every((p) => p.verification?.ok === true && p.repetitions.every((r) => r.verification === undefined && r.reference === undefined))).toBe(true);
    const comparison = compare(three, three);
    expect(invalid(comparison)).toEqual([]);
    expect(exitCodeOf(comparison)).toBe(0);
  });

  it('stays valid with passing per-repetition verifications and a reference within its bounds', () => {
    // gre-proxy by coldpath: echo +10 µs, keep-alive −67 µs (floors over repetitions); sockperf +10 µs.
    const checked = withReferences(withVerifications(three), { 'gre-proxy': 10 });
    checked.scenario.reference = { ...checked.scenario.reference!, keepaliveBoundUs: 150 };
    const comparison = compare(checked, checked);
    expect(invalid(comparison)).toEqual([]);
    expect(exitCodeOf(comparison)).toBe(0);
  });
});

describe('compare: path verification failed', () => {
  const misrouted = withVerifications(three, { path: 'peering', repetition: 1, detail: MISROUTED });

  it('in NEW: invalid (exit 1), naming the path, the repetition and the detail', () => {
    const comparison = compare(three, misrouted);
    const [finding, ...more] = invalid(comparison);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ path: 'peering', metric: 'verification', run: 'NEW', verdict: 'invalid', observed: 'failed in rep 2' });
    expect(finding?.reason).toBe(`NEW: peering failed path verification in repetition 2 of 3: ${MISROUTED}; its figures may not be peering's`);
    expect(exitCodeOf(comparison)).toBe(1);
  });

  it('in BASE: invalid too (exit 1): a gate never passes against a broken baseline', () => {
    const comparison = compare(misrouted, three);
    expect(invalid(comparison).map((f) => `${f.run} ${f.path} ${f.metric}`)).toEqual(['BASE peering verification']);
    expect(exitCodeOf(comparison)).toBe(1);
  });

  it('beats a regression: exit 1, the regression still shown', () => {
    const comparison = compare(three, scaleRun(misrouted, 2, { paths: ['gre-proxy'], series: ['keepalive'] }));
    expect(comparison.findings.some((f) => f.path === 'gre-proxy' && f.verdict === 'regressed')).toBe(true);
    expect(exitCodeOf(comparison)).toBe(1);
  });

  it('several repetitions, and a schema-1 run with only the path-level check', () => {
    const twice = withVerifications(three, { path: 'eni', repetition: 0, detail: MISROUTED });
    twice.paths[1]!.repetitions[2]!.verification = { ...twice.paths[1]!.repetitions[0]!.verification!, detail: 'later' };
    expect(invalid(compare(three, twice))[0]?.reason).toMatch(/^NEW: eni failed path verification in repetitions 1, 3 of 3: svc saw unexpected/);

    const old = structuredClone(three);
    old.paths[3]!.verification = { ...old.paths[3]!.verification!, ok: false, detail: 'proxy nft counters did not move' };
    const [finding] = invalid(compare(three, old));
    expect(finding?.reason).toBe("NEW: gre-proxy failed path verification: proxy nft counters did not move; its figures may not be gre-proxy's");
  });
});

describe('compare: a path or run that did not complete', () => {
  it('a failed path in NEW: invalid (exit 1) with its failure', () => {
    const broken = withFailedProxyPath(three);
    const comparison = compare(three, broken);
    expect(invalid(comparison).map((f) => f.reason)).toEqual(['NEW: gre-proxy failed (setup-error: nft: no such table); its figures are missing or partial']);
    expect(exitCodeOf(comparison)).toBe(1);
  });

  it('an interrupted run: the run and each path cut short (exit 1); what was measured is still compared', () => {
    const aborted = structuredClone(three);
    aborted.outcome = 'aborted';
    aborted.paths[2]!.outcome = 'aborted';
    aborted.paths[3]!.outcome = 'skipped';
    aborted.paths[3]!.failure = { reason: 'aborted', message: 'run interrupted before this path' };
    aborted.paths[3]!.repetitions = [];
    const comparison = compare(aborted, three);
    expect(invalid(comparison).map((f) => `${f.run} ${f.path} ${f.observed}`)).toEqual(['BASE run aborted', 'BASE peering aborted', 'BASE gre-proxy skipped']);
    expect(comparison.findings.some((f) => f.path === 'peering' && f.type === 'latency-change')).toBe(true);
    expect(exitCodeOf(comparison)).toBe(1);
  });

  it('a run that errored before any path: invalid, not "nothing compared" (exit 1)', () => {
    const errored = { ...structuredClone(three), outcome: 'errored' as const, error: { message: 'nft: Operation not permitted', kind: 'command' }, paths: [] };
    const comparison = compare(three, errored);
    expect(invalid(comparison).map((f) => f.reason)).toEqual([
      'NEW: the run errored: nft: Operation not permitted; what it measured is compared, but an incomplete run cannot pass the gate: measure it again',
    ]);
    expect(exitCodeOf(comparison)).toBe(1);
  });
});

describe('compare: the reference disagrees', () => {
  // gre-proxy by coldpath: echo +10 µs, keep-alive −67 µs (floors over repetitions); sockperf: +10 µs.
  const referenced = withReferences(three, { 'gre-proxy': 10 });

  it('beyond its bound: invalid (exit 1), naming the metric, both figures and the bound', () => {
    const comparison = compare(three, referenced);
    const [finding, ...more] = invalid(comparison);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ path: 'gre-proxy', metric: 'reference.keepalive', run: 'NEW', bound: 10 });
    expect(finding?.reason).toBe(
      "NEW: gre-proxy's keep-alive request costs −67µs over baseline by coldpath, +10µs by sockperf (repetition 1): " +
        "they differ by 77µs, beyond the bound of 10µs (reference.keepaliveBoundUs); the cost is the harness's until explained (--allow-reference-disagreement gates anyway)",
    );
    expect(exitCodeOf(comparison)).toBe(1);
    expect(exitCodeOf(compare(referenced, three))).toBe(1);
  });

  it('--allow-reference-disagreement: a note in every output instead (exit 0)', () => {
    const comparison = compare(referenced, referenced, { allowReferenceDisagreement: true });
    expect(invalid(comparison)).toEqual([]);
    expect(exitCodeOf(comparison)).toBe(0);
    expect(comparison.notes.filter((note) => note.includes('let through by --allow-reference-disagreement')).map((note) => note.slice(0, 6))).toEqual(['BASE: ', 'NEW: g']);
  });

  it('an injected response delay is not checked against sockperf (it is in keep-alive by design): a note says so', () => {
    const delayed = structuredClone(referenced);
    delayed.scenario.services = [{ ...delayed.scenario.services[0]!, responseDelayUs: 200 }];
    const comparison = compare(three, delayed);
    expect(invalid(comparison)).toEqual([]);
    expect(comparison.notes).toContain(
      "NEW: keep-alive costs not checked against sockperf: the scenario adds responseDelayUs 200 to the user service's HTTP responses, which sockperf's round trip does not pass through",
    );
    // echo still is
    const echoOff = withReferences(delayed, { 'gre-proxy': 30 });
    expect(invalid(compare(three, echoOff)).map((f) => f.metric)).toEqual(['reference.echo']);
  });
});

describe('compare: an invalid run in every output', () => {
  // Two paths, the same scenario on both sides; BASE: peering keep-alive −33 µs by coldpath (floors), +1 µs by sockperf.
  const two = withReferences({ ...structuredClone(three), paths: three.paths.filter((p) => p.strategy === 'baseline' || p.strategy === 'peering') }, {});
  const comparison = compare(withReferences(two, { peering: 1 }), withVerifications(two, { path: 'peering', repetition: 0, detail: MISROUTED }));

  it('console: the rows, the reasons and the outcome line', () => {
    const text = renderConsole(comparison);
    expect(text).toMatch(/^peering\s+reference\.keepalive\s+−33µs \(sockperf \+1µs\)\s+±10µs\s+✗ invalid$/m);
    expect(text).toMatch(/^peering\s+verification\s+failed in rep 1\s+✗ invalid$/m);
    expect(text).toContain(`  invalid      peering verification: NEW: peering failed path verification in repetition 1 of 3: ${MISROUTED}`);
    expect(text).toMatch(/\nINVALID RUN \(exit 1\): BASE and NEW cannot be judged; 2 invalid, /);
  });

  it('Markdown: the heading and the list name the invalid runs', async () => {
    const text = renderMarkdown(comparison);
    expect(text).toContain('### coldpath compare: ❌ invalid run (BASE and NEW)');
    expect(text).toContain('- **peering** `verification` invalid: NEW: peering failed path verification in repetition 1 of 3');
    await expect(text).toMatchFileSnapshot('__golden__/compare-invalid.md');
  });

  it("JUnit: a failing testcase per problem, in the path's suite, named by the run and check", () => {
    const root = parseXml(renderJunit(comparison));
    const cases = childrenNamed(root, 'testsuite').flatMap((s) => childrenNamed(s, 'testcase'));
    const failed = cases.filter((c) => childrenNamed(c, 'failure')[0]?.attributes['type'] === 'invalid');
    expect(failed.map((c) => `${c.attributes['classname']} ${c.attributes['name']}`)).toEqual(['coldpath.compare.peering BASE reference.keepalive', 'coldpath.compare.peering NEW verification']);
    const failure = childrenNamed(failed[1]!, 'failure')[0]!;
    expect(failure.attributes['message']).toBe(`invalid: NEW: peering failed path verification in repetition 1 of 3: ${MISROUTED}; its figures may not be peering's`);
    expect(failure.text).toMatch(/^NEW failed in rep 1\n/);
    expect(Number(root.attributes['failures'])).toBe(2);
  });
});
