/**
 * The cells of one finding as text (BASE, NEW, change, interval, limit),
 * shared by the console, Markdown and JUnit renderers so they never disagree.
 */
import { formatMicros, formatPercent } from '../format.js';
import { rate, type Proportion } from './fisher.js';
import type { Comparison, Finding, Verdict } from './types.js';
import { intervalText, percentChange } from './verdict.js';

export interface Cells {
  base: string;
  next: string;
  change: string;
  /** The 95 % interval (latency) or the exact test's p-value (rates). */
  interval: string;
  limit: string;
}

const fraction = (p: Proportion): string => `${p.events}/${p.trials}`;
const points = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} pp`;

export function cells(finding: Finding): Cells {
  switch (finding.type) {
    case 'latency-change': {
      const { estimate, limit } = finding;
      return {
        base: formatMicros(estimate.base),
        next: formatMicros(estimate.next),
        change: percentChange(estimate.ratio),
        interval: intervalText(estimate.ci),
        limit: limit.source === 'min-effect' ? `±${formatPercent(limit.increase)}` : `+${formatPercent(limit.increase)} (-t)`,
      };
    }
    case 'rate-change': {
      const worse = rate(finding.next) >= rate(finding.base);
      return {
        base: fraction(finding.base),
        next: fraction(finding.next),
        change: points(rate(finding.next) - rate(finding.base)),
        interval: `p=${(worse ? finding.pWorse : finding.pBetter).toPrecision(2)}`,
        limit: `±${(finding.minPoints * 100).toFixed(0)} pp`,
      };
    }
    case 'latency-limit':
      return {
        base: '',
        next: formatMicros(finding.estimate.value),
        change: '',
        interval: `${formatMicros(finding.estimate.ci.low)} … ${formatMicros(finding.estimate.ci.high)}`,
        limit: `${finding.limit.operator} ${formatMicros(finding.limit.value)}`,
      };
    case 'observed-limit':
      return {
        base: '',
        next: finding.unit === 'rate' ? `${formatPercent(rate(finding.observed))} (${fraction(finding.observed)})` : String(finding.observed.events),
        change: '',
        interval: '',
        limit: `${finding.limit.operator} ${finding.unit === 'rate' ? formatPercent(finding.limit.value) : String(finding.limit.value)}`,
      };
    case 'invalid-run':
      return {
        base: finding.run === 'BASE' ? finding.observed : '',
        next: finding.run === 'NEW' ? finding.observed : '',
        change: '',
        interval: '',
        limit: finding.bound === undefined ? '' : `±${formatMicros(finding.bound)}`,
      };
    case 'no-data':
      return { base: 'n/a', next: 'n/a', change: '', interval: '', limit: '' };
  }
}

/** Display order of verdicts in summaries: what needs attention first. */
export const VERDICT_ORDER: readonly Verdict[] = ['invalid', 'regressed', 'failed', 'inconclusive', 'improved', 'unchanged', 'passed'];

export const shortSha = (sha: string): string => (/^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : sha);

export function methodLine(comparison: Comparison): string {
  const { settings } = comparison;
  const effect = (value: number): string => `±${formatPercent(Math.max(value, settings.minEffect))}`;
  return (
    `95% bootstrap CI of NEW/BASE over repetitions (paired by repetition when possible, expanded for few repetitions; ${settings.iterations} resamples, seed ${settings.seed}` +
    `${settings.setAsideDisturbed ? "; with ≥ 5 repetitions a side, disturbed ones (Hampel's rule) set aside" : ''}${settings.requireSteady ? '; a side whose repetitions spread beyond the effect is invalid' : ''}); ` +
    `a change counts when the whole CI clears ${effect(settings.minEffect)} (warm p50), ${effect(settings.tailEffect)} (warm p90/p99), ${effect(settings.coldStartEffect)} (cold start) unless a -t rule sets it; ` +
    `failures/errors: Fisher's exact test, ±1 pp` +
    (settings.historyRuns > 0 ? `; warm p50: each run's floor (fastest repetition) against BASE and ${settings.historyRuns} history runs, 95% prediction interval of their spread` : '')
  );
}

export function envMismatchLine(comparison: Comparison): string | undefined {
  return comparison.envMismatch.length === 0 ? undefined : `environments differ, compared anyway (--allow-env-mismatch): ${comparison.envMismatch.join('; ')}`;
}

/** An inconclusive interval over repetitions: the table already shows it, a reason would only repeat it. */
export const routine = (finding: Finding): boolean => finding.type === 'latency-change' && finding.verdict === 'inconclusive' && finding.estimate.method !== 'within-histogram';
