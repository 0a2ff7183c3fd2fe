/**
 * Steadiness: whether one run's repetitions agree on a path's level well
 * enough to judge a change of the size being gated.
 *
 * Hampel's rule (disturbed.ts) sets aside a few repetitions that fell into
 * one of the machine's slow phases, but never half of them: when a path sits
 * in a slow state for half a run, its repetitions form two levels, no single
 * level describes the run, and any interval built on them compares a mixture
 * (docs/compare.md, "Power": the one run that made every false alarm at
 * `--min-effect 5`). Such a run is no evidence either way — it is measured
 * again, like a run whose reference disagrees.
 *
 * The measure is the standard deviation of the repetitions' log levels (a
 * relative spread, the same units as an effect) after the set-aside; a side
 * is unsteady when it exceeds the effect the metric is gated at: its own
 * repetitions then differ from each other by more than the change the gate
 * is asked to find. Normal runs here spread by 1–3 %, so a 5 % effect leaves
 * room; a 1-repetition or 3-repetition run is not checked (its interval
 * carries the spread instead).
 */
import { MIN_REPETITIONS_TO_SET_ASIDE } from './disturbed.js';

export interface LevelSpread {
  /** Repetitions the spread is computed over (those kept). */
  repetitions: number;
  /** Sample standard deviation of the log levels. */
  sdLog: number;
  /** Lowest and highest level kept, in the metric's units. */
  low: number;
  high: number;
}

/** Spread of a side's levels (one per kept repetition); undefined below the repetitions the check needs. */
export function levelSpread(levels: readonly number[]): LevelSpread | undefined {
  if (levels.length < MIN_REPETITIONS_TO_SET_ASIDE) return undefined;
  const logs = levels.map((level) => Math.log(level));
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const variance = logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (logs.length - 1);
  return { repetitions: levels.length, sdLog: Math.sqrt(variance), low: Math.min(...levels), high: Math.max(...levels) };
}

/** Unsteady: the repetitions' spread exceeds the relative effect being gated (e.g. 0.05 for 5 %). */
export const isUnsteady = (spread: LevelSpread, effect: number): boolean => spread.sdLog > Math.log(1 + effect);

/** The spread as a percentage of the level, as a reader compares it with an effect. */
export const spreadPercent = (spread: LevelSpread): number => (Math.exp(spread.sdLog) - 1) * 100;
