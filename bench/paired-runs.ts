/**
 * Two ways of running the same scenario, compared in pairs of whole runs
 * (bench/hosts.ts: across emulated machines against one machine). A pair is
 * one run each way, back to back; the pairs alternate which way goes first
 * (A B | B A | A B …), so a machine that drifts (warms up, gets busier)
 * favours neither, and the pairs of each order can be read on their own: a
 * difference that is real holds in both; one the order made flips or
 * vanishes. Pure: figures in, ratios and intervals out.
 */
import { type MeanInterval, median, meanInterval, ratioInterval, welchInterval } from './stats.js';

export type Side = 'across' | 'one';

export interface PairPlan {
  /** 0-based. */
  pair: number;
  /** The two runs of the pair, in the order they run. */
  order: readonly [Side, Side];
}

/** N pairs in ABBA… order: even pairs run `across` first, odd pairs `one` first. */
export function abbaOrder(pairs: number): PairPlan[] {
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`pairs: expected a whole number ≥ 1, got ${pairs}`);
  return Array.from({ length: pairs }, (_, pair) => ({ pair, order: pair % 2 === 0 ? (['across', 'one'] as const) : (['one', 'across'] as const) }));
}

/** A run's figures: per path, per metric, one number (µs), e.g. the median over repetitions of each repetition's p50. */
export type RunFigures = Record<string, Record<string, number>>;

export interface MeasuredPair {
  pair: number;
  acrossFirst: boolean;
  across: RunFigures;
  one: RunFigures;
}

export interface SideComparison {
  path: string;
  metric: string;
  /** Pairs in which both runs had the figure. */
  pairs: number;
  /** Medians over pairs of each side's figure (µs). */
  one: number;
  across: number;
  /** across ÷ one per pair: geometric mean and 95 % interval. */
  ratio: MeanInterval;
  /** The same over the pairs where `across` ran first, and where it ran second. */
  acrossFirst: MeanInterval;
  acrossSecond: MeanInterval;
  /** log(ratio when across ran first) − log(ratio when second), Welch interval, as a ratio of ratios: 1 = no order effect. */
  orderEffect: MeanInterval;
  /** across − one per pair (µs): the wires' and the agents' cost on this path. */
  overheadUs: MeanInterval;
  /** (path − baseline) across − (path − baseline) on one machine, per pair (µs): what the path costs over the run's own floor, changed by the machines. Not for baseline itself. */
  overBaselineUs: MeanInterval | undefined;
  verdict: Verdict;
}

/**
 * - `across slower` / `across faster`: the interval of the ratio excludes 1 and the pairs of each
 *   order put the ratio on that same side of 1 (the difference survives a change of order);
 * - `order-dependent`: the interval excludes 1 but one order's pairs disagree;
 * - `no difference shown`: the interval holds 1;
 * - `too few pairs`: fewer than 2 pairs, no interval.
 */
export type Verdict = 'across slower' | 'across faster' | 'order-dependent' | 'no difference shown' | 'too few pairs';

export function verdictOf(ratio: MeanInterval, acrossFirst: MeanInterval, acrossSecond: MeanInterval): Verdict {
  if (ratio.low === undefined || ratio.high === undefined) return 'too few pairs';
  const side = ratio.low > 1 ? 1 : ratio.high < 1 ? -1 : 0;
  if (side === 0) return 'no difference shown';
  const agrees = (half: MeanInterval): boolean => half.n > 0 && Math.sign(half.mean - 1) === side;
  if (!agrees(acrossFirst) || !agrees(acrossSecond)) return 'order-dependent';
  return side > 0 ? 'across slower' : 'across faster';
}

/** Every path and metric both sides measured in at least one pair, in the first pair's order. */
export function compareSides(pairs: readonly MeasuredPair[], floorPath = 'baseline'): SideComparison[] {
  const keys: Array<[string, string]> = [];
  for (const pair of pairs)
    for (const [path, metrics] of Object.entries(pair.one))
      for (const metric of Object.keys(metrics)) if (pair.across[path]?.[metric] !== undefined && !keys.some(([p, m]) => p === path && m === metric)) keys.push([path, metric]);
  return keys.map(([path, metric]) => {
    const both = pairs.flatMap((pair) => {
      const one = pair.one[path]?.[metric];
      const across = pair.across[path]?.[metric];
      return one === undefined || across === undefined ? [] : [{ pair, one, across }];
    });
    const ratios = (subset: typeof both): number[] => subset.map((b) => b.across / b.one);
    const first = both.filter((b) => b.pair.acrossFirst);
    const second = both.filter((b) => !b.pair.acrossFirst);
    const ratio = ratioInterval(ratios(both));
    const acrossFirst = ratioInterval(ratios(first));
    const acrossSecond = ratioInterval(ratios(second));
    const logEffect = welchInterval(ratios(first).map(Math.log), ratios(second).map(Math.log));
    const exp = (value: number | undefined): number | undefined => (value === undefined ? undefined : Math.exp(value));
    const overBaseline = path === floorPath ? undefined : overFloor(both, path, metric, floorPath);
    return {
      path,
      metric,
      pairs: both.length,
      one: median(both.map((b) => b.one)),
      across: median(both.map((b) => b.across)),
      ratio,
      acrossFirst,
      acrossSecond,
      orderEffect: { n: logEffect.n, mean: Math.exp(logEffect.mean), low: exp(logEffect.low), high: exp(logEffect.high) },
      overheadUs: meanInterval(both.map((b) => b.across - b.one)),
      overBaselineUs: overBaseline,
      verdict: verdictOf(ratio, acrossFirst, acrossSecond),
    };
  });
}

function overFloor(both: ReadonlyArray<{ pair: MeasuredPair }>, path: string, metric: string, floorPath: string): MeanInterval | undefined {
  const differences = both.flatMap(({ pair }) => {
    const floorAcross = pair.across[floorPath]?.[metric];
    const floorOne = pair.one[floorPath]?.[metric];
    if (floorAcross === undefined || floorOne === undefined) return [];
    return [(pair.across[path]?.[metric] as number) - floorAcross - ((pair.one[path]?.[metric] as number) - floorOne)];
  });
  return differences.length === 0 ? undefined : meanInterval(differences);
}
