/**
 * The decision rules, apart from the arithmetic that feeds them. A change
 * only counts when the whole 95 % interval clears the minimum effect: noise
 * on these machines moves medians by several percent from run to run, and
 * a gate that fails on "significant but tiny" cries wolf (docs/compare.md).
 */
import { formatPercent } from '../format.js';
import type { Interval, LevelEstimate, RatioEstimate } from './bootstrap.js';
import { rate, type Proportion } from './fisher.js';
import type { Operator } from './thresholds.js';
import type { AbsoluteVerdict, RelativeVerdict } from './types.js';

export interface Judgement<V> {
  verdict: V;
  reason: string;
}

/** One-sided level of each direction (the two tails of a 95 % interval). */
export const ALPHA_ONE_SIDED = 0.025;

/** Default smallest change of a failure/error rate that counts: 1 percentage point. */
export const DEFAULT_RATE_MIN_POINTS = 0.01;

/** Quartiles of each side's single repetition, for the one-repetition rule. */
export interface Quartiles {
  base: { p25: number; p75: number };
  next: { p25: number; p75: number };
}

export const percentChange = (ratio: number): string => {
  const change = (ratio - 1) * 100;
  const digits = Math.abs(change) >= 99.95 ? 0 : 1;
  const text = change.toFixed(digits);
  return `${change >= 0 && !text.startsWith('-') ? '+' : ''}${text === '-0.0' ? '0.0' : text}%`;
};

export const intervalText = (ci: Interval): string => `${percentChange(ci.low)} … ${percentChange(ci.high)}`;

export function judgeRatio(estimate: RatioEstimate, increase: number, quartiles?: Quartiles): Judgement<RelativeVerdict> {
  const { ci } = estimate;
  if (estimate.method === 'within-histogram') {
    // One repetition on a side: run-to-run spread is unknown, so only a change far beyond
    // the minimum effect, with the bulk of the two distributions apart, is called.
    const bound = (1 + increase) ** 2;
    const rule = `only a change beyond ±${formatPercent(bound - 1)} with disjoint interquartile ranges is called with 1 repetition`;
    if (ci.low > bound && quartiles !== undefined && quartiles.next.p25 > quartiles.base.p75) {
      return { verdict: 'regressed', reason: `1 repetition, but CI ${intervalText(ci)} is above +${formatPercent(bound - 1)} and NEW's p25 is above BASE's p75` };
    }
    if (ci.high < 1 / bound && quartiles !== undefined && quartiles.next.p75 < quartiles.base.p25) {
      return { verdict: 'improved', reason: `1 repetition, but CI ${intervalText(ci)} is below −${formatPercent(1 - 1 / bound)} and NEW's p75 is below BASE's p25` };
    }
    return { verdict: 'inconclusive', reason: `${rule}; run ≥ 3 repetitions` };
  }
  const upper = 1 + increase;
  const lower = 1 / upper;
  const band = `±${formatPercent(increase)}`;
  if (ci.low > upper) return { verdict: 'regressed', reason: `95% CI ${intervalText(ci)} lies above +${formatPercent(increase)}` };
  if (ci.high < lower) return { verdict: 'improved', reason: `95% CI ${intervalText(ci)} lies below ${percentChange(lower)}` };
  if (ci.low >= lower && ci.high <= upper) return { verdict: 'unchanged', reason: `95% CI ${intervalText(ci)} lies within ${band}` };
  return { verdict: 'inconclusive', reason: `95% CI ${intervalText(ci)} crosses the ${band} limit; more repetitions narrow it` };
}

const breaches = (value: number, operator: Operator, limit: number): boolean => (operator === '<' ? value >= limit : value > limit);
const holds = (value: number, operator: Operator, limit: number): boolean => !breaches(value, operator, limit);

export function judgeLevel(estimate: LevelEstimate, operator: Operator, limit: number, minEffect: number, format: (us: number) => string): Judgement<AbsoluteVerdict> {
  const { ci } = estimate;
  const range = `95% CI ${format(ci.low)} … ${format(ci.high)}`;
  // With one repetition the interval knows nothing of run-to-run spread: demand a margin of the minimum effect.
  const margin = estimate.method === 'within-histogram' ? 1 + minEffect : 1;
  const note = estimate.method === 'within-histogram' ? ` (1 repetition: margin ${formatPercent(minEffect)})` : '';
  if (breaches(ci.low, operator, limit * margin)) return { verdict: 'failed', reason: `${range} is entirely over ${format(limit)}${note}` };
  if (holds(ci.high, operator, limit / margin)) return { verdict: 'passed', reason: `${range} is entirely under ${format(limit)}${note}` };
  return { verdict: 'inconclusive', reason: `${range} straddles ${format(limit)}${note}` };
}

export function judgeRates(base: Proportion, next: Proportion, pWorse: number, pBetter: number, minPoints: number): Judgement<RelativeVerdict> {
  const change = rate(next) - rate(base);
  const shown = `${base.events}/${base.trials} → ${next.events}/${next.trials}`;
  if (base.events === 0 && next.events === 0) return { verdict: 'unchanged', reason: `none in either run (${shown})` };
  if (pWorse < ALPHA_ONE_SIDED && change >= minPoints) return { verdict: 'regressed', reason: `${shown}: more often (Fisher p=${pWorse.toPrecision(2)}), +${(change * 100).toFixed(1)} pp` };
  if (pBetter < ALPHA_ONE_SIDED && -change >= minPoints) return { verdict: 'improved', reason: `${shown}: less often (Fisher p=${pBetter.toPrecision(2)}), ${(change * 100).toFixed(1)} pp` };
  if (Math.abs(change) < minPoints) return { verdict: 'unchanged', reason: `${shown}: change below ${(minPoints * 100).toFixed(1)} pp` };
  return { verdict: 'inconclusive', reason: `${shown}: too few attempts to tell (Fisher p=${Math.min(pWorse, pBetter).toPrecision(2)})` };
}

export function judgeObserved(value: number, operator: Operator, limit: number, shown: string, limitShown: string): Judgement<AbsoluteVerdict> {
  return breaches(value, operator, limit) ? { verdict: 'failed', reason: `${shown} is not ${operator} ${limitShown}` } : { verdict: 'passed', reason: `${shown} ${operator} ${limitShown}` };
}
