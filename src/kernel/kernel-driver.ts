/**
 * What the run engine needs from the thing that makes its plans real: apply a
 * plan and say when its kernel work ran, name the namespace of a node, keep
 * `ip` sessions open where that pays (a hint: a driver may ignore it), and tear
 * down what it built. Two implementations: `LocalKernelDriver` (driver.ts,
 * in-process, the default) and the agent-backed driver of
 * `executors/agent-driver.ts`, which sends every plan through the agent
 * protocol (docs/agent-protocol.md) — one code path for every executor.
 */
import type { NodeSignal, SignalsSent } from './node-signals.js';
import type { LineChannel } from '../exec/line-channel.js';
import type { CommandResult } from '../exec/run-command.js';
import type { AgentClock } from '../results/types.js';
import type { Plan } from '../topology/ops.js';
import type { Ledger } from './ledger.js';

/** Runs a command inside one node's namespace, on the machine that holds the node; a non-zero exit is returned, not thrown. */
export type InNode = (argv: readonly string[], options?: { input?: string; timeoutMs?: number }) => Promise<CommandResult>;

/** A JSON-line process (probe, service) started in a node: its channel, its pid on its machine, and how to stop it. */
export interface NodeProcess<Event = unknown> {
  channel: LineChannel<Event>;
  pid: number | undefined;
  /** Closes its stdin (it exits by itself), then kills it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The clock of the machine that holds a node, against the coordinator's: the time stamps a process
 * there takes (a probe's `ready`, its first request) are on its machine's CLOCK_MONOTONIC.
 */
export interface NodeClock {
  /** A coordinator time on the node's machine's clock (through the clock estimate; identity on this machine). */
  fromCoordinator(us: number): number;
  /** Half-width of the estimate's hard bound, µs: what a span crossing machines may be off by (0 on this machine). */
  uncertaintyUs: number;
}

/** The timing of one applied plan, on the coordinator's CLOCK_MONOTONIC (µs). */
export interface ApplyResult {
  steps: number;
  /** Monotonic µs: first step began executing (after any queueing) / last step ended. */
  startUs: number;
  endUs: number;
  /** Time spent waiting behind other work in shared sessions. */
  queuedUs: number;
}

export interface KernelDriver {
  /** The run tag: node `n` is the namespace `coldpath-<tag>-n`. */
  readonly tag: string;
  /**
   * The coordinator's own ledger: the processes and files the engine starts itself (probes,
   * services, daemons), recorded before they exist. Whether the namespaces are in it too depends
   * on the driver: the local one records them here, an agent in its own ledger.
   */
  readonly ledger: Ledger;
  /** The namespace that stands for a node. */
  readonly netnsOf: (node: string) => string;
  /** Commands inside a node's namespace (nft counters, conntrack, links), wherever the node lives. */
  inNode(node: string): InNode;
  /** Starts a JSON-line process in a node's namespace, recorded (in a ledger) before it can do anything. */
  spawnIn<Event>(node: string, argv: readonly string[], options: { label: string; cpus?: readonly number[] }): Promise<NodeProcess<Event>>;
  /**
   * Sends `signal` to these pids of a node (in order) on the node's machine, from a process already running
   * there (this one, or its agent): `startUs`..`endUs` (coordinator clock) bound when they went out, to
   * microseconds plus the machine's clock uncertainty. Refuses (`pids.N`) a pid in another namespace.
   */
  signalIn(node: string, pids: readonly number[], signal: NodeSignal): Promise<SignalsSent>;
  /** The clock of the node's machine. */
  clockOf(node: string): NodeClock;
  /** The run's nodes whose namespaces exist now (for the kernel census). */
  liveNodes(): Promise<string[]>;
  /** Applies a plan in order; on failure throws a ColdpathError naming the plan. Times are the coordinator's. */
  apply(plan: Plan): Promise<ApplyResult>;
  /** Hint: `count` root-context `ip` sessions for work in namespaces without a session of their own. */
  openRootSessions(count: number): void;
  /** Hint: keep an `ip` session open in a node that lives long (or `root`). */
  openSession(node: string): void;
  /** Closes a node's session; must be called before its namespace is deleted. */
  closeSession(node: string): Promise<void>;
  /** Closes every session. */
  closeAll(): Promise<void>;
  /**
   * Removes what this driver built beyond the coordinator's ledger and ends its connection; the
   * engine calls it after replaying its own ledger. Resolves with the errors left (never throws).
   */
  teardown(): Promise<string[]>;
  /**
   * The agents this driver's plans went through, each with its clock estimated on connect and
   * once more now (call before `teardown`); none for a driver that applies plans itself.
   */
  agentClocks?(): Promise<AgentClock[]>;
}
