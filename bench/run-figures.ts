/** One number per path and metric from a whole run, for benchmarks that compare runs (bench/paired-runs.ts). */
import { repetitionFigures } from '../src/results/path-costs.js';
import type { RunResult } from '../src/results/types.js';
import type { RunFigures } from './paired-runs.js';
import { median } from './stats.js';

/**
 * Per path: each warm metric's p50, the cold path's (network phases) p50 and the sockperf reference's
 * p50 (`sockperf`, where the run measured it), as the median over the
 * run's repetitions of each repetition's figure (µs) — a repetition that fell into one of the
 * machine's slow phases moves a median of three less than a merged histogram. Paths that did not
 * complete are left out.
 */
export function runFigures(run: RunResult): RunFigures {
  const out: RunFigures = {};
  for (const path of run.paths) {
    if (path.outcome !== 'completed') continue;
    const reps = repetitionFigures(path);
    const series = new Map<string, number[]>();
    const add = (name: string, value: number | undefined): void => {
      if (value !== undefined) series.set(name, [...(series.get(name) ?? []), value]);
    };
    for (const rep of reps) {
      for (const [metric, value] of Object.entries(rep.warm)) add(metric, value);
      add('coldPath', rep.coldPath);
      add('sockperf', rep.reference);
    }
    out[path.strategy] = Object.fromEntries([...series].map(([name, values]) => [name, median(values)]));
  }
  return out;
}

/** How much the machine disturbed a run (as bench/trust.ts counts it): warm-ups that never became steady, settles that hit their limit. A quiet machine has neither. */
export function disturbance(run: RunResult): { warmups: number; notSteady: number; settles: number; unsettled: number } {
  const warmups = run.paths.flatMap((path) => path.repetitions.flatMap((rep) => rep.warm.flatMap((w) => w.warmup ?? [])));
  const settles = run.paths.flatMap((path) => path.repetitions.flatMap((rep) => rep.settles ?? []));
  return {
    warmups: warmups.length,
    notSteady: warmups.filter((w) => w.mode === 'steady' && !w.converged).length,
    settles: settles.length,
    unsettled: settles.filter((s) => !s.completed).length,
  };
}
