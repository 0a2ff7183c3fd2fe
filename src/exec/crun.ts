/**
 * The command lines of Debian's `crun` (an OCI runtime) as coldpath runs
 * them: always with `--root` (the state directory of one run, so cleaning up
 * is exact and never touches another user's containers) and without cgroups.
 * Plain data, shared by the probes that start containers and by the
 * teardown that removes them after a crash.
 */

/** Where a container's state lives and what it is called. */
export interface CrunContainer {
  /** `crun --root`: the run's crun state directory. */
  root: string;
  /** Container id, unique within `root`. */
  id: string;
}

/**
 * How `crun create` sees the machine's cgroups. `direct`: as they are.
 * `private-v1-view`: on a hybrid hierarchy whose cgroup v2 mount has
 * controllers (crun 1.8 refuses such hosts in every cgroup manager, even
 * `disabled`), create runs in a private mount namespace without the v2
 * mount, where crun sees plain cgroup v1 and, with no cgroup manager, uses
 * none of it. The unmount stays inside that namespace; the host's mounts are
 * untouched (docs/oci.md).
 */
export type CgroupView = 'direct' | 'private-v1-view';

/** The cgroup v2 mount of a hybrid hierarchy, hidden from `crun create` in `private-v1-view`. */
export const HYBRID_UNIFIED_MOUNT = '/sys/fs/cgroup/unified';

const base = (container: CrunContainer): string[] => ['crun', '--root', container.root];

/**
 * `crun create`: the container exists, its process waits for `start`.
 * `--cgroup-manager=disabled`: coldpath measures the runtime's start, not
 * cgroup bookkeeping, and leaves no cgroup behind.
 */
export function crunCreateArgv(container: CrunContainer, bundle: string, pidFile: string, view: CgroupView): string[] {
  const create = [...base(container), '--cgroup-manager=disabled', 'create', '--bundle', bundle, '--pid-file', pidFile, container.id];
  if (view === 'direct') return create;
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', `umount ${HYBRID_UNIFIED_MOUNT} && exec "$@"`, 'sh', ...create];
}

/** `crun start`: the container's process runs. */
export const crunStartArgv = (container: CrunContainer): string[] => [...base(container), 'start', container.id];

/** `crun kill`: a signal to the container's process. */
export const crunKillArgv = (container: CrunContainer, signal: 'KILL' | 'TERM'): string[] => [...base(container), 'kill', container.id, signal];

/** `crun delete --force`: kills what still runs and removes the container's state (exit 0 for an unknown id in crun 1.8). */
export const crunDeleteArgv = (container: CrunContainer): string[] => [...base(container), 'delete', '--force', container.id];

/** `crun list --quiet`: the ids of the containers under `root`. */
export const crunListArgv = (root: string): string[] => ['crun', '--root', root, 'list', '--quiet'];
