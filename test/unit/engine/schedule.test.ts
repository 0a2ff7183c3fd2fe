import { describe, expect, it } from 'vitest';
import { buildSchedule, referenceRepetitions } from '../../../src/engine/schedule.js';
import type { StrategyName } from '../../../src/scenario/schema.js';

const PATHS: StrategyName[] = ['baseline', 'eni', 'peering', 'gre-proxy'];
const sorted = (order: readonly StrategyName[]): StrategyName[] => [...order].sort();

describe('buildSchedule', () => {
  it('listed: the same order in every repetition, numbered from 0', () => {
    const schedule = buildSchedule(PATHS, 3, 'listed', 1);
    expect(schedule.map((r) => r.repetition)).toEqual([0, 1, 2]);
    for (const repetition of schedule) expect(repetition.order).toEqual(PATHS);
    // A copy, not the caller's array.
    expect(schedule[0]?.order).not.toBe(PATHS);
  });

  it('rotate: repetition r starts r places along the list', () => {
    const schedule = buildSchedule(PATHS, 3, 'rotate', 1);
    expect(schedule.map((r) => r.order)).toEqual([
      ['baseline', 'eni', 'peering', 'gre-proxy'],
      ['eni', 'peering', 'gre-proxy', 'baseline'],
      ['peering', 'gre-proxy', 'baseline', 'eni'],
    ]);
  });

  it('rotate: wraps around when there are more repetitions than paths', () => {
    const schedule = buildSchedule(['baseline', 'eni', 'peering'], 5, 'rotate', 1);
    expect(schedule.map((r) => r.order)).toEqual([
      ['baseline', 'eni', 'peering'],
      ['eni', 'peering', 'baseline'],
      ['peering', 'baseline', 'eni'],
      ['baseline', 'eni', 'peering'],
      ['eni', 'peering', 'baseline'],
    ]);
  });

  it('rotate: with as many repetitions as paths, every path takes every position exactly once', () => {
    const schedule = buildSchedule(PATHS, PATHS.length, 'rotate', 1);
    for (let position = 0; position < PATHS.length; position++) {
      const atPosition = schedule.map((r) => r.order[position] as StrategyName);
      expect(sorted(atPosition)).toEqual(sorted(PATHS));
    }
    for (const path of PATHS) {
      const positions = schedule.map((r) => r.order.indexOf(path)).sort((x, y) => x - y);
      expect(positions).toEqual([0, 1, 2, 3]);
    }
  });

  it('rotate: one path only, or none, does not fail', () => {
    expect(buildSchedule(['eni'], 3, 'rotate', 1).map((r) => r.order)).toEqual([['eni'], ['eni'], ['eni']]);
    expect(buildSchedule([], 2, 'rotate', 1).map((r) => r.order)).toEqual([[], []]);
  });

  it('shuffle: every repetition is a permutation of the paths', () => {
    const schedule = buildSchedule(PATHS, 10, 'shuffle', 7);
    expect(schedule).toHaveLength(10);
    for (const repetition of schedule) {
      expect(repetition.order).toHaveLength(PATHS.length);
      expect(sorted(repetition.order)).toEqual(sorted(PATHS));
    }
    // Ten shuffles of four paths that are all the listed order would be no shuffle at all.
    expect(schedule.some((r) => r.order.join() !== PATHS.join())).toBe(true);
  });

  it('shuffle: deterministic for a seed', () => {
    expect(buildSchedule(PATHS, 6, 'shuffle', 42)).toEqual(buildSchedule(PATHS, 6, 'shuffle', 42));
  });

  it('shuffle: a different seed gives a different schedule', () => {
    const a = buildSchedule(PATHS, 6, 'shuffle', 1).map((r) => r.order.join());
    const b = buildSchedule(PATHS, 6, 'shuffle', 2).map((r) => r.order.join());
    expect(a.some((order, index) => order !== b[index])).toBe(true);
  });

  it('shuffle: repetitions of one schedule are not all the same order', () => {
    const orders = new Set(buildSchedule(PATHS, 6, 'shuffle', 1).map((r) => r.order.join()));
    expect(orders.size).toBeGreaterThan(1);
  });
});

describe('referenceRepetitions', () => {
  it('spreads the reference from the first repetition to the last', () => {
    expect(referenceRepetitions(8, 3)).toEqual([0, 4, 7]);
    expect(referenceRepetitions(8, 2)).toEqual([0, 7]);
    expect(referenceRepetitions(5, 3)).toEqual([0, 2, 4]);
  });

  it('one is the first repetition; more than there are is every repetition; none is none', () => {
    expect(referenceRepetitions(8, 1)).toEqual([0]);
    expect(referenceRepetitions(3, 10)).toEqual([0, 1, 2]);
    expect(referenceRepetitions(1, 3)).toEqual([0]);
    expect(referenceRepetitions(4, 0)).toEqual([]);
  });
});
