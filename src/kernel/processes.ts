/** Facts about processes: alive, which namespace, killing with a grace period. */
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const NETNS_DIR = '/run/netns';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function cmdlineOf(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((part) => part !== '');
  } catch {
    return undefined;
  }
}

/** Inode of a process's network namespace, e.g. 4026532281. */
export function netnsInodeOfPid(pid: number): number | undefined {
  try {
    const match = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

export function netnsInode(name: string): number | undefined {
  try {
    return statSync(`${NETNS_DIR}/${name}`).ino;
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is still the process the ledger recorded: it lives in the
 * recorded namespace or runs the recorded command (pids get reused).
 */
export function isRecordedProcess(pid: number, netns: string, argv: readonly string[]): boolean {
  if (!isAlive(pid)) return false;
  const inode = netnsInode(netns);
  if (inode !== undefined && netnsInodeOfPid(pid) === inode) return true;
  const cmdline = cmdlineOf(pid);
  if (cmdline === undefined) return false;
  const tail = argv.slice(-cmdline.length);
  return cmdline.length > 0 && tail.length === cmdline.length && tail.every((word, i) => word === cmdline[i]);
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL whatever is left. Returns pids that were signalled. */
export async function terminate(pids: readonly number[], graceMs = 1000): Promise<number[]> {
  const signalled: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
      signalled.push(pid);
    } catch {
      // already gone
    }
  }
  const deadline = performance.now() + graceMs;
  while (signalled.some(isAlive) && performance.now() < deadline) await sleep(10);
  for (const pid of signalled) {
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // raced with its exit
      }
    }
  }
  const killDeadline = performance.now() + 2000;
  while (signalled.some(isAlive) && performance.now() < killDeadline) await sleep(5);
  return signalled;
}

/**
 * When a process started, in clock ticks since boot (/proc/PID/stat field 22).
 * With the pid it identifies a process for good: pids are reused, start times are not.
 */
export function startTicksOf(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}
