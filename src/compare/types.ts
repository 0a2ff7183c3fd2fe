/**
 * The result of comparing two runs: one finding per (path, metric) with its
 * numbers, verdict and a one-line reason, and one per reason a run cannot be
 * judged at all (validity.ts). Every renderer reads only this.
 */
import type { StrategyName } from '../scenario/schema.js';
import type { LevelEstimate, RatioEstimate } from './bootstrap.js';
import type { Proportion } from './fisher.js';
import type { Operator } from './thresholds.js';

/** A change against BASE. */
export type RelativeVerdict = 'improved' | 'unchanged' | 'regressed' | 'inconclusive';
/** NEW alone against an absolute threshold. */
export type AbsoluteVerdict = 'passed' | 'failed' | 'inconclusive';
/** BASE or NEW cannot be judged: a path failed or took the wrong route, or its reference disagrees. */
export type ValidityVerdict = 'invalid';
export type Verdict = RelativeVerdict | AbsoluteVerdict | ValidityVerdict;

/** Verdicts that make `compare` exit 99. */
export const FAILING_VERDICTS: readonly Verdict[] = ['regressed', 'failed'];

/** Exit codes of the gate: 1 as `coldpath run` exits for a run that failed or took the wrong route. */
export const EXIT_INVALID = 1;
export const EXIT_REGRESSION = 99;

export type RunLabel = 'BASE' | 'NEW';

/** What made a run invalid: its or a path's outcome, path verification, the reference check, repetitions in two levels (steadiness.ts). */
export type ValidityCheck = 'outcome' | 'verification' | 'reference' | 'steadiness';

export type RelativeLimit = { increase: number; source: 'min-effect' } | { increase: number; source: 'threshold'; rule: string };

export interface AbsoluteLimit {
  rule: string;
  operator: Operator;
  /** µs (latency), a fraction (rate) or a number (count). */
  value: number;
}

interface FindingBase {
  /** `run` for what concerns a whole run (it errored or was interrupted). */
  path: StrategyName | 'run';
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
  /** BASE or NEW cannot be judged (validity.ts); `observed` is the short form for a table cell, `bound` the reference bound. */
  | (FindingBase & { type: 'invalid-run'; verdict: ValidityVerdict; run: RunLabel; check: ValidityCheck; observed: string; bound?: number })
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
  /** Things a reader must know (scenario differences, paths in one run only, reference checks not applied or allowed). */
  notes: string[];
  findings: Finding[];
  settings: { minEffect: number; tailEffect: number; coldStartEffect: number; setAsideDisturbed: boolean; requireSteady: boolean; historyRuns: number; iterations: number; seed: number };
}

export function countVerdicts(findings: readonly Finding[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { invalid: 0, regressed: 0, failed: 0, improved: 0, unchanged: 0, passed: 0, inconclusive: 0 };
  for (const finding of findings) counts[finding.verdict]++;
  return counts;
}

/** The runs found invalid (BASE first); empty when both can be judged. */
export function invalidRuns(comparison: Comparison): RunLabel[] {
  const labels = new Set(comparison.findings.flatMap((finding) => (finding.type === 'invalid-run' ? [finding.run] : [])));
  return (['BASE', 'NEW'] as const).filter((label) => labels.has(label));
}

/**
 * 1 when BASE or NEW is invalid (whatever the verdicts: figures of a broken run
 * are not evidence either way), else 99 when something regressed or broke a
 * threshold, else 0.
 */
export function exitCodeOf(comparison: Comparison): number {
  if (invalidRuns(comparison).length > 0) return EXIT_INVALID;
  return comparison.findings.some((finding) => FAILING_VERDICTS.includes(finding.verdict)) ? EXIT_REGRESSION : 0;
}
