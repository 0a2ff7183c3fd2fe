/** A run's figures for paired comparisons (bench/run-figures.ts): the median over repetitions of each repetition's p50, completed paths only. */
import { describe, expect, it } from 'vitest';
import { disturbance, runFigures } from '../../../bench/run-figures.js';
import { median } from '../../../bench/stats.js';
import { repetitionFigures } from '../../../src/results/path-costs.js';
import { readRun } from '../../../src/results/store.js';
import { currentRun } from '../results/current-run.js';

const FIXTURE = new URL('../../fixtures/run-small/run.json', import.meta.url).pathname;

describe('runFigures', () => {
  const run = readRun(FIXTURE);

  it("per completed path: each warm metric's and the cold path's median over repetitions", () => {
    const figures = runFigures(run);
    const completed = run.paths.filter((path) => path.outcome === 'completed');
    expect(Object.keys(figures)).toEqual(completed.map((path) => path.strategy));
    for (const path of completed) {
      const reps = repetitionFigures(path);
      expect(figures[path.strategy]?.['keepalive']).toBe(median(reps.flatMap((rep) => (rep.warm.keepalive === undefined ? [] : [rep.warm.keepalive]))));
      expect(figures[path.strategy]?.['coldPath']).toBe(median(reps.flatMap((rep) => (rep.coldPath === undefined ? [] : [rep.coldPath]))));
    }
  });

  it('leaves out a path that did not complete', () => {
    const [first, ...rest] = run.paths;
    const figures = runFigures({ ...run, paths: [{ ...first!, outcome: 'failed' }, ...rest] });
    expect(figures[first!.strategy]).toBeUndefined();
  });
});

describe('disturbance', () => {
  it('counts the warm-ups that never became steady and the settles that hit their limit', () => {
    const run = currentRun();
    const warmups = run.paths.flatMap((path) => path.repetitions.flatMap((rep) => rep.warm.flatMap((w) => w.warmup ?? [])));
    const settles = run.paths.flatMap((path) => path.repetitions.flatMap((rep) => rep.settles ?? []));
    const counted = disturbance(run);
    expect(counted).toEqual({
      warmups: warmups.length,
      notSteady: warmups.filter((w) => w.mode === 'steady' && !w.converged).length,
      settles: settles.length,
      unsettled: settles.filter((s) => !s.completed).length,
    });
    expect(counted.notSteady).toBeGreaterThan(0);
    expect(counted.unsettled).toBeGreaterThan(0);
    expect(disturbance(readRun(FIXTURE))).toMatchObject({ notSteady: 0, unsettled: 0 });
  });
});
