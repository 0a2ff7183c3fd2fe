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
import { parseNetnsName } from '../topology/naming.js';

/**
 * True for what coldpath itself names: a container id that is one of its
 * namespace names, a bundle `<run dir>/oci/<id>` and the crun root
 * `<run dir>/crun` beside it. A ledger
 * line that says anything else (a damaged or foreign file) is never acted on:
 * `clean` must not delete a directory or a container coldpath did not make.
 */
export function isColdpathContainer(container: CrunContainer & { bundle: string }): boolean {
  const suffix = `/oci/${container.id}`;
  if (parseNetnsName(container.id) === undefined || !container.bundle.endsWith(suffix)) return false;
  // The run's directory holds both: <dir>/oci/<id> and <dir>/crun.
  const runDir = container.bundle.slice(0, -suffix.length);
  return runDir !== '' && container.root === `${runDir}/crun`;
}

/** Deletes the containers (in the order given) and their bundles; continues past errors and reports them. */
export async function removeContainers(containers: ReadonlyArray<CrunContainer & { bundle: string }>): Promise<{ removed: number; errors: string[] }> {
  const errors: string[] = [];
  let removed = 0;
  for (const container of containers) {
    if (!isColdpathContainer(container)) {
      errors.push(`ledger names a container coldpath would not have made (id ${container.id}, bundle ${container.bundle}, root ${container.root}); left alone`);
      continue;
    }
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
