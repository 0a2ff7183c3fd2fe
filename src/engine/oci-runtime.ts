/**
 * The run's side of `instances.runtime: oci`: the check before anything
 * exists, and where the run keeps its containers (inside its ledger
 * directory, so that `coldpath clean` and the ledger's removal take them).
 */
import { join } from 'node:path';
import { crunCgroupView, requireCrun } from '../env/crun.js';
import { hostReadOnlyBinds } from '../probes/oci-bundle.js';
import type { OciRuntime } from '../probes/oci-container.js';
import type { Scenario } from '../scenario/schema.js';
import type { EngineContext } from './context.js';

/** Exit 3 before anything is created when the scenario asks for containers and crun is missing. */
export function ociPreflight(scenario: Scenario): void {
  if (scenario.instances.runtime === 'oci') requireCrun(crunCgroupView());
}

const runtimes = new WeakMap<EngineContext['driver']['ledger'], OciRuntime>();

/** The run's crun state directory and bundles (one per ledger, made once). */
export function ociRuntimeOf(ctx: EngineContext): OciRuntime {
  const ledger = ctx.driver.ledger;
  let runtime = runtimes.get(ledger);
  if (runtime === undefined) {
    runtime = { root: join(ledger.dir, 'crun'), bundles: join(ledger.dir, 'oci'), view: crunCgroupView(), binds: hostReadOnlyBinds(), ledger };
    runtimes.set(ledger, runtime);
  }
  return runtime;
}
