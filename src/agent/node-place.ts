/**
 * Where a node's processes run, as the agent's `exec` and `spawn` need it: the
 * argv prefix that enters the node's namespace and the ledger that records
 * what is started there. The real one comes from a tag this agent claimed
 * (TagSessions.placeOf); unit tests give one without a prefix, so harmless
 * processes run in place, without root.
 */
import type { SignalPlace } from '../kernel/node-signals.js';

/** One node's namespace on this machine, for starting processes in it. */
export interface NodePlace extends SignalPlace {
  /** The namespace, `coldpath-<tag>-<node>`, as the ledger records it. */
  readonly netns: string;
  /** What runs a command inside it: `['ip', 'netns', 'exec', netns]` (argv, no shell). */
  readonly prefix: readonly string[];
  /** Records a started process (its pid, the full argv) in the tag's ledger, as `Ledger.recordSpawn` does for the coordinator. */
  recordSpawn(pid: number, argv: string[]): void;
  /** Records that it exited; nothing once the tag's ledger is gone (a teardown removed it). */
  recordExit(pid: number): void;
}

/** Hands out places; the agent's default is its TagSessions. */
export interface NodePlaces {
  /**
   * The node's place, once the requests queued before for `tag` have settled (a process starts after the
   * plan that built its node). Rejects naming `tag` when this agent has not claimed the tag (no `apply` for
   * it yet), naming `node` when the tag has no such namespace.
   */
  placeOf(tag: string, node: string): Promise<NodePlace>;
}

/** Whether a plan backend also places processes (TagSessions does; a test's fake may not). */
export const isNodePlaces = (value: object): value is NodePlaces => typeof (value as Partial<NodePlaces>).placeOf === 'function';
