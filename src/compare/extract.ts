/**
 * What compare needs from a run.json, per path: one quantile view per
 * repetition and latency series (cold path = every burst's `network`
 * histogram of that repetition merged, cold start = their `total`), and
 * pooled failure/error counts.
 * Repetitions are kept apart on purpose: they are the unit of replication.
 */
import { decodeHistogram } from '../metrics/histogram.js';
import { mergeNamed } from '../results/summary.js';
import type { PathResult, RunResult } from '../results/types.js';
import type { StrategyName, WarmMetric } from '../scenario/schema.js';
import type { Proportion } from './fisher.js';
import type { LatencySeries } from './metrics.js';
import { quantileView, type QuantileView } from './quantiles.js';

/** One repetition's histogram of a series, with the repetition's index (pairing BASE and NEW uses it). */
export interface RepetitionView {
  repetition: number;
  view: QuantileView;
}

export interface PathSamples {
  path: StrategyName;
  repetitions: number;
  /** Per series, one view per repetition that recorded at least one value (in repetition order). */
  latency: Map<LatencySeries, RepetitionView[]>;
  /** Warm series the run measured (even if every request errored). */
  measured: Set<LatencySeries>;
  /** Cold-start instances that failed, of those attempted. */
  failures: Proportion;
  /** Warm requests that errored, of all measured requests (every warm series). */
  errors: Proportion;
}

function pathSamples(path: PathResult): PathSamples {
  const latency = new Map<LatencySeries, RepetitionView[]>();
  const measured = new Set<LatencySeries>();
  const add = (series: LatencySeries, repetition: number, view: QuantileView): void => {
    if (view.count === 0) return;
    const list = latency.get(series) ?? [];
    list.push({ repetition, view });
    latency.set(series, list);
  };
  const failures: Proportion = { events: 0, trials: 0 };
  const errors: Proportion = { events: 0, trials: 0 };
  for (const rep of path.repetitions) {
    if (rep.bursts.length > 0) {
      measured.add('coldpath');
      measured.add('coldstart');
      add(
        'coldpath',
        rep.index,
        quantileView(
          mergeNamed(
            rep.bursts.map((burst) => burst.histograms),
            'network',
          ),
        ),
      );
      add(
        'coldstart',
        rep.index,
        quantileView(
          mergeNamed(
            rep.bursts.map((burst) => burst.histograms),
            'total',
          ),
        ),
      );
    }
    for (const burst of rep.bursts) {
      failures.trials += burst.size;
      failures.events += Object.values(burst.failures).reduce((sum: number, count) => sum + (count ?? 0), 0);
    }
    for (const warm of rep.warm) {
      const series: WarmMetric = warm.metric;
      measured.add(series);
      const view = quantileView(decodeHistogram(warm.histogram));
      add(series, rep.index, view);
      const errored = Object.values(warm.errors).reduce((sum, count) => sum + count, 0);
      errors.events += errored;
      errors.trials += view.count + errored;
    }
  }
  return {
    path: path.strategy,
    repetitions: path.repetitions.length,
    latency,
    measured,
    failures,
    errors,
  };
}

/** Per path, in the run's order. */
export function extractRun(run: RunResult): Map<StrategyName, PathSamples> {
  return new Map(run.paths.map((path) => [path.strategy, pathSamples(path)]));
}
