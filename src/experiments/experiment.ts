/**
 * The experiment plug-in, as `Strategy` is the path plug-in: an experiment
 * declares what it checks before the run, what its result echoes, how it
 * builds and measures (through the engine's ExperimentContext), and how its
 * result reads in a report (data: text, tables, charts). The engine
 * (engine/experiments.ts) owns everything around it: order, timing, failure
 * and interruption, and removing what it built.
 */
import type { Block, ChartFigure } from '../report-data.js';
import type { ExperimentSpec } from '../scenario/experiments.js';
import type { ExperimentContext } from './context.js';
import type { ExperimentResult } from './types.js';

export interface Experiment<S extends ExperimentSpec = ExperimentSpec, R extends ExperimentResult = ExperimentResult> {
  readonly kind: S['kind'];
  /**
   * Environment checks before anything is built (a missing daemon or tool):
   * throws an environment error naming the package. Side-effect free.
   * `field` is the spec's path in the scenario (`experiments.0`). Across machines
   * (`where.acrossMachines`) the coordinator's own tools do not matter: the nodes' machines run them.
   */
  preflight(spec: S, field: string, where?: { acrossMachines: boolean }): void;
  /** The result before anything is measured: kind, name, what it echoes of its configuration, outcome `completed`. */
  describe(ctx: ExperimentContext, spec: S): R;
  /**
   * Builds, measures and writes its figures into `result` (also partially:
   * what was measured before a failure stays). Throws a ColdpathError on an
   * expected failure; the engine records it.
   */
  run(ctx: ExperimentContext, spec: S, result: R, field: string): Promise<void>;
  /** What a report shows of a result (the renderer adds the heading, the outcome, its message and notes). */
  report(result: R): { blocks: Block[]; charts: ChartFigure[] };
}

/** A result before anything is measured: named after the spec (or its kind), completed until the engine says otherwise. */
export function freshResult<K extends ExperimentSpec['kind']>(spec: { kind: K; name?: string | undefined }): { kind: K; name: string; outcome: 'completed'; durationMs: number; notes: string[] } {
  return { kind: spec.kind, name: spec.name ?? spec.kind, outcome: 'completed', durationMs: 0, notes: [] };
}
