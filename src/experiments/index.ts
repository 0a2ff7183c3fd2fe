/** Runs the scenario's proxy-operations experiments after the paths. */
import type { EngineContext } from '../engine/context.js';
import type { ServiceProcess } from '../services/service-process.js';
import type { TunnelChoice } from '../strategies/types.js';
import type { ExperimentResult } from './types.js';

export interface ExperimentContext {
  engine: EngineContext;
  /** The running user services, by node. */
  services: Map<string, ServiceProcess>;
  tunnel: TunnelChoice;
}

export async function runExperiments(ctx: ExperimentContext): Promise<ExperimentResult[]> {
  return ctx.engine.scenario.experiments.map((spec) => ({ kind: spec.kind, name: spec.name ?? spec.kind, outcome: 'failed', message: 'not implemented' }));
}
