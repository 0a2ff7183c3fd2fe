/**
 * The coordinator's side of the agent protocol over any pair of streams: a
 * local child's stdio today, `ssh -T` or a Kubernetes exec stream later, with
 * the same code. Numbers requests, matches answers by id (so later request
 * types may answer out of order), times out with a ColdpathError naming the
 * request, and runs the clock exchanges behind `syncClock`. Starts processes
 * in the agent's namespaces (`exec`, `spawn`) and routes the agent's events to
 * the RemoteProcess they name.
 */
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { nowMicros } from '../clock.js';
import { ColdpathError, inputError } from '../errors.js';
import { estimateOffset, type ClockExchange, type OffsetEstimate } from './clock-offset.js';
import { parseResponseLine } from './lines.js';
import type { KernelFeatures } from '../env/kernel-features.js';
import type { MachineDescription } from '../env/machine.js';
import type { ApplyResult } from '../kernel/driver.js';
import type { Plan } from '../topology/ops.js';
import type { ExecResult } from './exec-command.js';
import {
  AGENT_PROTOCOL_VERSION,
  type AgentEvent,
  type AgentRequest,
  type AgentRequestType,
  type AgentSignal,
  type CleanedResponse,
  DEFAULT_EXEC_TIMEOUT_MS,
  type ExitStatus,
  type HelloResponse,
  RESPONSE_TYPE_OF,
  type ResponseOf,
  type SignalledResponse,
  type SpawnedResponse,
  type TornDownResponse,
} from './protocol.js';
import { RemoteProcess, type RemoteProcessHost } from './remote-process.js';

export type { ExecResult } from './exec-command.js';

/** How long a request waits for its answer by default (ms): covers an agent starting over ssh, not a hung one. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * How long `apply` and `teardown` wait by default (ms): kernel work, not a round trip. A plan is
 * many steps, each bounded by the driver's 30 s command timeout; a minute covers any plan coldpath
 * builds today with room for a loaded machine, and still ends a hung agent's wait.
 */
export const DEFAULT_KERNEL_TIMEOUT_MS = 60_000;

/** Clock exchanges per `syncClock` by default: the 8 of NTP's clock filter. */
export const DEFAULT_CLOCK_SAMPLES = 8;

export interface AgentClientOptions {
  /** The agent's output (its stdout): responses arrive here. */
  input: Readable;
  /** The agent's input (its stdin): requests go here. */
  output: Writable;
  /** Names the agent in errors (e.g. the host); default `agent`. */
  label?: string;
  /** Default per-request timeout (ms); default `DEFAULT_REQUEST_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** The coordinator's clock, integer µs; default `nowMicros` (CLOCK_MONOTONIC). */
  now?: () => number;
}

/** `exec`'s options. */
export interface ExecOptions {
  /** Written to the command's stdin, which is then closed; default none (stdin closed at once). */
  input?: string;
  /** Milliseconds before the agent kills the command (the result says `timedOut`); default `DEFAULT_EXEC_TIMEOUT_MS` (30 s). */
  timeoutMs?: number;
}

/** `spawn`'s options. */
export interface SpawnProcessOptions {
  /** CPUs to pin it to on the agent's machine (`taskset -c`); default none (unpinned). */
  cpus?: readonly number[];
  /** Names it in messages (e.g. `probe fn0`), here and in the agent's. */
  label: string;
  /** Maps the agent's stamps of its output lines onto the caller's clock (a clock estimate); default identity. */
  toCoordinator?: (agentUs: number) => number;
}

/** A request as the caller writes it: the client adds the id. */
export type RequestBody = AgentRequest extends infer R ? (R extends AgentRequest ? Omit<R, 'id'> : never) : never;

/** A request's answer, and when its line was read on the coordinator's clock (a clock exchange's t3). */
export interface Answer<T extends AgentRequestType> {
  response: ResponseOf[T];
  receivedUs: number;
}

interface Pending {
  type: AgentRequestType;
  /** Runs on the answer as soon as its line is read, before any later line (a spawn's events may follow in the same chunk). */
  onAnswer: ((response: unknown) => void) | undefined;
  resolve: (answer: { response: unknown; receivedUs: number }) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One session with one agent; the caller owns the streams (spawns, connects and ends them). */
export class AgentClient {
  readonly label: string;
  /** The agent's `hello` answer, once `hello()` has run. */
  peer: HelloResponse | undefined;
  private readonly output: Writable;
  private readonly lines: Interface;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed: ColdpathError | undefined;
  /** Spawned processes by `proc`, until their exit event. */
  private readonly remotes = new Map<number, RemoteProcess<unknown>>();
  private readonly remoteHost: RemoteProcessHost = {
    write: async (proc, line) => {
      await this.request({ type: 'write', proc, line });
    },
    stop: async (proc, graceMs) => {
      const { response } = await this.request({ type: 'stop', proc, graceMs }, graceMs + this.timeoutMs);
      return { code: response.code, signal: response.signal };
    },
  };

  constructor(options: AgentClientOptions) {
    this.label = options.label ?? 'agent';
    this.output = options.output;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.now = options.now ?? nowMicros;
    this.lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
    this.lines.on('line', (line) => this.onLine(line, this.now()));
    this.lines.on('close', () => this.fail(this.error('closed its output (the agent exited or the connection dropped)')));
    this.output.on('error', (error) => this.fail(this.error(`cannot be written to: ${error.message}`, error)));
  }

  /** Sends one request and resolves with its answer; an error response, a mismatched answer, a timeout (`timeoutMs`, default the client's) or a closed stream rejects. */
  request<B extends RequestBody>(body: B, timeoutMs = this.timeoutMs): Promise<Answer<B['type']>> {
    return this.send(body, timeoutMs, undefined);
  }

  private send<B extends RequestBody>(body: B, timeoutMs: number, onAnswer: ((response: ResponseOf[B['type']]) => void) | undefined): Promise<Answer<B['type']>> {
    if (this.closed !== undefined) return Promise.reject(this.closed);
    const id = this.nextId++;
    const type: AgentRequestType = body.type;
    return new Promise<Answer<B['type']>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(this.error(`no answer to ${type} request ${id} within ${timeoutMs} ms`, undefined, 'the agent may be stuck or the connection lost; its stderr says more'));
      }, timeoutMs);
      this.pending.set(id, { type, onAnswer: onAnswer as Pending['onAnswer'], resolve: resolve as Pending['resolve'], reject, timer });
      this.output.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  /** Checks the protocol version and learns who the agent is (kept in `peer`). */
  async hello(): Promise<HelloResponse> {
    const { response } = await this.request({ type: 'hello', protocol: AGENT_PROTOCOL_VERSION });
    this.peer = response;
    return response;
  }

  /** One clock exchange: t0 just before the request is written, t3 when its answer's line is read. */
  async clockExchange(): Promise<ClockExchange> {
    const t0 = this.now();
    const { response, receivedUs } = await this.request({ type: 'clock' });
    return { t0, t1: response.t1, t2: response.t2, t3: receivedUs };
  }

  /** Runs `samples` (default `DEFAULT_CLOCK_SAMPLES`, 8) clock exchanges one after another (never overlapping, so none queues behind another) and estimates the offset. */
  async syncClock(samples = DEFAULT_CLOCK_SAMPLES): Promise<OffsetEstimate> {
    if (!Number.isInteger(samples) || samples < 1) throw inputError('samples', `expected a positive integer, got ${samples}`);
    const exchanges: ClockExchange[] = [];
    for (let i = 0; i < samples; i++) exchanges.push(await this.clockExchange());
    return estimateOffset(exchanges);
  }

  /**
   * Applies `plan` in the agent's namespaces `coldpath-<tag>-<node>` (the first apply for a tag
   * claims it on the agent's machine) and resolves with the kernel work's timing, on the agent's
   * clock. A failed command rejects with a ColdpathError carrying the agent's reason and hint.
   * Waits up to `timeoutMs` (default `DEFAULT_KERNEL_TIMEOUT_MS`, 60 s).
   */
  async apply(tag: string, plan: Plan, timeoutMs = DEFAULT_KERNEL_TIMEOUT_MS): Promise<ApplyResult> {
    const { response } = await this.request({ type: 'apply', tag, plan }, timeoutMs);
    return { steps: response.steps, startUs: response.startUs, endUs: response.endUs, queuedUs: response.queuedUs };
  }

  /**
   * Removes everything the agent created for `tag` and releases the tag; a tag it holds nothing
   * for answers zero counts, so a retry is safe. Waits up to `timeoutMs` (default
   * `DEFAULT_KERNEL_TIMEOUT_MS`, 60 s).
   */
  async teardown(tag: string, timeoutMs = DEFAULT_KERNEL_TIMEOUT_MS): Promise<Omit<TornDownResponse, 'id' | 'type'>> {
    const { response } = await this.request({ type: 'teardown', tag }, timeoutMs);
    return { netnsRemoved: response.netnsRemoved, processesKilled: response.processesKilled };
  }

  /**
   * `coldpath clean` on the agent's machine: removes the leftovers of runs whose owners are gone
   * and unledgered coldpath namespaces, leaves live runs alone. Waits up to `timeoutMs` (default
   * `DEFAULT_KERNEL_TIMEOUT_MS`, 60 s).
   */
  async clean(timeoutMs = DEFAULT_KERNEL_TIMEOUT_MS): Promise<Omit<CleanedResponse, 'id' | 'type'>> {
    const { response } = await this.request({ type: 'clean' }, timeoutMs);
    const { id: _id, type: _type, ...report } = response;
    return report;
  }

  /** What the agent's kernel can do (`coldpath doctor`'s kernel checks, on its machine). Waits up to `timeoutMs` (default 60 s). */
  async features(timeoutMs = DEFAULT_KERNEL_TIMEOUT_MS): Promise<KernelFeatures> {
    const { response } = await this.request({ type: 'features' }, timeoutMs);
    const { id: _id, type: _type, ...features } = response;
    return features;
  }

  /** What the agent's machine is: OS, CPUs, tool versions. Only for an agent whose `hello` lists `machine` in `accepts`. */
  async machine(timeoutMs = DEFAULT_KERNEL_TIMEOUT_MS): Promise<MachineDescription> {
    const { response } = await this.request({ type: 'machine' }, timeoutMs);
    const { id: _id, type: _type, ...machine } = response;
    return machine;
  }

  /**
   * Opens (`open`) or closes a long-lived `ip` session in the namespace of `node` for `tag`, queued
   * in order with the tag's plans. Only for an agent whose `hello` lists `session` in `accepts`.
   */
  async session(tag: string, node: string, open: boolean, timeoutMs = DEFAULT_KERNEL_TIMEOUT_MS): Promise<void> {
    await this.request({ type: 'session', tag, node, open }, timeoutMs);
  }

  /**
   * Sends `signal` to `pids` (in order) in the namespace of `node`, from the agent itself, after the requests queued
   * before it for `tag`. `startUs`/`endUs` (agent clock) bound when the signals went out; `gone` lists pids that no
   * longer existed. Rejects naming `pids.N` when a pid is in another namespace (nothing is sent then).
   */
  async signal(tag: string, node: string, pids: readonly number[], signal: AgentSignal): Promise<Omit<SignalledResponse, 'id' | 'type'>> {
    const { response } = await this.request({ type: 'signal', tag, node, pids: [...pids], signal }, DEFAULT_KERNEL_TIMEOUT_MS);
    const { id: _id, type: _type, ...result } = response;
    return result;
  }

  /**
   * Runs `argv` (no shell) to completion in the namespace of `node` on the agent's machine (`ip netns exec
   * coldpath-<tag>-<node>`), after the requests queued before it for `tag`; the tag must be claimed by this agent
   * (an earlier `apply`). Resolves with its exit code or signal and its output (each cut at `EXEC_OUTPUT_CAP`,
   * 1 MiB, saying so), whatever the exit code; `startUs`/`endUs` are on the agent's clock. Rejects when the agent
   * refuses (`field` names the request's field) or cannot start the command.
   */
  async exec(tag: string, node: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    // Its own timeout, and as long as a plan it may queue behind.
    const { response } = await this.request(
      { type: 'exec', tag, node, argv: [...argv], ...(options.input === undefined ? {} : { input: options.input }), ...(options.timeoutMs === undefined ? {} : { timeoutMs }) },
      timeoutMs + DEFAULT_KERNEL_TIMEOUT_MS,
    );
    const { id: _id, type: _type, ...result } = response;
    return result;
  }

  /**
   * Starts a long-running JSON-line process (a probe, a service) in the namespace of `node` on the agent's machine,
   * after the requests queued before it for `tag` (which must be claimed by this agent: an earlier `apply`), pinned
   * to `cpus` when given. The agent records it in the tag's ledger as it starts, so the agent's `teardown` and
   * `coldpath clean` kill it. Resolves with a RemoteProcess: a LineChannel over the agent's events, whose `pid` is
   * on the agent's machine and `spawnedAt` on the agent's clock.
   */
  async spawn<Event = unknown>(tag: string, node: string, argv: readonly string[], options: SpawnProcessOptions): Promise<RemoteProcess<Event>> {
    let remote: RemoteProcess<Event> | undefined;
    const body = { type: 'spawn' as const, tag, node, argv: [...argv], label: options.label, ...(options.cpus === undefined ? {} : { cpus: [...options.cpus] }) };
    await this.send(body, DEFAULT_KERNEL_TIMEOUT_MS, (response: SpawnedResponse) => {
      remote = new RemoteProcess<Event>({
        host: this.remoteHost,
        proc: response.proc,
        pid: response.pid,
        spawnedAt: response.spawnedAt,
        label: options.label,
        argv: [...argv],
        ...(options.toCoordinator === undefined ? {} : { toCoordinator: options.toCoordinator }),
      });
      this.remotes.set(response.proc, remote as RemoteProcess<unknown>);
    });
    if (remote === undefined) throw this.error(`answered spawn without a process`);
    return remote;
  }

  /** Asks the agent to exit and waits for its answer (up to `timeoutMs`, default the client's), then stops listening. */
  async shutdown(timeoutMs = this.timeoutMs): Promise<void> {
    await this.request({ type: 'shutdown' }, timeoutMs);
    this.close();
  }

  /** Stops listening; requests still waiting are rejected. Does not end the streams (their owner does). */
  close(): void {
    this.fail(this.error('client closed'));
    this.lines.close();
  }

  private onLine(line: string, receivedUs: number): void {
    if (line.trim() === '') return;
    const parsed = parseResponseLine(line);
    if (parsed.kind === 'event') {
      // An event this coldpath does not know is skipped (version 1's rule).
      if (parsed.event !== undefined) this.onEvent(parsed.event);
      return;
    }
    if (parsed.kind === 'invalid') {
      const pending = parsed.id === null ? undefined : this.pending.get(parsed.id);
      const error = this.error(`wrote a line that is not a valid answer: ${parsed.reason}`, undefined, 'an agent writes only protocol lines on stdout; is it the same coldpath version?');
      // Without a usable id nobody can tell which request it answered: every waiting request fails rather than hang.
      if (pending === undefined && parsed.id === null) this.rejectAll(error);
      else if (pending !== undefined) this.settle(parsed.id as number, pending, error);
      return;
    }
    const { response } = parsed;
    const pending = response.id === null ? undefined : this.pending.get(response.id);
    if (pending === undefined) {
      // An error the agent could not attach to a request (our line was unreadable to it): fail everything waiting.
      if (response.type === 'error' && response.id === null) this.rejectAll(this.refusal(response.reason, response.code, response.field, response.hint));
      // Otherwise a late answer to a request that timed out: nobody waits for it. A process started that late would
      // run unwatched until the tag's teardown: it is stopped now.
      if (response.type === 'spawned') this.request({ type: 'stop', proc: response.proc }).catch(() => {});
      return;
    }
    const id = response.id as number;
    if (response.type === 'error') {
      this.settle(id, pending, this.refusal(`${pending.type} request ${id} refused: ${response.reason}`, response.code, response.field, response.hint, response.stderr));
    } else if (response.type !== RESPONSE_TYPE_OF[pending.type]) {
      this.settle(id, pending, this.error(`answered ${pending.type} request ${id} with a ${response.type} response`));
    } else {
      pending.onAnswer?.(response);
      this.settle(id, pending, { response, receivedUs });
    }
  }

  /** Routes an event to the process it names; one for a process nobody holds (its spawn timed out here) is dropped. */
  private onEvent(event: AgentEvent): void {
    const remote = this.remotes.get(event.proc);
    if (remote === undefined) return;
    switch (event.name) {
      case 'stdout':
        remote.pushStdout(event.line, event.at);
        return;
      case 'stderr':
        remote.pushStderr(event.text, event.at);
        return;
      case 'exit':
        this.remotes.delete(event.proc);
        remote.exit({ code: event.code, signal: event.signal } satisfies ExitStatus);
        return;
    }
  }

  private settle(id: number, pending: Pending, outcome: Error | { response: unknown; receivedUs: number }): void {
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  private rejectAll(error: ColdpathError): void {
    for (const [id, pending] of this.pending) this.settle(id, pending, error);
  }

  /** The stream is gone: everything waiting and everything after fails with the same error. */
  private fail(error: ColdpathError): void {
    this.closed ??= error;
    this.rejectAll(error);
    for (const remote of this.remotes.values()) remote.lost(error);
    this.remotes.clear();
  }

  /** `stderr`: the failed command's, from the agent's machine (kept so a caller can quote that kernel's answer). */
  private refusal(reason: string, code: string, field: string | undefined, hint: string | undefined, stderr?: string): ColdpathError {
    return new ColdpathError(`${this.label}: ${reason} (${code})`, {
      kind: 'runtime',
      ...(field === undefined ? {} : { field }),
      ...(hint === undefined ? {} : { hint }),
      ...(stderr === undefined ? {} : { stderr }),
    });
  }

  private error(message: string, cause?: unknown, hint?: string): ColdpathError {
    return new ColdpathError(`${this.label}: ${message}`, { kind: 'runtime', ...(hint === undefined ? {} : { hint }), ...(cause === undefined ? {} : { cause }) });
  }
}
