/**
 * What `instances.runtime: oci` needs from this machine: Debian's `crun`, and
 * how it must be called given the machine's cgroup hierarchy (docs/oci.md).
 */
import { readFileSync, statfsSync } from 'node:fs';
import { ColdpathError } from '../errors.js';
import { HYBRID_UNIFIED_MOUNT, type CgroupView } from '../exec/crun.js';
import { installHint, TOOLS, which } from './tools.js';

/** statfs types (linux/magic.h). */
export const CGROUP2_SUPER_MAGIC = 0x63677270;
export const TMPFS_MAGIC = 0x01021994;

const fsType = (path: string): number | undefined => {
  try {
    return Number(statfsSync(path).type);
  } catch {
    return undefined;
  }
};

/** What decides how crun must be called: the file system types of /sys/fs/cgroup and of its `unified` mount, and that mount's controllers. */
export interface CgroupFacts {
  cgroupFs: number | undefined;
  unifiedFs: number | undefined;
  /** Contents of `unified/cgroup.controllers`; undefined when unreadable. */
  unifiedControllers: string | undefined;
}

/**
 * `private-v1-view` on a hybrid hierarchy (cgroup v1 under a tmpfs
 * /sys/fs/cgroup, cgroup v2 at /sys/fs/cgroup/unified) whose v2 mount has
 * controllers: crun 1.8 refuses to create a container there whatever its
 * cgroup manager. `direct` everywhere else (pure v1, pure v2, hybrid with an
 * empty v2).
 */
export function cgroupViewOf(facts: CgroupFacts): CgroupView {
  const hybrid = facts.cgroupFs === TMPFS_MAGIC && facts.unifiedFs === CGROUP2_SUPER_MAGIC;
  return hybrid && (facts.unifiedControllers ?? '').trim() !== '' ? 'private-v1-view' : 'direct';
}

/** The cgroup view of this machine (see `cgroupViewOf`). */
export function crunCgroupView(): CgroupView {
  let unifiedControllers: string | undefined;
  try {
    unifiedControllers = readFileSync(`${HYBRID_UNIFIED_MOUNT}/cgroup.controllers`, 'utf8');
  } catch {
    unifiedControllers = undefined;
  }
  return cgroupViewOf({ cgroupFs: fsType('/sys/fs/cgroup'), unifiedFs: fsType(HYBRID_UNIFIED_MOUNT), unifiedControllers });
}

/** Throws exit 3 naming the Debian package when `crun` (or, on a hybrid hierarchy, `unshare`) is missing. */
export function requireCrun(view: CgroupView): void {
  const crun = TOOLS.filter((tool) => tool.command === 'crun');
  if (which('crun') === undefined) {
    throw new ColdpathError('instances.runtime: oci needs crun, which is not installed', {
      kind: 'environment',
      field: 'instances.runtime',
      hint: `${installHint(crun)} (Debian package crun), or use instances.runtime: process`,
    });
  }
  if (view === 'private-v1-view' && which('unshare') === undefined) {
    throw new ColdpathError('instances.runtime: oci on this cgroup hierarchy needs unshare, which is not installed', {
      kind: 'environment',
      field: 'instances.runtime',
      hint: 'apt-get install -y util-linux',
    });
  }
}
