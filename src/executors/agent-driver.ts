/**
 * The engine's `KernelDriver` over the agent protocol: every plan is an
 * `apply` request for the run's tag, its timing mapped from the agent's clock
 * onto the coordinator's (agent/apply-timing.ts), and the end of the run a
 * `teardown` of the tag followed by closing the connection. The same code
 * serves any connection (the local child today; ssh once `run --hosts`
 * reaches other machines).
 *
 * Session hints for nodes become `session` requests, sent in order with the
 * plans (the agent queues a tag's requests), so a node that lives for the
 * whole run gets a long-lived `ip` there as it does in-process; an agent that
 * does not accept `session` gets none, and plans there start an `ip` per step.
 * The root-session count is the agent's own (one per tag).
 * Commands and processes in nodes are the agent's too (`exec`, `spawn`,
 * recorded in its ledger); a node's clock is the agent's, through the
 * connection's estimate; the live nodes are the ones its plans created and
 * have not deleted.
 */
import type { AgentClient, SpawnProcessOptions } from '../agent/client.js';
import { agentToCoordinatorUs, applyResultToCoordinator } from '../agent/apply-timing.js';
import { combineEstimates, type OffsetEstimate } from '../agent/clock-offset.js';
import type { HelloResponse } from '../agent/protocol.js';
import { nowMicros } from '../clock.js';
import { ColdpathError } from '../errors.js';
import type { LineChannel } from '../exec/line-channel.js';
import type { CommandResult } from '../exec/run-command.js';
import type { ApplyResult, InNode, KernelDriver, NodeClock, NodeProcess } from '../kernel/kernel-driver.js';
import { liveNodesAfter } from '../topology/live-nodes.js';
import type { Ledger } from '../kernel/ledger.js';
import { type NodeSignal, type SignalsSent, signalArgv } from '../kernel/node-signals.js';
import { netnsName } from '../topology/naming.js';
import type { Plan } from '../topology/ops.js';
import type { AgentClock } from '../results/types.js';

/** A command's outcome as the agent reports it (`exec`). */
export interface AgentExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** When it was started and when it had exited and its output was read (agent clock, µs). */
  startUs: number;
  endUs: number;
}

/** A JSON-line process the agent started (`spawn`): a channel whose lines travel through the agent, its pid there. */
export interface AgentSpawned {
  readonly pid: number;
  stop(graceMs?: number): Promise<unknown>;
}

/** What the driver uses of an agent for commands and processes in its nodes (`AgentClient` has it). */
export interface AgentProcessClient {
  exec(tag: string, node: string, argv: readonly string[], options?: { input?: string; timeoutMs?: number }): Promise<AgentExecResult>;
  spawn(tag: string, node: string, argv: readonly string[], options: SpawnProcessOptions): Promise<LineChannel & AgentSpawned>;
  signal(tag: string, node: string, pids: readonly number[], signal: NodeSignal): Promise<SignalsSent>;
}

/** What the driver uses of a connection (`AgentConnection` has it; tests pass a fake). */
export interface AgentDriverConnection {
  readonly client: Pick<AgentClient, 'apply' | 'teardown' | 'session' | 'syncClock'> & Partial<AgentProcessClient> & Partial<Pick<AgentClient, 'machine'>>;
  /** The inventory host's name. */
  readonly host: string;
  /** The agent's `hello` answer: which request types it accepts, its pid, protocol and machine. */
  readonly hello: Pick<HelloResponse, 'accepts' | 'pid' | 'protocol' | 'hostname' | 'kernel' | 'coldpath'>;
  /** The clock estimate of the connection's `syncClock` on connect. */
  readonly clock: OffsetEstimate;
  /** Ends the connection; never throws. */
  close(): Promise<void>;
}

export interface AgentDriverOptions {
  /** The coordinator's clock, integer µs; default `nowMicros` (CLOCK_MONOTONIC). */
  now?: () => number;
  /** The clock estimate to map the agent's stamps through; default the connection's (made on connect). */
  clock?: OffsetEstimate;
}

/** A `KernelDriver` whose plans an agent applies (executor local today); see the file comment. */
export class AgentKernelDriver implements KernelDriver {
  readonly tag: string;
  readonly ledger: Ledger;
  readonly netnsOf = (node: string): string => netnsName(this.tag, node);
  private readonly connection: AgentDriverConnection;
  private readonly now: () => number;
  private readonly clock: OffsetEstimate;
  private tornDown: Promise<string[]> | undefined;
  /** Whether the agent accepts `session` requests (an older agent does not). */
  private readonly sessions: boolean;
  private readonly opening = new Set<Promise<unknown>>();
  /** Nodes the applied plans created and have not deleted. */
  private nodes = new Set<string>();

  /** `ledger` is the coordinator's (its tag is the run's); the agent records the namespaces in its own. */
  constructor(connection: AgentDriverConnection, ledger: Ledger, options: AgentDriverOptions = {}) {
    this.connection = connection;
    this.ledger = ledger;
    this.tag = ledger.tag;
    this.now = options.now ?? nowMicros;
    this.clock = options.clock ?? connection.clock;
    this.sessions = connection.hello.accepts.includes('session');
  }

  /** One `apply` request; the answer's stamps mapped onto this clock and kept within the request's window. */
  async apply(plan: Plan): Promise<ApplyResult> {
    const sentUs = this.now();
    const result = await this.connection.client.apply(this.tag, plan);
    const answeredUs = this.now();
    this.nodes = liveNodesAfter(this.nodes, plan);
    return applyResultToCoordinator(result, this.clock, { sentUs, answeredUs });
  }

  inNode(node: string): InNode {
    return this.commandsIn(node);
  }

  /** `inNode`, typed with what this driver always knows: when the command ran (the agent's stamps, mapped). */
  private commandsIn(node: string): (...args: Parameters<InNode>) => Promise<CommandResult & Required<Pick<CommandResult, 'ranUs'>>> {
    const exec = this.processClient('exec').exec;
    return async (argv, options = {}) => {
      const started = performance.now();
      const sentUs = this.now();
      const result = await exec(this.tag, node, argv, options);
      const window = { sentUs, answeredUs: this.now() };
      const ranUs = { startUs: agentToCoordinatorUs(result.startUs, this.clock, window), endUs: agentToCoordinatorUs(result.endUs, this.clock, window) };
      // A signal has no exit code: report it as the shell does (128 + n is not known here), non-zero either way.
      return { argv, exitCode: result.code ?? 128, stdout: result.stdout, stderr: result.stderr, durationMs: performance.now() - started, ranUs };
    };
  }

  async spawnIn<Event>(node: string, argv: readonly string[], options: { label: string; cpus?: readonly number[] }): Promise<NodeProcess<Event>> {
    // The agent records the process in its ledger for the tag: its teardown, or `coldpath clean` there, kills it.
    // Its output lines carry the agent's stamps: moved onto the coordinator's clock as the node's other stamps are.
    const remote = await this.processClient('spawn').spawn(this.tag, node, argv, { ...options, toCoordinator: (us) => agentToCoordinatorUs(us, this.clock) });
    return {
      channel: remote as LineChannel<Event>,
      pid: remote.pid,
      stop: async (graceMs) => {
        await remote.stop(graceMs);
      },
    };
  }

  /**
   * Signals sent by the agent itself (`signal`), its stamps mapped onto this clock within the request's window. An
   * agent without `signal` (older) gets a `kill` command instead: then the window is the command's run there.
   */
  async signalIn(node: string, pids: readonly number[], signal: NodeSignal): Promise<SignalsSent> {
    const client = this.connection.client;
    if (client.signal === undefined || !this.connection.hello.accepts.includes('signal')) {
      const result = await this.commandsIn(node)(signalArgv(signal, pids), { timeoutMs: 5000 });
      return { delivered: result.exitCode === 0 ? [...pids] : [], gone: [], ...result.ranUs };
    }
    const sentUs = this.now();
    const sent = await client.signal(this.tag, node, pids, signal);
    const window = { sentUs, answeredUs: this.now() };
    return { ...sent, startUs: agentToCoordinatorUs(sent.startUs, this.clock, window), endUs: agentToCoordinatorUs(sent.endUs, this.clock, window) };
  }

  /** The agent's machine's clock: its stamps are the coordinator's plus the offset estimated on connect. */
  clockOf(_node: string): NodeClock {
    const { offsetUs, uncertaintyUs } = this.clock;
    return { fromCoordinator: (us) => us + offsetUs, uncertaintyUs };
  }

  private processClient<K extends keyof AgentProcessClient>(request: K): Pick<AgentProcessClient, K> {
    const method = this.connection.client[request];
    if (method === undefined || !this.connection.hello.accepts.includes(request)) {
      throw new ColdpathError(`${this.connection.host}: the agent does not accept \`${request}\` (it is older than this coordinator)`, {
        kind: 'environment',
        hint: "install the coordinator's coldpath version on the host (docs/ssh.md, Installing coldpath on a host)",
      });
    }
    return { [request]: method.bind(this.connection.client) } as Pick<AgentProcessClient, K>;
  }

  async liveNodes(): Promise<string[]> {
    return [...this.nodes];
  }

  /** The agent keeps one root-context session per tag, enough for plans it runs one after another. */
  openRootSessions(_count: number): void {}

  /** Sent at once and not awaited (the interface's hint is synchronous): the agent runs it before any later plan of the tag. */
  openSession(node: string): void {
    if (!this.sessions) return;
    // A hint: a session that fails to open costs later plans an `ip` start-up per step, nothing else.
    const opening = this.connection.client.session(this.tag, node, true).catch(() => undefined);
    this.opening.add(opening);
    void opening.then(() => this.opening.delete(opening));
  }

  async closeSession(node: string): Promise<void> {
    if (!this.sessions) return;
    // A session the agent could not close is closed by its teardown (sessions first, then the namespaces).
    await this.connection.client.session(this.tag, node, false).catch(() => undefined);
  }

  /** Waits for the session hints in flight; the agent closes its sessions itself at teardown and on exit. */
  async closeAll(): Promise<void> {
    await Promise.all(this.opening);
  }

  /**
   * The agent's clock on connect and now: the end estimate bounds the drift over the run (run.json `agents`);
   * then what its machine is (OS, CPUs, tool versions), asked once the clock exchange is over so it cannot disturb it.
   */
  async agentClocks(): Promise<AgentClock[]> {
    const { host, hello, client } = this.connection;
    const start = this.clock;
    let record: AgentClock = { host, pid: hello.pid, protocol: hello.protocol, hostname: hello.hostname, kernel: hello.kernel, coldpath: hello.coldpath, start };
    try {
      const end = await client.syncClock();
      const drift = combineEstimates(start, end);
      record = { ...record, end, driftPpm: drift.driftPpm, driftUncertaintyPpm: drift.driftUncertaintyPpm };
    } catch {
      // The run's figures do not depend on it: the start estimate stands, and the record says there is no end.
    }
    // An older agent cannot say, and a failed answer leaves the field absent: the run's figures do not depend on it.
    const machine = hello.accepts.includes('machine') && client.machine !== undefined ? await client.machine().catch(() => undefined) : undefined;
    return [machine === undefined ? record : { ...record, machine }];
  }

  /** The agent's teardown of the tag, then the connection's end; once, however often it is called. */
  teardown(): Promise<string[]> {
    this.tornDown ??= (async () => {
      const errors: string[] = [];
      try {
        await this.connection.client.teardown(this.tag);
      } catch (error) {
        errors.push(`the agent's teardown of run tag ${this.tag}: ${error instanceof Error ? error.message : String(error)}`);
      }
      await this.connection.close();
      return errors;
    })();
    return this.tornDown;
  }
}
