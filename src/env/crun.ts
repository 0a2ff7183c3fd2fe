/**
 * What `instances.runtime: oci` needs from this machine: Debian's `crun`, and
 * how it must be called given the machine's cgroup hierarchy (docs/oci.md).
 */
import { readFileSync, statfsSync } from 'node:fs';
import { ColdpathError } from '../errors.js';
import { HYBRID_UNIFIED_MOUNT, type CgroupView } from '../exec/crun.js';
import { installHint, TOOLS, which } from './tools.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const TMPFS_MAGIC = 0x01021994;

const fsType = (path: string): number | undefined => {
  try {
    return Number(statfsSync(path).type);
  } catch {
    return undefined;
  }
};

/**
 * `private-v1-view` on a hybrid hierarchy (cgroup v1 under a tmpfs
 * /sys/fs/cgroup, cgroup v2 at /sys/fs/cgroup/unified) whose v2 mount has
 * controllers: crun 1.8 refuses to create a container there whatever its
 * cgroup manager. `direct` everywhere else (pure v1, pure v2, hybrid with an
 * empty v2).
 */
export function crunCgroupView(): CgroupView {
  if (fsType('/sys/fs/cgroup') !== TMPFS_MAGIC || fsType(HYBRID_UNIFIED_MOUNT) !== CGROUP2_SUPER_MAGIC) return 'direct';
  try {
    return readFileSync(`${HYBRID_UNIFIED_MOUNT}/cgroup.controllers`, 'utf8').trim() === '' ? 'direct' : 'private-v1-view';
  } catch {
    return 'direct';
  }
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
