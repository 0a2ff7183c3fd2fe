/**
 * Removing OCI containers a ledger recorded (`instances.runtime: oci`):
 * `crun delete --force` (kills the container's process and removes its crun
 * state), then the bundle directory. Used by teardown after a crash and by
 * `coldpath clean`; a normal run removes each container when its instance
 * stops (probes/oci-container.ts).
 */
import { rmSync } from 'node:fs';
import { crunDeleteArgv, type CrunContainer } from '../exec/crun.js';
import { runCommand } from '../exec/run-command.js';

/** Deletes the containers (in the order given) and their bundles; continues past errors and reports them. */
export async function removeContainers(containers: ReadonlyArray<CrunContainer & { bundle: string }>): Promise<{ removed: number; errors: string[] }> {
  const errors: string[] = [];
  let removed = 0;
  for (const container of containers) {
    let failure: string | undefined;
    try {
      const result = await runCommand(crunDeleteArgv(container), { reject: false, timeoutMs: 10_000 });
      if (result.exitCode !== 0) failure = result.stderr.trim() || `exit ${result.exitCode}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    if (failure !== undefined) {
      errors.push(`crun --root ${container.root} delete --force ${container.id}: ${failure} (crun comes with the Debian package crun)`);
      continue;
    }
    rmSync(container.bundle, { recursive: true, force: true });
    removed++;
  }
  return { removed, errors };
}
