/**
 * Whether a run can be judged at all. Figures of a path whose traffic took
 * another route describe that route; figures of an interrupted or failed run
 * are partial; a path cost that sockperf contradicts is the harness's. Such a
 * run is no evidence either way, so each problem is an `invalid` finding that
 * fails the gate (exit 1) whatever the verdicts say — in NEW, and in BASE too:
 * passing against a broken baseline passes nothing.
 *
 * Every path of each run is checked, compared or not: a run is valid as a
 * whole. Runs written before a check existed (no per-repetition verification,
 * no reference) are not invalid for lacking it.
 */
import { formatMicros, formatSignedMicros } from '../format.js';
import { CHECKED_METRICS, costsOverBaseline, injectedResponseDelay, type Agreement } from '../results/path-costs.js';
import type { PathResult, RunResult } from '../results/types.js';
import type { Finding, RunLabel } from './types.js';

type InvalidFinding = Extract<Finding, { type: 'invalid-run' }>;

export interface ValidityOptions {
  /** A path cost that disagrees with sockperf's becomes a note instead of failing the gate. Default false. */
  allowReferenceDisagreement: boolean;
}

export interface Validity {
  findings: InvalidFinding[];
  /** Reference checks not applied, or disagreements let through by the option. */
  notes: string[];
}

const ALLOW_OPTION = '--allow-reference-disagreement';

function runOutcome(label: RunLabel, run: RunResult): InvalidFinding[] {
  if (run.outcome === 'completed') return [];
  const why = run.error === undefined ? '' : `: ${run.error.message}`;
  return [
    {
      type: 'invalid-run',
      path: 'run',
      metric: 'outcome',
      verdict: 'invalid',
      run: label,
      check: 'outcome',
      observed: run.outcome,
      reason: `${label}: the run ${run.outcome}${why}; what it measured is compared, but an incomplete run cannot pass the gate: measure it again`,
    },
  ];
}

function pathOutcome(label: RunLabel, path: PathResult): InvalidFinding[] {
  if (path.outcome === 'completed') return [];
  const why = path.failure === undefined ? '' : ` (${path.failure.reason}: ${path.failure.message})`;
  return [
    {
      type: 'invalid-run',
      path: path.strategy,
      metric: 'outcome',
      verdict: 'invalid',
      run: label,
      check: 'outcome',
      observed: path.outcome,
      reason: `${label}: ${path.strategy} ${path.outcome}${why}; its figures are missing or partial`,
    },
  ];
}

/** Repetitions are numbered from 1 here, as on the console while a run measures. */
function verification(label: RunLabel, path: PathResult, planned: number): InvalidFinding[] {
  const checked = path.repetitions.filter((rep) => rep.verification !== undefined);
  const failed = checked.filter((rep) => rep.verification?.ok === false);
  let where: string;
  let detail: string;
  let observed: string;
  if (checked.length > 0) {
    if (failed.length === 0) return [];
    const numbers = failed.map((rep) => rep.index + 1);
    where = ` in repetition${numbers.length > 1 ? 's' : ''} ${numbers.join(', ')} of ${Math.max(planned, path.repetitions.length)}`;
    detail = failed[0]?.verification?.detail ?? '';
    observed = `failed in rep ${numbers.join(', ')}`;
  } else {
    // Runs of schema 1 hold only the check over all repetitions.
    if (path.verification?.ok !== false) return [];
    where = '';
    detail = path.verification.detail;
    observed = 'failed';
  }
  return [
    {
      type: 'invalid-run',
      path: path.strategy,
      metric: 'verification',
      verdict: 'invalid',
      run: label,
      check: 'verification',
      observed,
      reason: `${label}: ${path.strategy} failed path verification${where}: ${detail}; its figures may not be ${path.strategy}'s`,
    },
  ];
}

const METRIC_WORDS: Record<Agreement['metric'], string> = { echo: 'TCP round trip', keepalive: 'keep-alive request' };

/** What coldpath and sockperf say, and by how much they differ from each other. */
function disagreementText(label: RunLabel, strategy: PathResult['strategy'], agreement: Agreement): string {
  const field = CHECKED_METRICS.find((checked) => checked.metric === agreement.metric)?.bound ?? '';
  const reps = agreement.repetitions.map((rep) => rep + 1).join(', ');
  return (
    `${label}: ${strategy}'s ${METRIC_WORDS[agreement.metric]} costs ${formatSignedMicros(agreement.coldpath)} over baseline by coldpath, ` +
    `${formatSignedMicros(agreement.reference)} by sockperf (repetition${agreement.repetitions.length > 1 ? 's' : ''} ${reps}): ` +
    `they differ by ${formatMicros(Math.abs(agreement.coldpath - agreement.reference))}, beyond the bound of ${formatMicros(agreement.bound)} (reference.${field})`
  );
}

function disagreement(label: RunLabel, strategy: PathResult['strategy'], agreement: Agreement): InvalidFinding {
  return {
    type: 'invalid-run',
    path: strategy,
    metric: `reference.${agreement.metric}`,
    verdict: 'invalid',
    run: label,
    check: 'reference',
    observed: `${formatSignedMicros(agreement.coldpath)} (sockperf ${formatSignedMicros(agreement.reference)})`,
    bound: agreement.bound,
    reason: `${disagreementText(label, strategy, agreement)}; the cost is the harness's until explained (${ALLOW_OPTION} gates anyway)`,
  };
}

/** Largest response delay the scenario injects into the user service's HTTP responses, µs. */
function reference(label: RunLabel, run: RunResult, options: ValidityOptions): Validity {
  const findings: InvalidFinding[] = [];
  const notes: string[] = [];
  const delay = injectedResponseDelay(run);
  let skipped = false;
  for (const cost of costsOverBaseline(run)) {
    for (const agreement of cost.agreement) {
      // An injected delay is in coldpath's keep-alive figure by design, and never in sockperf's round trip (path-costs.ts).
      if (agreement.notApplied !== undefined) {
        skipped = true;
        continue;
      }
      if (agreement.ok) continue;
      if (options.allowReferenceDisagreement) notes.push(`${disagreementText(label, cost.strategy, agreement)}; let through by ${ALLOW_OPTION}`);
      else findings.push(disagreement(label, cost.strategy, agreement));
    }
  }
  if (skipped) {
    notes.push(
      `${label}: keep-alive costs not checked against sockperf: the scenario adds responseDelayUs ${delay} to the user service's HTTP responses, which sockperf's round trip does not pass through`,
    );
  }
  return { findings, notes };
}

export function checkValidity(label: RunLabel, run: RunResult, options: ValidityOptions): Validity {
  const findings = [...runOutcome(label, run)];
  for (const path of run.paths) findings.push(...pathOutcome(label, path), ...verification(label, path, run.scenario.repetitions));
  const checked = reference(label, run, options);
  return { findings: [...findings, ...checked.findings], notes: checked.notes };
}
