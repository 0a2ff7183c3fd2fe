import { describe, expect, it } from 'vitest';
import { compareRuns, DEFAULT_SETTINGS, type CompareSettings } from '../../../src/compare/compare-runs.js';
import { historyRatio, judgeHistory, MIN_HISTORY_RUNS } from '../../../src/compare/history.js';
import { methodLine } from '../../../src/compare/describe.js';
import { exitCodeOf, type Comparison } from '../../../src/compare/types.js';
import { t975 } from '../../../src/metrics/student-t.js';
import type { RunResult } from '../../../src/results/types.js';
import { runWithLevels, withFailedProxyPath, withReferences } from './helpers.js';
import { checkValidity } from '../../../src/compare/validity.js';

describe('historyRatio and judgeHistory', () => {
  const floors = [100, 102, 98, 101, 99];
  const logs = floors.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - mean) ** 2, 0) / (logs.length - 1));

  it('is NEW over the geometric mean of the BASE floors, with a 95 % prediction interval of one more draw', () => {
    const estimate = historyRatio(floors, 112);
    expect(estimate.method).toBe('history');
    expect(estimate.base).toBeCloseTo(Math.exp(mean), 9);
    expect(estimate.ratio).toBeCloseTo(112 / Math.exp(mean), 9);
    const half = t975(4) * sd * Math.sqrt(1 + 1 / 5);
    expect(Math.log(estimate.ci.high / estimate.ratio)).toBeCloseTo(half, 9);
    expect(Math.log(estimate.ratio / estimate.ci.low)).toBeCloseTo(half, 9);
    expect(estimate.repetitions).toEqual({ base: 5, next: 1 });
  });

  it('regressed needs both: outside the spread and beyond the minimum effect', () => {
    expect(judgeHistory(historyRatio(floors, 112), 0.05).verdict).toBe('regressed');
    // Outside a tight history's spread, but only +4 %: not a change worth failing a build for.
    expect(judgeHistory(historyRatio([100, 100.2, 99.8, 100.1, 99.9], 104), 0.05).verdict).toBe('inconclusive');
    expect(judgeHistory(historyRatio(floors, 101), 0.05).verdict).toBe('unchanged');
    expect(judgeHistory(historyRatio(floors, 88), 0.05).verdict).toBe('improved');
    // +8 % against a wide history: beyond the minimum but within the spread.
    expect(judgeHistory(historyRatio([100, 110, 92, 105, 95], 108), 0.05).verdict).toBe('inconclusive');
  });

  it('needs 3 BASE runs', () => {
    expect(MIN_HISTORY_RUNS).toBe(3);
    expect(() => historyRatio([100, 101], 100)).toThrow(/needs 3/);
  });
});

const compare = (base: RunResult, next: RunResult, history: RunResult[], settings: Partial<CompareSettings> = {}): Comparison =>
  compareRuns(base, next, { ...DEFAULT_SETTINGS, iterations: 500, minEffect: 0.05, history: history.map((run, i) => ({ location: `h${i + 1}`, run })), ...settings }, { base: 'base', next: 'new' });
const verdictOf = (comparison: Comparison, path: string, metric: string): string | undefined => comparison.findings.find((f) => f.path === path && f.metric === metric)?.verdict;

describe('compare --history', () => {
  // Five unchanged runs whose levels differ from run to run by a few percent, each with a slow repetition somewhere.
  const unchanged = [
    [1, 1.01, 1.4, 1, 1.02, 0.99, 1, 1.01],
    [1.03, 1.5, 1.02, 1.04, 1.03, 1.45, 1.03, 1.02],
    [0.98, 0.99, 0.98, 1.3, 0.99, 0.98, 0.97, 0.98],
    [1.01, 1.02, 1.01, 1.01, 1.6, 1.6, 1.55, 1],
    [1.02, 1.01, 1.02, 1.03, 1.01, 1.02, 1.35, 1.02],
  ].map((levels) => runWithLevels(levels));
  const [base, ...history] = unchanged as [RunResult, ...RunResult[]];

  it('an unchanged run with half its repetitions in a slow state is unchanged by its floor', () => {
    const halfSlow = runWithLevels([1, 1.01, 1.5, 1.45, 1.02, 1.6, 1.01, 1.5]);
    const comparison = compare(base, halfSlow, history);
    expect(verdictOf(comparison, 'gre-proxy', 'keepalive.p50')).toBe('unchanged');
    expect(comparison.findings.find((f) => f.path === 'gre-proxy' && f.metric === 'keepalive.p50' && f.type === 'latency-change' && f.estimate.method === 'history')).toBeDefined();
    expect(exitCodeOf(comparison)).toBe(0);
    expect(comparison.settings.historyRuns).toBe(4);
    expect(methodLine(comparison)).toMatch(/floor \(fastest repetition\) against BASE and 4 history runs/);
  });

  it('a 12 % slower path is regressed, the other paths not; exit 99', () => {
    const slower = runWithLevels([1.12, 1.13, 1.5, 1.12, 1.13, 1.12, 1.6, 1.12], 'gre-proxy');
    const comparison = compare(base, slower, history);
    expect(verdictOf(comparison, 'gre-proxy', 'keepalive.p50')).toBe('regressed');
    expect(verdictOf(comparison, 'baseline', 'keepalive.p50')).not.toBe('regressed');
    expect(exitCodeOf(comparison)).toBe(99);
  });

  it('tails and the cold path are judged against BASE as before', () => {
    const comparison = compare(base, base, history);
    const p99 = comparison.findings.find((f) => f.metric === 'keepalive.p99');
    const cold = comparison.findings.find((f) => f.metric === 'coldpath.p50');
    expect(p99?.type === 'latency-change' && p99.estimate.method).not.toBe('history');
    expect(cold?.type === 'latency-change' && cold.estimate.method).not.toBe('history');
  });

  it('an invalid history run is left out, named in the notes; too few left falls back to BASE alone', () => {
    const comparison = compare(base, base, [withFailedProxyPath(history[0] as RunResult)]);
    expect(comparison.notes.some((note) => /^history run h1 left out: gre-proxy failed/.test(note))).toBe(true);
    expect(comparison.notes.some((note) => /fewer than the 2 the rule needs; warm medians judged against BASE alone/.test(note))).toBe(true);
    expect(comparison.settings.historyRuns).toBe(0);
    expect(comparison.findings.some((f) => f.type === 'latency-change' && f.estimate.method === 'history')).toBe(false);
  });

  it('a history run whose sockperf reference disagrees stays in: that flags slow states, and leaving them out would narrow the spread', () => {
    const disagreeing = withReferences(history[0] as RunResult, { 'gre-proxy': 500 });
    expect(checkValidity('BASE', disagreeing, { allowReferenceDisagreement: false }).findings.some((f) => f.check === 'reference')).toBe(true);
    const comparison = compare(base, base, [disagreeing, ...history.slice(1)]);
    expect(comparison.settings.historyRuns).toBe(4);
    expect(comparison.notes.some((note) => note.startsWith('history run'))).toBe(false);
  });
});
