/**
 * Runs the scenario's proxy-operations experiments after the paths, one at a
 * time, each building and tearing down its own proxies. What an experiment
 * needs from the environment (keepalived, conntrack) is checked for all of
 * them first, so a missing tool fails the run before any is built.
 */
import { ColdpathError, isColdpathError } from '../errors.js';
import { which } from '../env/tools.js';
import type { Scenario } from '../scenario/schema.js';
import type { ExperimentContext } from './context.js';
import { runFailover } from './failover/experiment.js';
import { runMtu } from './mtu/experiment.js';
import { runNat } from './nat/experiment.js';
import { runScaling } from './scaling/experiment.js';
import type { ExperimentSpec } from '../scenario/experiments.js';
import type { ExperimentResult } from './types.js';
import { findKeepalived } from './failover/vrrp-node.js';

export type { ExperimentContext } from './context.js';

/**
 * Environment checks for every experiment of a scenario; throws an
 * environment error naming the missing package. Cheap and side-effect free:
 * the engine may call it from its preflight.
 */
export function preflightExperiments(scenario: Pick<Scenario, 'experiments'>): void {
  scenario.experiments.forEach((spec, index) => {
    if (spec.kind === 'failover') findKeepalived(spec.keepalived, `experiments.${index}.keepalived`);
  });
  if (scenario.experiments.some((spec) => spec.kind === 'scaling' || spec.kind === 'nat') && which('nft') === undefined) {
    throw new ColdpathError('nft not found: NAT and pool experiments need nftables', { kind: 'environment', hint: 'apt-get install -y nftables' });
  }
}

export async function runExperiments(ctx: ExperimentContext): Promise<ExperimentResult[]> {
  const { scenario, signal } = ctx.engine;
  preflightExperiments(scenario);
  const results: ExperimentResult[] = [];
  for (const [index, spec] of scenario.experiments.entries()) {
    if (signal.aborted) {
      results.push(notRun(spec, 'aborted', 'run interrupted before this experiment'));
      continue;
    }
    try {
      results.push(await runOne(ctx, spec, index));
    } catch (error) {
      if (!isColdpathError(error)) throw error;
      // Environment and input errors concern the whole run: stop, as the engine would.
      if (error.kind === 'environment' || error.kind === 'input') throw error;
      results.push(notRun(spec, 'failed', error.message, error.hint));
    }
  }
  return results;
}

function runOne(ctx: ExperimentContext, spec: ExperimentSpec, index: number): Promise<ExperimentResult> {
  switch (spec.kind) {
    case 'failover':
      return runFailover(ctx, spec, index);
    case 'mtu':
      return runMtu(ctx, spec);
    case 'nat':
      return runNat(ctx, spec);
    case 'scaling':
      return runScaling(ctx, spec);
  }
}

function notRun(spec: ExperimentSpec, outcome: 'failed' | 'aborted', message: string, hint?: string): ExperimentResult {
  return {
    kind: spec.kind,
    name: spec.name ?? spec.kind,
    outcome,
    message,
    ...(hint === undefined ? {} : { hint }),
    durationMs: 0,
    notes: [],
  } as ExperimentResult;
}
