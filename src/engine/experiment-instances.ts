/**
 * Function instances for experiments, made by the same steps as a burst's
 * instances (instance.ts: namespace, container link, runtime start) and
 * removed the same way. They attach nothing of a path: the experiment's own
 * plans (its proxies and the hosts' tunnels) decide where their traffic goes,
 * so they are wired as the baseline path wires an instance.
 */
import { ColdpathError } from '../errors.js';
import type { ExperimentInstance } from '../experiments/context.js';
import type { Strategy } from '../strategies/types.js';
import type { EngineContext } from './context.js';
import { setUpNetwork, startRuntime, stopInstances, type LiveInstance } from './instance.js';

export class ExperimentInstances {
  private readonly live: LiveInstance[] = [];

  constructor(
    private readonly ctx: EngineContext,
    /** A path that attaches nothing (baseline). */
    private readonly wiring: Strategy,
  ) {}

  /** Adds `count` instances, spread round-robin over the function hosts, each with a ready probe. */
  async add(count: number): Promise<ExperimentInstance[]> {
    const added: LiveInstance[] = [];
    for (let i = 0; i < count; i++) {
      const live = await setUpNetwork(this.ctx, this.wiring, 0);
      if (live === undefined) {
        throw new ColdpathError('no free pod address on any function host for an experiment instance', {
          kind: 'input',
          field: 'platform.podPrefix',
          hint: 'use a larger pod subnet per host or more function hosts',
        });
      }
      this.live.push(live);
      added.push(live);
      failIfFailed(live);
    }
    await Promise.all(added.map((live) => startRuntime(this.ctx, live, 0, this.ctx.placement.probes)));
    added.forEach(failIfFailed);
    return added.map((live) => ({ layout: live.layout, probe: live.probe as NonNullable<LiveInstance['probe']> }));
  }

  /** Stops every probe and deletes the namespaces; safe to call twice. */
  async close(): Promise<void> {
    const live = this.live.splice(0);
    if (live.length > 0) await stopInstances(this.ctx, this.wiring, live);
  }
}

/** The instance's set-up failure as the error it is (the set-up steps record failures instead of throwing). */
function failIfFailed(live: LiveInstance): void {
  if (live.failure !== undefined) throw new ColdpathError(`experiment instance ${live.layout.node}: ${live.failure.message}`, { kind: 'runtime' });
}
