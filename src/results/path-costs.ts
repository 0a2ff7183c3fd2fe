/**
 * What each path costs over the floor (baseline), per repetition and with an
 * interval, next to the same cost measured by the reference instrument: the
 * figures behind the verdict, the console summary and the path-cost table.
 */
import { decodeHistogram, mergeEncoded, summarize } from '../metrics/histogram.js';
import { pairedDifference, type PairedDifference } from '../metrics/paired.js';
import { METRICS, type StrategyName, type WarmMetric } from '../scenario/schema.js';
import { mergeNamed } from './summary.js';
import type { PathResult, RunResult } from './types.js';

/** One path's figures in one repetition (p50s, µs). */
export interface RepetitionFigures {
  repetition: number;
  /** Place in the repetition's order (undefined in schema-1 runs). */
  slot: number | undefined;
  warm: Partial<Record<WarmMetric, number>>;
  /** The per-instance cold path: network phases, every burst of the repetition. */
  coldPath: number | undefined;
  /** sockperf round trip, where the reference ran. */
  reference: number | undefined;
}

export function repetitionFigures(path: PathResult): RepetitionFigures[] {
  return path.repetitions.map((rep) => {
    const warm: RepetitionFigures['warm'] = {};
    for (const result of rep.warm) {
      const summary = summarize(decodeHistogram(result.histogram));
      if (summary.count > 0) warm[result.metric] = summary.p50;
    }
    const network = summarize(
      mergeNamed(
        rep.bursts.map((burst) => burst.histograms),
        'network',
      ),
    );
    const reference = rep.reference?.outcome === 'completed' ? summarize(decodeHistogram(rep.reference.histogram)).p50 : undefined;
    return { repetition: rep.index, slot: rep.slot, warm, coldPath: network.count > 0 ? network.p50 : undefined, reference };
  });
}

export type Series = WarmMetric | 'coldPath' | 'reference';

export function seriesOf(figures: readonly RepetitionFigures[], series: Series): Map<number, number> {
  const values = new Map<number, number>();
  for (const figure of figures) {
    const value = series === 'coldPath' ? figure.coldPath : series === 'reference' ? figure.reference : figure.warm[series];
    if (value !== undefined) values.set(figure.repetition, value);
  }
  return values;
}

/** The metrics whose path cost the reference checks, and the scenario field with each bound. */
export const CHECKED_METRICS = [
  { metric: 'echo', bound: 'echoBoundUs' },
  { metric: 'keepalive', bound: 'keepaliveBoundUs' },
] as const;

export interface Agreement {
  metric: 'echo' | 'keepalive';
  /** Repetitions in which both paths had a reference. */
  repetitions: number[];
  /** Path cost by coldpath: the path's lowest p50 over every repetition minus the other path's (µs). */
  coldpath: number;
  /** Path cost by the reference: the same floors over the repetitions it measured in. */
  reference: number;
  bound: number;
  ok: boolean;
  /** Why the check does not apply to this run (then `ok` is true): an injected delay only coldpath's figure pays. */
  notApplied?: string;
}

export interface PathCost {
  strategy: StrategyName;
  against: StrategyName;
  /** Per warm metric: the paired p50 difference (this path − the other). */
  warm: Partial<Record<WarmMetric, PairedDifference>>;
  coldPath: PairedDifference | undefined;
  /** The same difference by the reference instrument. */
  reference: PairedDifference | undefined;
  /** coldpath's cost against the reference's. */
  agreement: Agreement[];
}

export function pathCost(run: RunResult, strategy: StrategyName, against: StrategyName): PathCost | undefined {
  const path = run.paths.find((p) => p.strategy === strategy);
  const other = run.paths.find((p) => p.strategy === against);
  if (path === undefined || other === undefined || strategy === against) return undefined;
  const mine = repetitionFigures(path);
  const theirs = repetitionFigures(other);
  const difference = (series: Series): PairedDifference | undefined => pairedDifference(seriesOf(mine, series), seriesOf(theirs, series));
  const warm: PathCost['warm'] = {};
  for (const metric of METRICS) {
    const d = difference(metric);
    if (d !== undefined) warm[metric] = d;
  }
  const reference = difference('reference');
  const agreement: Agreement[] = [];
  const referenceFloor = floorDifference(seriesOf(mine, 'reference'), seriesOf(theirs, 'reference'));
  if (reference !== undefined && referenceFloor !== undefined) {
    const theirReferences = seriesOf(theirs, 'reference');
    const repetitions = [...seriesOf(mine, 'reference').keys()].filter((repetition) => theirReferences.has(repetition)).sort((a, b) => a - b);
    // Floors on both sides: each path's fastest repetition, by coldpath over every repetition and by
    // the reference over its own. The machine's slow states only ever add latency, and they hit one
    // path's block and not the other's, so a cost taken from the same repetition (or from the one
    // repetition the reference ran in) carries them; the floors do not (measured: docs/compare.md).
    for (const { metric, bound } of CHECKED_METRICS) {
      const byColdpath = floorDifference(seriesOf(mine, metric), seriesOf(theirs, metric));
      if (byColdpath === undefined) continue;
      const limit = run.scenario.reference?.[bound] ?? Number.POSITIVE_INFINITY;
      const delay = metric === 'keepalive' ? injectedResponseDelay(run) : 0;
      agreement.push({
        metric,
        repetitions,
        coldpath: byColdpath,
        reference: referenceFloor,
        bound: limit,
        ok: delay > 0 || Math.abs(byColdpath - referenceFloor) <= limit,
        ...(delay > 0 ? { notApplied: `services[].responseDelayUs injects ${delay} µs that coldpath's keep-alive pays and sockperf's round trip never does` } : {}),
      });
    }
  }
  return { strategy, against, warm, coldPath: difference('coldPath'), reference, agreement };
}

/** The lowest value of one series minus the lowest of the other (µs), or undefined when either is empty. */
export function floorDifference(mine: ReadonlyMap<number, number>, theirs: ReadonlyMap<number, number>): number | undefined {
  if (mine.size === 0 || theirs.size === 0) return undefined;
  return Math.min(...mine.values()) - Math.min(...theirs.values());
}

/** The largest busy-wait the run's services add to every HTTP response (µs; 0 = none). */
export function injectedResponseDelay(run: Pick<RunResult, 'scenario'>): number {
  return Math.max(0, ...run.scenario.services.map((service) => service.responseDelayUs ?? 0));
}

/** Every path's cost over baseline (none when baseline did not run). */
export function costsOverBaseline(run: RunResult): PathCost[] {
  return run.paths.flatMap((path) => {
    const cost = path.strategy === 'baseline' ? undefined : pathCost(run, path.strategy, 'baseline');
    return cost === undefined ? [] : [cost];
  });
}

/** Reference round trips of a path, all repetitions merged (µs p50), or undefined. */
export function referenceP50(path: PathResult): number | undefined {
  const encoded = path.repetitions.flatMap((rep) => (rep.reference?.outcome === 'completed' ? [rep.reference.histogram] : []));
  if (encoded.length === 0) return undefined;
  return summarize(mergeEncoded('latency', encoded)).p50;
}
