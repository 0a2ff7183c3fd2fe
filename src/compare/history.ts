/**
 * A warm median judged against a history of BASE runs (`--history`).
 *
 * One BASE run cannot show how far unchanged runs differ from each other,
 * and on these machines they do by several percent even when each run is
 * steady (docs/compare.md, "Power"). With BASE and at least two more runs of
 * the same build, that between-run spread is measured instead of assumed.
 *
 * Each run contributes its *floor level*: the lowest of its repetitions'
 * percentiles. The machine's slow states only ever add latency, so the
 * fastest repetition is the one least touched by them — the minimum as the
 * robust location estimate for regression detection, as Julia's
 * BenchmarkTools argues (Chen & Revels, "Robust benchmarking in noisy
 * environments", 2016). NEW's log floor is compared with the history's mean:
 * the interval of the shift is a 95 % prediction interval,
 * t(m−1) · s · √(1 + 1/m) on each side (NEW is one more draw from the
 * history's spread), and a change counts when that interval excludes no
 * change *and* the change itself exceeds the minimum effect — a history
 * narrows the interval to the machine's real between-run spread, so
 * requiring the whole interval past the minimum effect as well would ask for
 * twice the effect.
 */
import { t975 } from '../metrics/student-t.js';
import type { RatioEstimate } from './bootstrap.js';
import type { RepetitionView } from './extract.js';
import { valueAtPercentile } from './quantiles.js';
import { intervalText, percentChange, type Judgement } from './verdict.js';
import type { RelativeVerdict } from './types.js';

/** Fewest BASE runs (BASE plus history) for the rule: two leave one degree of freedom, too few to trust. */
export const MIN_HISTORY_RUNS = 3;

/** The lowest of a run's repetitions' p-th percentiles (µs); undefined without repetitions. */
export function floorLevel(reps: readonly RepetitionView[], percentile: number): number | undefined {
  if (reps.length === 0) return undefined;
  return Math.min(...reps.map((rep) => valueAtPercentile(rep.view, percentile)));
}

/** NEW's floor over the geometric mean of the BASE runs' floors, with the 95 % prediction interval of the shift. */
export function historyRatio(baseFloors: readonly number[], nextFloor: number): RatioEstimate {
  if (baseFloors.length < MIN_HISTORY_RUNS) throw new Error(`historyRatio: ${baseFloors.length} BASE runs; needs ${MIN_HISTORY_RUNS}`);
  const logs = baseFloors.map((level) => Math.log(level));
  const m = logs.length;
  const mean = logs.reduce((a, b) => a + b, 0) / m;
  const sd = Math.sqrt(logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (m - 1));
  const half = t975(m - 1) * sd * Math.sqrt(1 + 1 / m);
  const change = Math.log(nextFloor) - mean;
  return {
    base: Math.exp(mean),
    next: nextFloor,
    ratio: Math.exp(change),
    ci: { low: Math.exp(change - half), high: Math.exp(change + half) },
    method: 'history',
    repetitions: { base: m, next: 1 },
    df: m - 1,
  };
}

/** Significant (the interval excludes 1) and relevant (the change itself beyond the minimum effect). */
export function judgeHistory(estimate: RatioEstimate, increase: number): Judgement<RelativeVerdict> {
  const { ci, ratio } = estimate;
  const runs = `floor vs ${estimate.repetitions.base} BASE runs, prediction interval ${intervalText(ci)}`;
  const upper = 1 + increase;
  const lower = 1 / upper;
  if (ci.low > 1 && ratio > upper) return { verdict: 'regressed', reason: `${percentChange(ratio)}, beyond the +${percentChange(upper).slice(1)} minimum and the BASE runs' spread (${runs})` };
  if (ci.high < 1 && ratio < lower) return { verdict: 'improved', reason: `${percentChange(ratio)}, beyond ${percentChange(lower)} and the BASE runs' spread (${runs})` };
  if (ci.low <= 1 && ci.high >= 1 && ratio <= upper && ratio >= lower)
    return { verdict: 'unchanged', reason: `${percentChange(ratio)}, within the BASE runs' spread and the ±${percentChange(upper).slice(1)} minimum (${runs})` };
  return {
    verdict: 'inconclusive',
    reason: `${percentChange(ratio)}: ${ci.low > 1 || ci.high < 1 ? 'outside the BASE runs’ spread but within the minimum effect' : 'beyond the minimum effect but within the BASE runs’ spread'} (${runs}); more BASE runs narrow it`,
  };
}
