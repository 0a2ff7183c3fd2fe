/**
 * Signals to a node's processes, sent by this process (`process.kill`), not by
 * a `kill` command: no process to start, so the instant is known to
 * microseconds (a `kill` through `ip netns exec` took ≈ 0.2 s in a TCG guest).
 * Only processes in the node's namespace are signalled: a pid found in another
 * namespace refuses the whole call before anything is sent. The local driver
 * and the agent's `signal` request both use it.
 */
import { ColdpathError } from '../errors.js';
import { netnsInode, netnsInodeOfPid } from './processes.js';

/** The signals the engine sends to daemons (fail, freeze, thaw, stop); the agent's `signal` request accepts these. */
export const NODE_SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGSTOP', 'SIGCONT', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
export type NodeSignal = (typeof NODE_SIGNALS)[number];

/** Where a process is against a node's namespace. */
export type ProcessWhere = 'here' | 'elsewhere' | 'gone';

/** Signals sent: to which pids, which were gone already, and when (monotonic µs: just before the first, just after the last). */
export interface SignalsSent {
  delivered: number[];
  gone: number[];
  startUs: number;
  endUs: number;
}

/** `kill -s SIG PID…` by the shell's builtin (no procps needed on the machine): an agent without `signal` runs it in the node. */
export function signalArgv(signal: NodeSignal, pids: readonly number[]): string[] {
  return ['sh', '-c', 'kill -s "$0" "$@"', signal.replace(/^SIG/, ''), ...pids.map(String)];
}

/** Where `pid` is against the namespace `netns` on this machine. */
export function whereIsIn(netns: string): (pid: number) => ProcessWhere {
  return (pid) => {
    const inode = netnsInodeOfPid(pid);
    if (inode === undefined) return 'gone';
    return inode === netnsInode(netns) ? 'here' : 'elsewhere';
  };
}

/** A node's namespace and how to tell whether a process is in it (an agent's `NodePlace` is one). */
export interface SignalPlace {
  netns: string;
  whereIs(pid: number): ProcessWhere;
}

/** Sends `signal` to `pids` in order, after checking each is in the place's namespace or gone; `now` stamps the sends. */
export function sendSignals(pids: readonly number[], signal: NodeSignal, place: SignalPlace, now: () => number): SignalsSent {
  pids.forEach((pid, i) => {
    if (place.whereIs(pid) === 'elsewhere') {
      throw new ColdpathError(`pids.${i}: process ${pid} is not in ${place.netns}`, {
        kind: 'input',
        field: `pids.${i}`,
        hint: "signal only the run's own processes, by their pids on the node's machine",
      });
    }
  });
  const delivered: number[] = [];
  const gone: number[] = [];
  const startUs = now();
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      delivered.push(pid);
    } catch {
      // ESRCH: it exited since the check (as root, nothing else refuses).
      gone.push(pid);
    }
  }
  return { delivered, gone, startUs, endUs: now() };
}
