/**
 * The experiments coldpath knows, by kind, as `strategies/index.ts` lists
 * the paths. The engine runs them (engine/experiments.ts); reports render
 * their results (`reportOf`).
 */
import type { Block, ChartFigure } from '../report-data.js';
import type { ExperimentSpec } from '../scenario/experiments.js';
import type { Experiment } from './experiment.js';
import { failover } from './failover/experiment.js';
import { mtu } from './mtu/experiment.js';
import { nat } from './nat/experiment.js';
import { scaling } from './scaling/experiment.js';
import { tenants } from './tenants/experiment.js';
import type { ExperimentResult } from './types.js';

type Kind = ExperimentSpec['kind'];
type Registry = { [K in Kind]: Experiment<Extract<ExperimentSpec, { kind: K }>, Extract<ExperimentResult, { kind: K }>> };

const EXPERIMENTS: Registry = { failover, mtu, nat, scaling, tenants };

/**
 * The plug-in of a kind. The registry's type ties each kind's spec to its
 * result; a lookup by a runtime kind loses that link, so it is widened here,
 * in one place: callers pass a spec or result of that same kind.
 */
export function experimentOf(kind: Kind): Experiment {
  return EXPERIMENTS[kind] as unknown as Experiment;
}

/** Environment checks of every experiment of a scenario, before anything is built. */
export function preflightExperiments(specs: readonly ExperimentSpec[], where: { acrossMachines: boolean } = { acrossMachines: false }): void {
  for (const [index, spec] of specs.entries()) experimentOf(spec.kind).preflight(spec, `experiments.${index}`, where);
}

/** What a report shows of an experiment's result; nothing when it measured nothing. */
export function reportOf(result: ExperimentResult): { blocks: Block[]; charts: ChartFigure[] } {
  return experimentOf(result.kind).report(result);
}

export type { Experiment } from './experiment.js';
export type { ExperimentContext, ExperimentInstance, TeardownStep } from './context.js';
