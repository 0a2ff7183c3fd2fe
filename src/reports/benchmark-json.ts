/**
 * benchmark.json: a run's headline figures for github-action-benchmark's
 * `customSmallerIsBetter` tool — an array of { name, unit, value, range?,
 * extra? }. Names are stable across runs (`gre-proxy keepalive p50`), so the
 * action charts each one over commits. Every value is µs (`us`, a unit the
 * action knows) and is the figure summary.csv or the path-cost table shows.
 */
import type { PairedDifference } from '../metrics/paired.js';
import { costsOverBaseline, referenceP50 } from '../results/path-costs.js';
import type { RunResult } from '../results/types.js';
import { runSummaries } from './summaries.js';

/** One entry, in the shape the action reads (its `BenchmarkResult`). */
export interface BenchmarkEntry {
  name: string;
  unit: 'us';
  value: number;
  /** `± half-width` of the 95 % interval, where there is one. */
  range?: string;
  /** Shown in the chart's tooltip: run id, repetitions, the sockperf reference. */
  extra?: string;
}

export function benchmarkEntries(run: RunResult): BenchmarkEntry[] {
  const entries: BenchmarkEntry[] = [];
  const costs = new Map(costsOverBaseline(run).map((cost) => [cost.strategy, cost]));
  for (const summary of runSummaries(run)) {
    const path = run.paths.find((candidate) => candidate.strategy === summary.strategy);
    if (path === undefined) continue;
    const reference = referenceP50(path);
    const extra = [
      `run ${run.runId}${run.outcome === 'completed' ? '' : ` (${run.outcome})`}`,
      `repetitions ${path.repetitions.length}`,
      ...(reference === undefined ? [] : [`sockperf p50 ${round(reference)} us`]),
    ].join('\n');
    // Absent figures stay absent (a gap in the chart); 0 would chart as a measured 0 µs.
    for (const [metric, warm] of Object.entries(summary.warm)) {
      if (warm === undefined || warm.count === 0) continue;
      entries.push({ name: `${summary.strategy} ${metric} p50`, unit: 'us', value: warm.p50, extra });
      entries.push({ name: `${summary.strategy} ${metric} p99`, unit: 'us', value: warm.p99, extra });
    }
    const network = summary.coldStart.network;
    if (network.count > 0) entries.push({ name: `${summary.strategy} cold path p50`, unit: 'us', value: network.p50, extra });
    const cost = costs.get(summary.strategy);
    if (cost === undefined) continue;
    for (const [metric, difference] of [...Object.entries(cost.warm), ['cold path', cost.coldPath] as const]) {
      if (difference === undefined) continue;
      entries.push(costEntry(`${summary.strategy} ${metric} p50 cost over ${cost.against}`, difference, run.runId, cost.reference));
    }
  }
  return entries;
}

function costEntry(name: string, difference: PairedDifference, runId: string, reference: PairedDifference | undefined): BenchmarkEntry {
  const hasInterval = Number.isFinite(difference.low) && Number.isFinite(difference.high);
  const extra = [
    `run ${runId}`,
    `repetitions ${difference.n} (paired p50 differences: ${difference.values.map((value) => signed(round(value))).join(', ')} us)`,
    hasInterval ? `95 % interval ${signed(round(difference.low))} .. ${signed(round(difference.high))} us` : 'no interval: fewer than 2 repetitions',
    ...(reference === undefined ? [] : [`sockperf cost ${signed(round(reference.mean))} us`]),
  ].join('\n');
  return {
    name,
    unit: 'us',
    value: round(difference.mean),
    ...(hasInterval ? { range: `± ${round((difference.high - difference.low) / 2)}` } : {}),
    extra,
  };
}

/** The file: the array, pretty-printed, ending with a newline. */
export function benchmarkJson(run: RunResult): string {
  return `${JSON.stringify(benchmarkEntries(run), null, 2)}\n`;
}

const round = (value: number): number => Math.round(value * 100) / 100;

const signed = (value: number): string => (value < 0 ? `${value}` : `+${value}`);
