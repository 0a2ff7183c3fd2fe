/**
 * Runs the scenario's experiments after the paths, one at a time, each
 * through its plug-in (experiments/index.ts) in a session of its own that
 * removes what it built. The engine owns what every experiment shares: the
 * order, timing, recording an expected failure or an interruption, and
 * teardown. Environment and input errors concern the whole run and stop it.
 */
import { type ColdpathError, isColdpathError } from '../errors.js';
import { freshResult } from '../experiments/experiment.js';
import { experimentOf, preflightExperiments } from '../experiments/index.js';
import type { ExperimentResult } from '../experiments/types.js';
import type { ExperimentSpec } from '../scenario/experiments.js';
import type { ServiceProcess } from '../services/service-process.js';
import type { StrategyContext } from '../strategies/types.js';
import type { EngineContext } from './context.js';
import { ExperimentSession } from './experiment-session.js';

export async function runExperiments(ctx: EngineContext, services: ReadonlyMap<string, ServiceProcess>, strategy: StrategyContext): Promise<ExperimentResult[]> {
  const specs = ctx.scenario.experiments;
  preflightExperiments(specs);
  const results: ExperimentResult[] = [];
  for (const [index, spec] of specs.entries()) {
    if (ctx.signal.aborted) {
      results.push(notRun(spec, 'aborted', 'run interrupted before this experiment'));
      continue;
    }
    results.push(await runOne(ctx, new ExperimentSession(ctx, services, strategy), spec, `experiments.${index}`));
  }
  return results;
}

async function runOne(ctx: EngineContext, session: ExperimentSession, spec: ExperimentSpec, field: string): Promise<ExperimentResult> {
  const experiment = experimentOf(spec.kind);
  const started = Date.now();
  let result: ExperimentResult = notRun(spec, 'failed', 'not started');
  let fatal: unknown;
  try {
    result = experiment.describe(session, spec);
    await experiment.run(session, spec, result, field);
    if (ctx.signal.aborted) result.outcome = 'aborted';
  } catch (error) {
    // A bug, or an environment or input error, ends the run (after this experiment's teardown).
    if (!isColdpathError(error) || error.kind === 'environment' || error.kind === 'input') fatal = error;
    else recordFailure(result, error, ctx.signal.aborted);
  } finally {
    result.notes.push(...(await session.close()));
    result.durationMs = Date.now() - started;
  }
  if (fatal !== undefined) throw fatal;
  return result;
}

/** An expected failure in the result: aborted when the run was interrupted, failed otherwise. */
function recordFailure(result: ExperimentResult, error: ColdpathError, aborted: boolean): void {
  result.outcome = aborted ? 'aborted' : 'failed';
  result.message = error.message;
  if (error.hint === undefined) delete result.hint;
  else result.hint = error.hint;
}

/** The result of an experiment that did not run (or could not describe itself). */
function notRun(spec: ExperimentSpec, outcome: 'failed' | 'aborted', message: string): ExperimentResult {
  // Only the fields every kind has: what a kind adds (failover's echoed configuration, figures) is optional.
  return { ...freshResult(spec), outcome, message };
}
