import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendMarkdown, compareAfterRun, compareCommand, parseMinEffect } from '../../../src/commands/compare.js';
import { ColdpathError } from '../../../src/errors.js';
import { writeRunJson } from '../../../src/results/store.js';
import { childrenNamed, parseXml } from './xml-check.js';
import { FIXTURE, loadFixture, scaleRun, threeRepetitions, withReferences, withVerifications } from './helpers.js';

let dir: string;
let stdout: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldpath-compare-'));
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The error `action` throws, which must be a ColdpathError. */
function inputErrorOf(action: () => unknown): ColdpathError {
  try {
    action();
  } catch (error) {
    if (error instanceof ColdpathError) return error;
    throw error;
  }
  throw new Error('expected a ColdpathError');
}

describe('coldpath compare: exit codes', () => {
  it('--history: more BASE runs, named in the method line; a missing one is an input error naming the option', () => {
    expect(compareCommand(FIXTURE, FIXTURE, { history: [FIXTURE, FIXTURE] })).toBe(0);
    expect(stdout).toMatch(/floor \(fastest repetition\) against BASE and 2 history runs/);
    expect(() => compareCommand(FIXTURE, FIXTURE, { history: ['/nonexistent/run.json'] })).toThrow(/--history: cannot read \/nonexistent\/run\.json/);
  });

  it('0 when nothing regressed (run directory or run.json), with the table on stdout', () => {
    expect(compareCommand(FIXTURE.replace(/\/run\.json$/, ''), FIXTURE, {})).toBe(0);
    expect(stdout).toContain('coldpath compare');
    expect(stdout).toMatch(/no regression \(exit 0\)/);
  });

  it('99 when something regressed', () => {
    const base = threeRepetitions(loadFixture());
    const baseDir = join(dir, 'base');
    const newDir = join(dir, 'new');
    writeRunJson(base, baseDir);
    writeRunJson(scaleRun(base, 2, { paths: ['gre-proxy'], series: ['keepalive'] }), newDir);
    expect(compareCommand(baseDir, newDir, { minEffect: '10' })).toBe(99);
    expect(stdout).toMatch(/REGRESSION \(exit 99\)/);
    expect(stdout).toMatch(/regressed\s+gre-proxy keepalive.p50: 95% CI/);
  });

  it('1 when NEW or BASE is invalid, naming the path and the repetition; --allow-reference-disagreement lets a disagreement through', () => {
    const base = threeRepetitions(loadFixture());
    const misrouted = join(dir, 'misrouted');
    writeRunJson(withVerifications(base, { path: 'peering', repetition: 1, detail: 'svc saw unexpected sources 169.254.252.1' }), misrouted);
    expect(compareCommand(FIXTURE, misrouted, {})).toBe(1);
    expect(stdout).toMatch(/invalid\s+peering verification: NEW: peering failed path verification in repetition 2 of 3/);
    expect(stdout).toMatch(/INVALID RUN \(exit 1\): NEW cannot be judged/);
    expect(compareCommand(misrouted, FIXTURE, {})).toBe(1);

    const disagreeing = join(dir, 'disagreeing');
    writeRunJson(withReferences(base, { 'gre-proxy': 3 }), disagreeing);
    expect(compareCommand(disagreeing, disagreeing, {})).toBe(1);
    expect(compareCommand(disagreeing, disagreeing, { allowReferenceDisagreement: true })).toBe(0);
    expect(stdout).toContain('let through by --allow-reference-disagreement');
  });

  it('2 for a missing file, a file of another schema or version, bad options', () => {
    const missing = inputErrorOf(() => compareCommand(join(dir, 'nope'), FIXTURE, {}));
    expect(missing.processExitCode).toBe(2);
    expect(missing.message).toMatch(/BASE: cannot read/);

    const otherVersion = join(dir, 'v2.json');
    writeFileSync(otherVersion, JSON.stringify({ ...loadFixture(), schemaVersion: 99 }));
    const version = inputErrorOf(() => compareCommand(FIXTURE, otherVersion, {}));
    expect(version.processExitCode).toBe(2);
    expect(version.message).toMatch(/NEW: .* has schema version 99/);

    const notRun = join(dir, 'other.json');
    writeFileSync(notRun, '{"schema":"something/else"}');
    expect(inputErrorOf(() => compareCommand(FIXTURE, notRun, {})).message).toMatch(/is not a coldpath run/);

    const effect = inputErrorOf(() => compareCommand(FIXTURE, FIXTURE, { minEffect: 'ten' }));
    expect(effect.processExitCode).toBe(2);
    expect(effect.field).toBe('--min-effect');
    expect(effect.message).toContain('"ten"');

    const rule = inputErrorOf(() => compareCommand(FIXTURE, FIXTURE, { threshold: ['keepalive.p99>5ms'] }));
    expect(rule.processExitCode).toBe(2);
    expect(rule.message).toContain('keepalive.p99>5ms');

    const mismatch = join(dir, 'mismatch');
    writeRunJson({ ...loadFixture(), fingerprint: { ...loadFixture().fingerprint, cpuModel: 'AMD EPYC' } }, mismatch);
    expect(inputErrorOf(() => compareCommand(FIXTURE, mismatch, {})).processExitCode).toBe(2);
    expect(compareCommand(FIXTURE, mismatch, { allowEnvMismatch: true })).toBe(0);
    expect(stdout).toContain('environments differ, compared anyway (--allow-env-mismatch): cpuModel');
  });

  it('an unwritable output is an input error naming the option', () => {
    const error = inputErrorOf(() => compareCommand(FIXTURE, FIXTURE, { junit: join(dir, 'no', 'such', 'dir.xml') }));
    expect(error.field).toBe('--junit');
  });
});

describe('coldpath compare: options', () => {
  it('--min-effect takes a percentage', () => {
    expect(parseMinEffect(undefined)).toBe(0.1);
    expect(parseMinEffect('10')).toBe(0.1);
    expect(parseMinEffect('2.5%')).toBe(0.025);
    expect(parseMinEffect('0')).toBe(0);
    for (const bad of ['', '-5', 'abc', '1e9', 'NaN']) expect(() => parseMinEffect(bad)).toThrow(ColdpathError);
  });

  it('--min-effect changes verdicts', () => {
    const base = threeRepetitions(loadFixture());
    const baseDir = join(dir, 'b');
    const newDir = join(dir, 'n');
    writeRunJson(base, baseDir);
    writeRunJson(scaleRun(base, 2, { paths: ['gre-proxy'], series: ['keepalive'] }), newDir);
    expect(compareCommand(baseDir, newDir, { minEffect: '500' })).toBe(0);
  });

  it('--markdown appends (like >> $GITHUB_STEP_SUMMARY), --junit replaces', () => {
    const markdown = join(dir, 'summary.md');
    const junit = join(dir, 'junit.xml');
    writeFileSync(markdown, '# earlier step\n');
    compareCommand(FIXTURE, FIXTURE, { markdown, junit });
    compareCommand(FIXTURE, FIXTURE, { markdown, junit });
    const text = readFileSync(markdown, 'utf8');
    expect(text.startsWith('# earlier step\n\n### coldpath compare')).toBe(true);
    expect(text.match(/### coldpath compare/g)).toHaveLength(2);
    expect(text).toContain('\n\n### coldpath compare: ✅ no regression\n\n**BASE**');
    const xml = parseXml(readFileSync(junit, 'utf8'));
    expect(xml.name).toBe('testsuites');
    expect(childrenNamed(xml, 'testsuite')).toHaveLength(4);
  });

  it('appendMarkdown separates sections by one blank line whatever the file ends with', () => {
    const file = join(dir, 'a.md');
    appendMarkdown(file, 'one\n');
    appendMarkdown(file, 'two\n');
    writeFileSync(join(dir, 'b.md'), 'x');
    appendMarkdown(join(dir, 'b.md'), 'y\n');
    expect(readFileSync(file, 'utf8')).toBe('one\n\ntwo\n');
    expect(readFileSync(join(dir, 'b.md'), 'utf8')).toBe('x\n\ny\n');
  });
});

describe('coldpath run --baseline (compareAfterRun)', () => {
  it('compares the run just measured with a stored one', () => {
    const base = threeRepetitions(loadFixture());
    const baseDir = join(dir, 'baseline');
    writeRunJson(base, baseDir);
    expect(compareAfterRun(base, baseDir, {})).toBe(0);
    expect(stdout).toContain('(this run)');
    expect(compareAfterRun(scaleRun(base, 3, { paths: ['eni'] }), join(baseDir, 'run.json'), { threshold: 'eni:coldstart.p50<+10%' })).toBe(99);
    expect(inputErrorOf(() => compareAfterRun(base, join(dir, 'missing'))).message).toMatch(/--baseline: cannot read/);
  });

  it('exits 1 against an invalid baseline, whatever this run measured', () => {
    const base = threeRepetitions(loadFixture());
    const broken = join(dir, 'broken-baseline');
    writeRunJson(withVerifications(base, { path: 'eni', repetition: 0, detail: 'svc saw no connection' }), broken);
    expect(compareAfterRun(base, broken, {})).toBe(1);
    expect(stdout).toMatch(/BASE: eni failed path verification in repetition 1 of 3: svc saw no connection; /);
  });
});
