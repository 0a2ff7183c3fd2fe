import { describe, expect, it } from 'vitest';
import { compareRuns, DEFAULT_SETTINGS, type CompareSettings } from '../../../src/compare/compare-runs.js';
import { isUnsteady, levelSpread, spreadPercent } from '../../../src/compare/steadiness.js';
import { exitCodeOf, type Comparison, type Finding } from '../../../src/compare/types.js';
import type { RunResult } from '../../../src/results/types.js';
import { runWithLevels } from './helpers.js';

describe('levelSpread', () => {
  it('is the standard deviation of the log levels, with the range kept', () => {
    const spread = levelSpread([100, 100, 100, 100, 121, 121, 121, 121]);
    expect(spread?.repetitions).toBe(8);
    // Half at 1, half at 1.21: sd of logs = ln(1.21)/2 × √(8/7).
    expect(spread?.sdLog).toBeCloseTo((Math.log(1.21) / 2) * Math.sqrt(8 / 7), 10);
    expect([spread?.low, spread?.high]).toEqual([100, 121]);
    expect(spreadPercent(levelSpread([100, 100, 100, 100, 100]) ?? { repetitions: 0, sdLog: 1, low: 0, high: 0 })).toBe(0);
  });

  it('is not computed below 5 repetitions (the interval carries the spread there)', () => {
    expect(levelSpread([75, 150, 75, 150])).toBeUndefined();
  });

  it('a run in two levels is unsteady at the effect it cannot resolve, not at a larger one', () => {
    const twoLevels = levelSpread([75, 74, 76, 75, 84, 86, 85, 88]);
    expect(twoLevels).toBeDefined();
    if (twoLevels === undefined) return;
    expect(isUnsteady(twoLevels, 0.05)).toBe(true);
    expect(isUnsteady(twoLevels, 0.1)).toBe(false);
    // Ordinary scatter of 8 repetitions on these machines (1–3 %).
    const steady = levelSpread([73, 75, 77, 74, 76, 75, 74, 76]);
    expect(steady !== undefined && isUnsteady(steady, 0.05)).toBe(false);
  });
});

const compare = (base: RunResult, next: RunResult, settings: Partial<CompareSettings>): Comparison =>
  compareRuns(base, next, { ...DEFAULT_SETTINGS, iterations: 1000, requireSteady: true, ...settings }, { base: 'base', next: 'new' });
const unsteady = (comparison: Comparison): Finding[] => comparison.findings.filter((f) => f.type === 'invalid-run' && f.check === 'steadiness');

describe('compare: a side in two levels is invalid, not a verdict', () => {
  const steady = runWithLevels([1, 0.99, 1.01, 1, 1.02, 0.98, 1, 1.01]);
  // Half of NEW's baseline repetitions in a slow state, as in the run that made every false alarm at --min-effect 5.
  const halfSlow = runWithLevels([1, 1.01, 0.99, 1, 1.25, 1.3, 1.22, 1.28], 'baseline');

  it('names the run, the path and the metric, and exits 1', () => {
    const comparison = compare(steady, halfSlow, { minEffect: 0.05 });
    const found = unsteady(comparison);
    expect(found.map((f) => `${f.type === 'invalid-run' ? f.run : ''} ${f.path} ${f.metric}`)).toContain('NEW baseline keepalive.p50');
    expect(found.every((f) => f.path === 'baseline')).toBe(true);
    expect(found[0]?.reason).toMatch(/^NEW: baseline's \S+ moved between repetitions by ±\d+\.\d % .*more than the 5% change it is gated at.*measure it again$/);
    expect(exitCodeOf(comparison)).toBe(1);
  });

  it('steady runs at the same setting are judged as before', () => {
    const comparison = compare(steady, runWithLevels([1.2, 1.19, 1.21, 1.2, 1.22, 1.18, 1.2, 1.21], 'gre-proxy'), { minEffect: 0.05 });
    expect(unsteady(comparison)).toEqual([]);
    expect(comparison.findings.find((f) => f.path === 'gre-proxy' && f.metric === 'keepalive.p50')?.verdict).toBe('regressed');
    expect(exitCodeOf(comparison)).toBe(99);
  });

  it('a slow repetition or two is set aside, not a reason to measure again', () => {
    const twoSlow = runWithLevels([1, 1.01, 0.99, 1, 1.4, 1, 1.45, 1.01], 'baseline');
    expect(unsteady(compare(steady, twoSlow, { minEffect: 0.05 }))).toEqual([]);
  });

  it('is off unless asked for (--require-steady)', () => {
    expect(unsteady(compare(steady, halfSlow, { minEffect: 0.05, requireSteady: false }))).toEqual([]);
    expect(DEFAULT_SETTINGS.requireSteady).toBe(false);
  });

  it('BASE is checked too', () => {
    expect(unsteady(compare(halfSlow, steady, { minEffect: 0.05 })).some((f) => f.type === 'invalid-run' && f.run === 'BASE')).toBe(true);
  });
});
