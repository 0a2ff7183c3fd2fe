/**
 * Compares two runs path by path and metric by metric: builds the list of
 * (path, metric, limit) checks from the defaults and the threshold rules,
 * feeds each to the bootstrap or the exact test, and records the verdict.
 * Whether each run can be judged at all is checked first (validity.ts).
 */
import { formatMicros, formatPercent } from '../format.js';
import { inputError } from '../errors.js';
import type { RunResult } from '../results/types.js';
import type { StrategyName } from '../scenario/schema.js';
import { bootstrapLevel, bootstrapRatio, DEFAULT_BOOTSTRAP, type RatioEstimate } from './bootstrap.js';
import { checkEnvironment, scenarioDifferences } from './environment.js';
import { extractRun, type PathSamples, type RepetitionView } from './extract.js';
import { fisherGreater, rate } from './fisher.js';
import { DEFAULT_METRICS, metricName, PERCENTILES, sameMetric, type MetricId } from './metrics.js';
import { poolViews, valueAtPercentile } from './quantiles.js';
import type { Threshold } from './thresholds.js';
import { floorLevel, historyRatio, judgeHistory, MIN_HISTORY_RUNS } from './history.js';
import { isUnsteady, levelSpread, spreadPercent } from './steadiness.js';
import type { Comparison, Finding, RelativeLimit, RunLabel } from './types.js';
import { checkValidity } from './validity.js';
import { DEFAULT_RATE_MIN_POINTS, judgeLevel, judgeObserved, judgeRates, judgeRatio } from './verdict.js';

export interface CompareSettings {
  /** Smallest relative change of a warm median (p50) that counts, as a fraction. Default 0.10 (CLI `--min-effect 10`). */
  minEffect: number;
  /**
   * Smallest change of a warm tail percentile (p90, p99) that counts. Default 1.0 (a doubling):
   * on the shared 2-vCPU machines tails are scheduler stalls of the neighbours and move up to 2×
   * between identical runs (docs/compare.md). Never below `minEffect`.
   */
  tailEffect: number;
  /**
   * Smallest change of a cold-start percentile that counts. Default 1.0 (a doubling): cold starts
   * are bimodal from run to run (≈ 210 ms or ≈ 400 ms with the same build). Never below `minEffect`.
   */
  coldStartEffect: number;
  /** Parsed `--threshold` rules; a relative rule replaces the default effect of its metric. Default none. */
  thresholds: readonly Threshold[];
  /** Compare runs whose fingerprints differ (every output then says so). Default false. */
  allowEnvMismatch: boolean;
  /** A path cost that disagrees with sockperf's beyond its bound is a note, not an invalid run. Default false. */
  allowReferenceDisagreement: boolean;
  /** Set aside disturbed repetitions (≥ 5 on both sides, Hampel's rule: disturbed.ts) before a relative latency check. Default true (CLI `--keep-disturbed` turns it off). */
  setAsideDisturbed: boolean;
  /**
   * A side whose kept repetitions spread by more than the effect a metric is gated at is invalid
   * (steadiness.ts). Default false: measured on a noisy day it invalidated 13 of 24 gate runs at
   * the default effect (docs/compare.md, "Power"). CLI `--require-steady`.
   */
  requireSteady: boolean;
  /**
   * More runs of BASE's build (`--history`): with BASE they make ≥ 3, and each path's warm
   * medians are then judged by their floor levels against the runs' spread (history.ts).
   * Default none.
   */
  history: ReadonlyArray<{ location: string; run: RunResult }>;
  /** Bootstrap resamples per latency check. Default 4000. */
  iterations: number;
  /** Seed of every bootstrap draw: same runs, same verdicts. Default 1. */
  seed: number;
}

export const DEFAULT_SETTINGS: CompareSettings = {
  minEffect: 0.1,
  tailEffect: 1,
  coldStartEffect: 1,
  thresholds: [],
  allowEnvMismatch: false,
  allowReferenceDisagreement: false,
  setAsideDisturbed: true,
  requireSteady: false,
  history: [],
  iterations: DEFAULT_BOOTSTRAP.iterations,
  seed: DEFAULT_BOOTSTRAP.seed,
};

export type Effects = Pick<CompareSettings, 'minEffect' | 'tailEffect' | 'coldStartEffect'>;

/** The minimum effect of a latency metric when no threshold sets one. */
export function defaultEffect(metric: Extract<MetricId, { kind: 'latency' }>, effects: Effects): number {
  if (metric.series === 'coldpath' || metric.series === 'coldstart') return Math.max(effects.coldStartEffect, effects.minEffect);
  return metric.percentile === 'p50' ? effects.minEffect : Math.max(effects.tailEffect, effects.minEffect);
}

/** Where each run was read from, for the outputs' headers. */
export interface Locations {
  base: string;
  next: string;
}

const hasLatency = (samples: PathSamples, metric: MetricId): boolean => metric.kind !== 'latency' || samples.measured.has(metric.series);

function validateThresholds(thresholds: readonly Threshold[], base: Map<StrategyName, PathSamples>, next: Map<StrategyName, PathSamples>): void {
  for (const threshold of thresholds) {
    const runs = threshold.kind === 'relative' ? [['BASE', base] as const, ['NEW', next] as const] : [['NEW', next] as const];
    for (const [label, paths] of runs) {
      const name = metricName(threshold.metric);
      if (threshold.path !== undefined) {
        const samples = paths.get(threshold.path);
        if (samples === undefined) {
          throw inputError('--threshold', `${JSON.stringify(threshold.rule)} names path ${threshold.path}, which ${label} did not run`, `${label} has: ${[...paths.keys()].join(', ')}`);
        }
        if (!hasLatency(samples, threshold.metric)) {
          throw inputError('--threshold', `${JSON.stringify(threshold.rule)}: ${label} did not measure ${name} on ${threshold.path}`, `measured there: ${[...samples.measured].join(', ')}`);
        }
      } else if (![...paths.values()].some((samples) => hasLatency(samples, threshold.metric))) {
        throw inputError(
          '--threshold',
          `${JSON.stringify(threshold.rule)}: ${label} did not measure ${name} on any path`,
          `measured: ${[...new Set([...paths.values()].flatMap((s) => [...s.measured]))].join(', ')}`,
        );
      }
    }
  }
}

const applies = (threshold: Threshold, path: StrategyName): boolean => threshold.path === undefined || threshold.path === path;

/** The relative limit of a metric on a path: a scoped rule beats an unscoped one beats the default effect. */
function relativeLimit(settings: CompareSettings, path: StrategyName, metric: Extract<MetricId, { kind: 'latency' }>): RelativeLimit {
  const rules = settings.thresholds.filter((t): t is Extract<Threshold, { kind: 'relative' }> => t.kind === 'relative' && applies(t, path) && sameMetric(t.metric, metric));
  const rule = rules.find((t) => t.path === path) ?? rules[0];
  return rule === undefined ? { increase: defaultEffect(metric, settings), source: 'min-effect' } : { increase: rule.increase, source: 'threshold', rule: rule.rule };
}

/** Which repetitions the interval left out, for the finding's reason. */
function setAsideNote(estimate: RatioEstimate): string {
  if (estimate.setAside === undefined) return '';
  const side = (label: string, reps: readonly number[]): string[] => (reps.length === 0 ? [] : [`${label} ${reps.map((r) => `#${r + 1}`).join(', ')}`]);
  return `; set aside as disturbed: ${[...side('BASE', estimate.setAside.base), ...side('NEW', estimate.setAside.next)].join('; ')}`;
}

/** Warm medians judged against BASE's history (history.ts); undefined when the rule does not apply (no history, a cold or tail metric, too few runs with data). */
function historyFinding(
  path: StrategyName,
  name: string,
  metric: Extract<MetricId, { kind: 'latency' }>,
  baseRuns: ReadonlyArray<readonly RepetitionView[]>,
  nextViews: readonly RepetitionView[],
  limit: RelativeLimit,
): Finding | undefined {
  if (baseRuns.length < MIN_HISTORY_RUNS || metric.percentile !== 'p50' || metric.series === 'coldpath' || metric.series === 'coldstart') return undefined;
  const percentile = PERCENTILES[metric.percentile];
  const floors = baseRuns.flatMap((views) => floorLevel(views, percentile) ?? []);
  const nextFloor = floorLevel(nextViews, percentile);
  if (floors.length < MIN_HISTORY_RUNS || nextFloor === undefined) return undefined;
  const estimate = historyRatio(floors, nextFloor);
  return { type: 'latency-change', path, metric: name, estimate, limit, ...judgeHistory(estimate, limit.increase) };
}

/** An invalid finding when a side's kept repetitions spread by more than the effect gated (steadiness.ts). */
function unsteadySide(
  label: RunLabel,
  path: StrategyName,
  name: string,
  views: readonly RepetitionView[],
  setAside: readonly number[] | undefined,
  metric: Extract<MetricId, { kind: 'latency' }>,
  effect: number,
): Finding[] {
  const kept = views.filter((rep) => !(setAside ?? []).includes(rep.repetition));
  const spread = levelSpread(kept.map((rep) => valueAtPercentile(rep.view, PERCENTILES[metric.percentile])));
  if (spread === undefined || !isUnsteady(spread, effect)) return [];
  const percent = `${spreadPercent(spread).toFixed(1)} %`;
  return [
    {
      type: 'invalid-run',
      path,
      metric: name,
      verdict: 'invalid',
      run: label,
      check: 'steadiness',
      observed: `±${percent} (${formatMicros(spread.low)}–${formatMicros(spread.high)})`,
      reason:
        `${label}: ${path}'s ${name} moved between repetitions by ±${percent} (standard deviation over the ${spread.repetitions} kept, ${formatMicros(spread.low)} to ${formatMicros(spread.high)}), ` +
        `more than the ${formatPercent(effect)} change it is gated at: no single level describes the run (one of the machine's slow states); measure it again`,
    },
  ];
}

function quartilesOf(reps: readonly RepetitionView[]): { p25: number; p75: number } {
  const pooled = poolViews(reps.map((rep) => rep.view));
  return { p25: valueAtPercentile(pooled, 25), p75: valueAtPercentile(pooled, 75) };
}

function comparePath(base: PathSamples, next: PathSamples, settings: CompareSettings, history: readonly PathSamples[]): Finding[] {
  const path = next.path;
  const findings: Finding[] = [];
  // A path that did not complete is an invalid run (validity.ts); what it measured is still compared.
  if (base.repetitions === 0 || next.repetitions === 0) return findings;

  const metrics: MetricId[] = [...DEFAULT_METRICS];
  for (const threshold of settings.thresholds) {
    if (threshold.kind === 'relative' && applies(threshold, path) && !metrics.some((m) => sameMetric(m, threshold.metric))) metrics.push(threshold.metric);
  }
  for (const metric of metrics) {
    const name = metricName(metric);
    if (metric.kind === 'latency') {
      if (!base.measured.has(metric.series) || !next.measured.has(metric.series)) continue;
      const baseViews = base.latency.get(metric.series) ?? [];
      const nextViews = next.latency.get(metric.series) ?? [];
      if (baseViews.length === 0 || nextViews.length === 0) {
        findings.push({ type: 'no-data', path, metric: name, verdict: 'inconclusive', reason: `no ${metric.series} values in ${baseViews.length === 0 ? 'BASE' : 'NEW'}` });
        continue;
      }
      const limit = relativeLimit(settings, path, metric);
      const byHistory = historyFinding(path, name, metric, [baseViews, ...history.map((h) => h.latency.get(metric.series) ?? [])], nextViews, limit);
      if (byHistory !== undefined) {
        findings.push(byHistory);
        continue;
      }
      const estimate = bootstrapRatio(baseViews, nextViews, PERCENTILES[metric.percentile], {
        iterations: settings.iterations,
        seed: settings.seed,
        key: `${path}/${name}`,
        setAside: settings.setAsideDisturbed,
      });
      const quartiles = estimate.method === 'within-histogram' ? { base: quartilesOf(baseViews), next: quartilesOf(nextViews) } : undefined;
      const judgement = judgeRatio(estimate, limit.increase, quartiles);
      findings.push({ type: 'latency-change', path, metric: name, estimate, limit, ...judgement, reason: judgement.reason + setAsideNote(estimate) });
      if (settings.requireSteady)
        findings.push(
          ...unsteadySide('BASE', path, name, baseViews, estimate.setAside?.base, metric, limit.increase),
          ...unsteadySide('NEW', path, name, nextViews, estimate.setAside?.next, metric, limit.increase),
        );
    } else if (metric.kind === 'rate') {
      const b = base[metric.series];
      const n = next[metric.series];
      if (b.trials === 0 && n.trials === 0) continue;
      const pWorse = fisherGreater(b, n);
      const pBetter = fisherGreater(n, b);
      findings.push({ type: 'rate-change', path, metric: name, base: b, next: n, pWorse, pBetter, minPoints: DEFAULT_RATE_MIN_POINTS, ...judgeRates(b, n, pWorse, pBetter, DEFAULT_RATE_MIN_POINTS) });
    }
  }

  for (const threshold of settings.thresholds) {
    if (threshold.kind !== 'absolute' || !applies(threshold, path) || !hasLatency(next, threshold.metric)) continue;
    const metric = threshold.metric;
    // Named by the rule (without its path): unique beside the relative check of the same metric.
    const name = threshold.rule.slice(threshold.rule.indexOf(':') + 1);
    const limit = { rule: threshold.rule, operator: threshold.operator, value: threshold.limit };
    if (metric.kind === 'latency') {
      const views = next.latency.get(metric.series) ?? [];
      if (views.length === 0) {
        findings.push({ type: 'no-data', path, metric: name, verdict: 'inconclusive', reason: `${threshold.rule}: no ${metric.series} values in NEW` });
        continue;
      }
      const estimate = bootstrapLevel(views, PERCENTILES[metric.percentile], { iterations: settings.iterations, seed: settings.seed, key: `${path}/${name}/level` });
      findings.push({ type: 'latency-limit', path, metric: name, estimate, limit, ...judgeLevel(estimate, threshold.operator, threshold.limit, settings.minEffect, formatMicros) });
    } else {
      const observed = next[metric.series];
      const isRate = metric.kind === 'rate';
      const value = isRate ? rate(observed) : observed.events;
      const shown = isRate ? `${(value * 100).toPrecision(3)}% (${observed.events}/${observed.trials})` : String(value);
      const limitShown = isRate ? `${threshold.limit * 100}%` : String(threshold.limit);
      findings.push({ type: 'observed-limit', path, metric: name, observed, unit: metric.kind, limit, ...judgeObserved(value, threshold.operator, threshold.limit, shown, limitShown) });
    }
  }
  return findings;
}

function runNotes(label: string, run: RunResult): string[] {
  const notes: string[] = [];
  const reps = [...new Set(run.paths.filter((p) => p.outcome !== 'skipped').map((p) => p.repetitions.length))];
  if (reps.some((n) => n < 2)) notes.push(`${label} has 1 repetition on some path: latency verdicts there need a huge, clearly separated change (run ≥ 3 repetitions)`);
  return notes;
}

/** Throws an input error for unlike environments (unless allowed) and for thresholds naming what the runs lack. */
export function compareRuns(base: RunResult, next: RunResult, settings: CompareSettings, locations: Locations): Comparison {
  const envMismatch = checkEnvironment(base, next, settings.allowEnvMismatch);
  const baseData = extractRun(base);
  const nextData = extractRun(next);
  validateThresholds(settings.thresholds, baseData, nextData);
  const notes: string[] = [];
  const scenario = scenarioDifferences(base, next);
  if (scenario.length > 0) notes.push(`scenarios differ (BASE vs NEW): ${scenario.join('; ')}`);
  notes.push(...runNotes('BASE', base), ...runNotes('NEW', next));
  const onlyIn = (label: string, a: Map<StrategyName, PathSamples>, b: Map<StrategyName, PathSamples>): void => {
    const missing = [...a.keys()].filter((path) => !b.has(path));
    if (missing.length > 0) notes.push(`only in ${label}, not compared: ${missing.join(', ')}`);
  };
  onlyIn('BASE', baseData, nextData);
  onlyIn('NEW', nextData, baseData);

  const validity = [checkValidity('BASE', base, settings), checkValidity('NEW', next, settings)];
  notes.push(...validity.flatMap((v) => v.notes));
  const findings: Finding[] = validity.flatMap((v) => v.findings);
  // History runs are BASE runs too, from like environments. One whose path failed or took the wrong route is left out (its floor
  // could be another route's); a reference disagreement is not a reason: it flags slow states, and leaving those runs out
  // would make the history look tighter than the machine is (docs/compare.md, "Power").
  const history = settings.history.filter((h) => {
    envMismatch.push(...checkEnvironment(h.run, next, settings.allowEnvMismatch).map((line) => `${h.location}: ${line}`));
    const invalid = checkValidity('BASE', h.run, settings).findings.filter((finding) => finding.check !== 'reference');
    if (invalid.length > 0) notes.push(`history run ${h.location} left out: ${invalid[0]?.reason.replace(/^BASE: /, '') ?? 'invalid'}`);
    return invalid.length === 0;
  });
  if (settings.history.length > 0) {
    notes.push(
      history.length + 1 >= MIN_HISTORY_RUNS
        ? `warm medians judged by floor levels (each run's fastest repetition) against BASE and ${history.length} history run${history.length === 1 ? '' : 's'}: a 95 % prediction interval from their spread`
        : `history: ${history.length} valid run${history.length === 1 ? '' : 's'} besides BASE, fewer than the ${MIN_HISTORY_RUNS - 1} the rule needs; warm medians judged against BASE alone`,
    );
  }
  const historyData = history.map((h) => extractRun(h.run));
  for (const [path, nextSamples] of nextData) {
    const baseSamples = baseData.get(path);
    const history = historyData.flatMap((data) => data.get(path) ?? []);
    if (baseSamples !== undefined) findings.push(...comparePath(baseSamples, nextSamples, settings, history));
  }
  const ref = (run: RunResult, location: string): Comparison['base'] => ({
    location,
    runId: run.runId,
    gitSha: run.fingerprint.gitSha,
    startedAt: run.startedAt,
    outcome: run.outcome,
  });
  return {
    base: ref(base, locations.base),
    next: ref(next, locations.next),
    envMismatch,
    notes,
    findings,
    settings: {
      minEffect: settings.minEffect,
      tailEffect: settings.tailEffect,
      coldStartEffect: settings.coldStartEffect,
      setAsideDisturbed: settings.setAsideDisturbed,
      requireSteady: settings.requireSteady,
      // History runs the warm medians were judged against (0 when the rule did not apply).
      historyRuns: history.length + 1 >= MIN_HISTORY_RUNS ? history.length : 0,
      iterations: settings.iterations,
      seed: settings.seed,
    },
  };
}
