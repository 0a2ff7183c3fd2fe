/** Whether this process may create namespaces and configure them. */
import { readFileSync } from 'node:fs';

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;

export interface Privileges {
  ok: boolean;
  uid: number;
  netAdmin: boolean;
  sysAdmin: boolean;
  /** True inside a user namespace (uid 0 mapped from another uid). */
  userNamespace: boolean;
  detail: string;
}

export function checkPrivileges(): Privileges {
  const uid = process.getuid?.() ?? -1;
  let caps = 0n;
  let userNamespace = false;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    caps = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
    const map = readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/);
    userNamespace = !(map[0] === '0' && map[1] === '0' && map[2] === '4294967295');
  } catch {
    // not Linux, or /proc missing: treated as no privileges
  }
  const netAdmin = (caps >> CAP_NET_ADMIN) % 2n === 1n;
  const sysAdmin = (caps >> CAP_SYS_ADMIN) % 2n === 1n;
  const ok = netAdmin && sysAdmin;
  const detail = ok
    ? userNamespace
      ? 'CAP_NET_ADMIN and CAP_SYS_ADMIN inside a user namespace'
      : `root (uid ${uid})`
    : `uid ${uid} lacks ${[!netAdmin ? 'CAP_NET_ADMIN' : '', !sysAdmin ? 'CAP_SYS_ADMIN' : ''].filter(Boolean).join(' and ')}`;
  return { ok, uid, netAdmin, sysAdmin, userNamespace, detail };
}

export const PRIVILEGE_HINT = 'run as root (sudo), or unprivileged inside `unshare --user --map-root-user --net --mount` after mounting a tmpfs on /run/netns';
