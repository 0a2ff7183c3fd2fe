/** How crun must be called, from the machine's cgroup hierarchy (docs/oci.md, "crun on this machine"). */
import { describe, expect, it } from 'vitest';
import { CGROUP2_SUPER_MAGIC, cgroupViewOf, TMPFS_MAGIC } from '../../../src/env/crun.js';

describe('cgroupViewOf', () => {
  it('hides the cgroup v2 mount from crun create on a hybrid hierarchy whose v2 has controllers', () => {
    expect(cgroupViewOf({ cgroupFs: TMPFS_MAGIC, unifiedFs: CGROUP2_SUPER_MAGIC, unifiedControllers: 'hugetlb\n' })).toBe('private-v1-view');
  });

  it('calls crun directly on a hybrid hierarchy with an empty v2, on pure v2 and on pure v1', () => {
    expect(cgroupViewOf({ cgroupFs: TMPFS_MAGIC, unifiedFs: CGROUP2_SUPER_MAGIC, unifiedControllers: '\n' })).toBe('direct');
    expect(cgroupViewOf({ cgroupFs: CGROUP2_SUPER_MAGIC, unifiedFs: undefined, unifiedControllers: undefined })).toBe('direct');
    expect(cgroupViewOf({ cgroupFs: TMPFS_MAGIC, unifiedFs: undefined, unifiedControllers: undefined })).toBe('direct');
  });
});
