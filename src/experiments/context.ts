/**
 * What every experiment gets from the engine, and small helpers over it: the
 * strategy view (scenario, layout, tunnel) plan functions take, the user
 * service to verify sources, progress messages, and the ledger.
 */
import type { EngineContext } from '../engine/context.js';
import { ColdpathError, isColdpathError } from '../errors.js';
import type { ServiceProcess } from '../services/service-process.js';
import type { StrategyContext, TunnelChoice } from '../strategies/types.js';
import type { ServiceLayout } from '../topology/layout.js';
import type { ExperimentResultBase } from './types.js';

export interface ExperimentContext {
  engine: EngineContext;
  /** The running user services, by node. */
  services: Map<string, ServiceProcess>;
  tunnel: TunnelChoice;
}

export function strategyContext(ctx: ExperimentContext): StrategyContext {
  return { scenario: ctx.engine.scenario, layout: ctx.engine.layout, tunnel: ctx.tunnel };
}

/** The first user service: every experiment's target. */
export function userTarget(ctx: ExperimentContext): { layout: ServiceLayout; process: ServiceProcess | undefined } {
  const layout = ctx.engine.layout.userServices[0];
  if (layout === undefined) throw new ColdpathError('the scenario has no service', { kind: 'input', field: 'services' });
  return { layout, process: ctx.services.get(layout.node) };
}

/** A progress line on the console (the engine's stage events). */
export function say(ctx: ExperimentContext, message: string): void {
  ctx.engine.events.emit({ type: 'stage', message });
}

/**
 * Records an experiment's expected failure (a ColdpathError) in its result:
 * aborted when the run was interrupted, failed otherwise. Anything else is a
 * bug and is thrown again.
 */
export function recordFailure(ctx: ExperimentContext, result: ExperimentResultBase<string>, error: unknown): void {
  if (!isColdpathError(error)) throw error;
  result.outcome = ctx.engine.signal.aborted ? 'aborted' : 'failed';
  result.message = error.message;
  if (error.hint !== undefined) result.hint = error.hint;
}
