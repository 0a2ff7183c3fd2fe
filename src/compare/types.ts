/**
 * The result of comparing two runs: one finding per (path, metric) with its
 * numbers, verdict and a one-line reason. Every renderer reads only this.
 */
import type { PathResult } from '../results/types.js';
import type { StrategyName } from '../scenario/schema.js';
import type { LevelEstimate, RatioEstimate } from './bootstrap.js';
import type { Proportion } from './fisher.js';
import type { Operator } from './thresholds.js';

/** A change against BASE. */
export type RelativeVerdict = 'improved' | 'unchanged' | 'regressed' | 'inconclusive';
/** NEW alone against an absolute threshold. */
export type AbsoluteVerdict = 'passed' | 'failed' | 'inconclusive';
export type Verdict = RelativeVerdict | AbsoluteVerdict;

/** Verdicts that make `compare` exit 99. */
export const FAILING_VERDICTS: readonly Verdict[] = ['regressed', 'failed'];

export type RelativeLimit = { increase: number; source: 'min-effect' } | { increase: number; source: 'threshold'; rule: string };

export interface AbsoluteLimit {
  rule: string;
  operator: Operator;
  /** µs (latency), a fraction (rate) or a number (count). */
  value: number;
}

interface FindingBase {
  path: StrategyName;
  /** e.g. `keepalive.p99`, `failures.rate`, `path`; an absolute limit: its rule, e.g. `coldstart.p50<5ms`. */
  metric: string;
  /** One line a reader can act on: why this verdict. */
  reason: string;
}

export type Finding =
  /** A latency percentile, NEW/BASE with a bootstrap interval. */
  | (FindingBase & { type: 'latency-change'; verdict: RelativeVerdict; estimate: RatioEstimate; limit: RelativeLimit })
  /** Failure or error rate, NEW vs BASE with Fisher's exact test. */
  | (FindingBase & { type: 'rate-change'; verdict: RelativeVerdict; base: Proportion; next: Proportion; pWorse: number; pBetter: number; minPoints: number })
  /** A latency percentile of NEW against an absolute limit, with a bootstrap interval. */
  | (FindingBase & { type: 'latency-limit'; verdict: AbsoluteVerdict; estimate: LevelEstimate; limit: AbsoluteLimit })
  /** A rate or count of NEW against an absolute limit, as observed. */
  | (FindingBase & { type: 'observed-limit'; verdict: AbsoluteVerdict; observed: Proportion; unit: 'rate' | 'count'; limit: AbsoluteLimit })
  /** The path completed in one run and not in the other. */
  | (FindingBase & { type: 'path-outcome'; verdict: RelativeVerdict; base: PathResult['outcome']; next: PathResult['outcome'] })
  /** Nothing to compare (no samples on a side). */
  | (FindingBase & { type: 'no-data'; verdict: 'inconclusive' });

export interface RunRef {
  /** Where it was read from, as the user wrote it. */
  location: string;
  runId: string;
  gitSha: string;
  startedAt: string;
  outcome: string;
}

export interface Comparison {
  base: RunRef;
  next: RunRef;
  /** Fingerprint differences, non-empty only when compared with --allow-env-mismatch. */
  envMismatch: string[];
  /** Things a reader must know (scenario differences, paths in one run only, aborted runs). */
  notes: string[];
  findings: Finding[];
  settings: { minEffect: number; tailEffect: number; coldStartEffect: number; iterations: number; seed: number };
}

export function countVerdicts(findings: readonly Finding[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { regressed: 0, failed: 0, improved: 0, unchanged: 0, passed: 0, inconclusive: 0 };
  for (const finding of findings) counts[finding.verdict]++;
  return counts;
}

/** 99 when something regressed or broke a threshold, else 0. */
export function exitCodeOf(comparison: Comparison): number {
  return comparison.findings.some((finding) => FAILING_VERDICTS.includes(finding.verdict)) ? 99 : 0;
}
