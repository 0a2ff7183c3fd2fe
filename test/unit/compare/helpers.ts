/** Realistic inputs for compare tests: the run-small fixture, and variations of it made by scaling its histograms. */
import { join } from 'node:path';
import { createHistogram, decodeHistogram, encodeHistogram, type HistogramKind } from '../../../src/metrics/histogram.js';
import { quantileView } from '../../../src/compare/quantiles.js';
import type { LatencySeries } from '../../../src/compare/metrics.js';
import { readRun } from '../../../src/results/store.js';
import type { Fingerprint, RunResult } from '../../../src/results/types.js';
import type { StrategyName } from '../../../src/scenario/schema.js';

export const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'run-small', 'run.json');

export const loadFixture = (): RunResult => readRun(FIXTURE);

/** Decodes, records every value × factor (with its count), encodes. */
export function scaleEncoded(encoded: string, factor: number, kind: HistogramKind): string {
  const view = quantileView(decodeHistogram(encoded));
  const scaled = createHistogram(kind);
  let previous = 0;
  view.values.forEach((value, i) => {
    const cumulative = view.cumulative[i] ?? previous;
    scaled.recordValueWithCount(Math.max(1, Math.round(value * factor)), cumulative - previous);
    previous = cumulative;
  });
  return encodeHistogram(scaled);
}

export interface ScaleSelection {
  paths?: readonly StrategyName[];
  series?: readonly LatencySeries[];
  /** Repetition indexes to scale (default all). */
  repetitions?: readonly number[];
}

/** A copy of `run` with the selected latency histograms multiplied by `factor`. */
export function scaleRun(run: RunResult, factor: number, selection: ScaleSelection = {}): RunResult {
  const copy = structuredClone(run);
  const wanted = <T>(list: readonly T[] | undefined, item: T): boolean => list === undefined || list.includes(item);
  for (const path of copy.paths) {
    if (!wanted(selection.paths, path.strategy)) continue;
    for (const rep of path.repetitions) {
      if (!wanted(selection.repetitions, rep.index)) continue;
      if (wanted(selection.series, 'coldstart')) {
        for (const burst of rep.bursts) {
          for (const name of Object.keys(burst.histograms)) {
            const encoded = burst.histograms[name];
            if (encoded !== undefined) burst.histograms[name] = scaleEncoded(encoded, factor, 'coldstart');
          }
        }
      }
      for (const warm of rep.warm) {
        if (!wanted(selection.series, warm.metric)) continue;
        warm.histogram = scaleEncoded(warm.histogram, factor, 'latency');
        if (warm.raw !== undefined) warm.raw = scaleEncoded(warm.raw, factor, 'latency');
      }
    }
  }
  return copy;
}

export function withFingerprint(run: RunResult, patch: Partial<Fingerprint>): RunResult {
  const copy = structuredClone(run);
  copy.fingerprint = { ...copy.fingerprint, ...patch };
  return copy;
}

/** Keeps the first `n` repetitions of every path. */
export function firstRepetitions(run: RunResult, n: number): RunResult {
  const copy = structuredClone(run);
  for (const path of copy.paths) path.repetitions = path.repetitions.slice(0, n);
  copy.scenario.repetitions = n;
  return copy;
}

/** A copy with three repetitions per path: the fixture's two plus a third made from the first scaled slightly. */
export function threeRepetitions(run: RunResult, thirdFactor = 1.03): RunResult {
  const copy = structuredClone(run);
  const scaled = scaleRun(run, thirdFactor);
  copy.paths.forEach((path, i) => {
    const extra = scaled.paths[i]?.repetitions[0];
    if (extra !== undefined) path.repetitions.push({ ...extra, index: path.repetitions.length });
  });
  copy.scenario.repetitions = 3;
  return copy;
}

/** Multiplies repetition i's histograms by factors[i] (all paths and series): a run-to-run wobble. */
export function jitter(run: RunResult, factors: readonly number[]): RunResult {
  return factors.reduce((current, factor, repetition) => scaleRun(current, factor, { repetitions: [repetition] }), run);
}

/** A copy in which every repetition of every path recorded a path verification: passed, except `failure`'s repetition (0-based). */
export function withVerifications(run: RunResult, failure?: { path: StrategyName; repetition: number; detail: string }): RunResult {
  const copy = structuredClone(run);
  for (const path of copy.paths) {
    for (const rep of path.repetitions) {
      const ok = failure === undefined || path.strategy !== failure.path || rep.index !== failure.repetition;
      rep.verification = {
        expectedSources: ['100.64.0.2'],
        observedSources: ok ? { '100.64.0.2': 4 } : { '169.254.252.1': 4 },
        ok,
        detail: ok ? 'svc saw only the expected 1 source address(es)' : (failure?.detail ?? ''),
      };
    }
  }
  return copy;
}

/**
 * A copy with sockperf measured in repetition 0: baseline's round trip 20 µs, each listed path's 20 µs + its cost,
 * and the scenario's default bounds (echo 5 µs, keep-alive 10 µs).
 */
export function withReferences(run: RunResult, costs: Partial<Record<StrategyName, number>>): RunResult {
  const copy = structuredClone(run);
  copy.scenario.reference = { tool: 'sockperf', port: 11111, repetitions: 1, seconds: 1, echoBoundUs: 5, keepaliveBoundUs: 10 };
  const roundTrip = (micros: number): string => {
    const histogram = createHistogram('latency');
    histogram.recordValueWithCount(micros, 1000);
    return encodeHistogram(histogram);
  };
  for (const path of copy.paths) {
    const cost = path.strategy === 'baseline' ? 0 : costs[path.strategy];
    const rep = path.repetitions.find((r) => r.index === 0);
    if (cost === undefined || rep === undefined) continue;
    rep.reference = { tool: 'sockperf', outcome: 'completed', metric: 'echo', histogram: roundTrip(20 + cost), durationUs: 1_000_000 };
  }
  return copy;
}

/** A copy of `run` whose gre-proxy path (the last) failed at set-up and measured nothing. */
export function withFailedProxyPath(run: RunResult): RunResult {
  const broken = structuredClone(run);
  const path = broken.paths[3]!;
  path.outcome = 'failed';
  path.failure = { reason: 'setup-error', message: 'nft: no such table' };
  path.repetitions = [];
  return broken;
}

/** A run whose every path has one repetition per factor: the fixture's first, scaled (with `only`, the other paths' repetitions are the fixture's first as it is). */
export function runWithLevels(factors: readonly number[], only?: StrategyName): RunResult {
  const fixture = loadFixture();
  const copy = structuredClone(fixture);
  const scaled = factors.map((factor) => scaleRun(fixture, factor));
  copy.paths.forEach((path, p) => {
    const own = only === undefined || path.strategy === only;
    path.repetitions = factors.flatMap((_, i) => {
      const rep = (own ? scaled[i] : fixture)?.paths[p]?.repetitions[0];
      return rep === undefined ? [] : [{ ...rep, index: i }];
    });
  });
  copy.scenario.repetitions = factors.length;
  return copy;
}
