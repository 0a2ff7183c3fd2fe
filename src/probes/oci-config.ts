/**
 * The `config.json` of an instance's OCI bundle, as data: a pure function of
 * what the container needs, so that the file a run writes can be checked
 * against a golden without starting anything.
 *
 * The container has no image: its root is an empty directory mounted
 * read-only, and the host's system directories and coldpath's own files are
 * bound into it read-only, at the same paths, so the probe runs from the same
 * Node.js and the same `dist/` as with `runtime: process`. It joins the
 * instance's existing network namespace (never a new one: the path under test
 * is the instance's) and gets its own mount, PID, IPC and UTS namespaces.
 */

/** What one instance's container is made of. */
export interface OciConfigInput {
  /** The probe's command line (absolute paths, as on the host). */
  args: readonly string[];
  /** Its environment, `NAME=value`. */
  env: readonly string[];
  /** The instance's network namespace as a file, e.g. `/run/netns/coldpath-ab12-i3`. */
  netnsPath: string;
  /** Host paths bound read-only at the same path (directories or files), in mount order. */
  readOnlyBinds: readonly string[];
  hostname: string;
}

/** The subset of the OCI runtime specification (1.0.2) coldpath writes. */
export interface OciConfig {
  ociVersion: '1.0.2';
  process: {
    terminal: false;
    user: { uid: number; gid: number };
    args: string[];
    env: string[];
    cwd: string;
    noNewPrivileges: boolean;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] };
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: Array<{ destination: string; type: string; source: string; options: string[] }>;
  linux: {
    namespaces: Array<{ type: string; path?: string }>;
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

/** Directory of the root file system inside the bundle (relative: the bundle can move). */
export const OCI_ROOTFS = 'rootfs';

/**
 * Renders `config.json`. The probe needs no capability (it only opens TCP
 * connections and reads /proc/self/net), so every set is empty and it cannot
 * gain any (`noNewPrivileges`).
 */
export function renderOciConfig(input: OciConfigInput): OciConfig {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: [...input.args],
      env: [...input.env],
      cwd: '/',
      noNewPrivileges: true,
      capabilities: { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] },
    },
    root: { path: OCI_ROOTFS, readonly: true },
    hostname: input.hostname,
    mounts: [
      // A fresh proc in the new PID namespace; its /proc/self/net is the instance's namespace's (the probe reads SYN retransmits there).
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      // crun adds the standard device nodes (null, zero, urandom, …) to a tmpfs /dev.
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=65536k'] },
      ...input.readOnlyBinds.map((path) => ({ destination: path, type: 'bind', source: path, options: ['rbind', 'ro', 'nosuid', 'nodev'] })),
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc' }, { type: 'uts' }, { type: 'network', path: input.netnsPath }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
