/**
 * The per-path summaries of a run, computed once per run object: every
 * report reads the same figures, and decoding histograms is most of the
 * time a render takes. Reports never modify a run, so the cache cannot go stale.
 */
import { summarizeRun, type PathSummary } from '../results/summary.js';
import type { RunResult } from '../results/types.js';

const cache = new WeakMap<RunResult, PathSummary[]>();

export function runSummaries(run: RunResult): PathSummary[] {
  let summaries = cache.get(run);
  if (summaries === undefined) {
    summaries = summarizeRun(run);
    cache.set(run, summaries);
  }
  return summaries;
}
