/**
 * The node agent: one long-lived process per machine, serving protocol.ts
 * requests read line by line from `input` and answering on `output`. It never
 * writes anything else to `output` (diagnostics belong on stderr), never
 * throws on a bad line, and returns on `shutdown` or end of input, so a
 * coordinator that dies (EOF) leaves no agent behind.
 *
 * `hello` and `clock` are answered at once, even while a plan is being
 * applied (a clock exchange must not queue behind kernel work); `apply` and
 * `teardown` answer when their kernel work is done, so answers may come out of
 * order (the client matches them by id). `exec` and `spawn` start after the
 * requests queued before them for their tag; a spawned process's output comes
 * back as events (spawned-processes.ts), interleaved with answers.
 *
 * On shutdown or end of input the agent closes its spawned processes' stdin
 * (JSON-line processes exit on EOF, as a coordinator's local probes do when it
 * dies) and waits briefly for them, lets running requests finish and answer,
 * closes its `ip` sessions, and tears nothing down (tag-sessions.ts says why):
 * a process still running is in its tag's ledger, for `coldpath clean`. The
 * `shutdown` answer is its last line.
 */
import os from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { nowMicros } from '../clock.js';
import { COLDPATH_VERSION } from '../env/fingerprint.js';
import { ColdpathError, isColdpathError } from '../errors.js';
import { type KernelFeatures, probeKernelFeatures } from '../env/kernel-features.js';
import { describeMachine, type MachineDescription } from '../env/machine.js';
import { type CleanReport, cleanLeftovers } from '../kernel/clean.js';
import { sendSignals } from '../kernel/node-signals.js';
import { execCommand } from './exec-command.js';
import { parseRequestLine } from './lines.js';
import { isNodePlaces, type NodePlaces } from './node-place.js';
import {
  AGENT_PROTOCOL_VERSION,
  AGENT_REQUEST_TYPES,
  type AgentRequest,
  type AgentResponse,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_STOP_GRACE_MS,
  EXEC_OUTPUT_CAP,
  type ErrorResponse,
  type HelloResponse,
} from './protocol.js';
import { SpawnedProcesses } from './spawned-processes.js';
import { type PlanBackend, TagSessions } from './tag-sessions.js';

export interface AgentOptions {
  /** Where requests come from (the process's stdin). */
  input: Readable;
  /** Where responses go (the process's stdout): one JSON line per response, nothing else. */
  output: Writable;
  /**
   * The agent's clock for `clock` exchanges, integer µs; default `nowMicros` (CLOCK_MONOTONIC). Tests shift it to
   * inject a known offset. `apply` timings come from the kernel driver, which always reads `nowMicros`.
   */
  now?: () => number;
  /** What `apply` and `teardown` act on; default a `TagSessions` (real namespaces and ledgers, needs root). Tests pass a fake. */
  backend?: PlanBackend;
  /**
   * Where `exec` and `spawn` run their processes; default the backend when it places processes (a `TagSessions`:
   * `ip netns exec` in a claimed tag's namespace, recorded in its ledger), otherwise none (both then fail, naming
   * `tag`). Unit tests pass places without a prefix to run harmless processes without root.
   */
  places?: NodePlaces;
  /** How long the agent's end waits for its spawned processes to exit once their stdin is closed (ms); default `DEFAULT_STOP_GRACE_MS` (2000). */
  closeGraceMs?: number;
  /** What `clean` does; default `cleanLeftovers()` on this machine (needs root). Tests pass a fake. */
  clean?: () => Promise<CleanReport>;
  /** What `features` does; default `probeKernelFeatures()` on this machine (needs root). Tests pass a fake. */
  features?: () => Promise<KernelFeatures>;
  /** What `machine` does; default `describeMachine()` on this machine. */
  machine?: () => Promise<MachineDescription>;
}

/** Places for a backend that starts no processes (a test's fake plan backend). */
const NO_PLACES: NodePlaces = {
  placeOf: (tag) => Promise.reject(new ColdpathError(`tag: this agent starts no processes for run tag ${tag}`, { kind: 'input', field: 'tag', hint: "the agent's backend places no processes" })),
};

/** What answering a request needs. */
interface Context {
  now: () => number;
  clean: () => Promise<CleanReport>;
  features: () => Promise<KernelFeatures>;
  machine: () => Promise<MachineDescription>;
  backend: PlanBackend;
  places: NodePlaces;
  processes: SpawnedProcesses;
}

/** Who this agent is, as `hello` reports it (without the id). */
function identity(): Omit<HelloResponse, 'id'> {
  return {
    type: 'hello',
    protocol: AGENT_PROTOCOL_VERSION,
    coldpath: COLDPATH_VERSION,
    hostname: os.hostname(),
    pid: process.pid,
    kernel: os.release(),
    clock: 'CLOCK_MONOTONIC',
    accepts: [...AGENT_REQUEST_TYPES],
  };
}

/** A valid request that failed: a ColdpathError's message, hint, field and the command's stderr travel as they are. */
function failure(id: number, error: unknown): ErrorResponse {
  if (!isColdpathError(error)) return { id, type: 'error', code: 'failed', reason: error instanceof Error ? error.message : String(error) };
  return {
    id,
    type: 'error',
    code: 'failed',
    reason: error.message,
    ...(error.field === undefined ? {} : { field: error.field }),
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.stderr === undefined ? {} : { stderr: error.stderr }),
  };
}

/** The answer to one valid request (but shutdown); `receivedUs` is when its line was read (the clock exchange's t1). */
function answer(request: Exclude<AgentRequest, { type: 'shutdown' }>, receivedUs: number, context: Context): AgentResponse | Promise<AgentResponse> {
  const { now, backend, places, processes } = context;
  switch (request.type) {
    case 'hello':
      // parseRequestLine has refused any other protocol version.
      return { id: request.id, ...identity() };
    case 'clock':
      // t2 as late as possible: only serialising and writing the line follow it.
      return { id: request.id, type: 'clock', t1: receivedUs, t2: now() };
    case 'apply':
      return backend.apply(request.tag, request.plan).then((result) => ({ id: request.id, type: 'applied', ...result }));
    case 'teardown':
      // The ledger's replay kills the tag's recorded processes; then their exit events, before the answer.
      return backend.teardown(request.tag).then(async (counts) => {
        const killed = await processes.forgetTag(request.tag);
        return { id: request.id, type: 'torn-down', netnsRemoved: counts.netnsRemoved, processesKilled: counts.processesKilled + killed };
      });
    case 'session':
      return backend.session(request.tag, request.node, request.open).then(() => ({ id: request.id, type: 'session' }));
    case 'exec':
      return places.placeOf(request.tag, request.node).then(async (place) => {
        const result = await execCommand([...place.prefix, ...request.argv], {
          ...(request.input === undefined ? {} : { input: request.input }),
          timeoutMs: request.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
          outputCap: EXEC_OUTPUT_CAP,
          now,
        });
        return { id: request.id, type: 'executed', ...result };
      });
    case 'spawn':
      return places.placeOf(request.tag, request.node).then(async (place) => {
        const spawned = await processes.spawn({
          tag: request.tag,
          place,
          argv: request.argv,
          ...(request.cpus === undefined ? {} : { cpus: request.cpus }),
          ...(request.label === undefined ? {} : { label: request.label }),
        });
        return { id: request.id, type: 'spawned', ...spawned };
      });
    case 'write':
      // The line reaches the pipe now, in the order the requests arrived; the answer waits for the write.
      return processes.write(request.proc, request.line).then(() => ({ id: request.id, type: 'written' }));
    case 'stop':
      return processes.stop(request.proc, request.graceMs ?? DEFAULT_STOP_GRACE_MS).then((status) => ({ id: request.id, type: 'stopped', ...status }));
    case 'signal':
      // Sent by the agent itself: no command to start, so the answer's stamps bound the instant to microseconds.
      return places.placeOf(request.tag, request.node).then((place) => ({
        id: request.id,
        type: 'signalled',
        ...sendSignals(request.pids, request.signal, place, now),
      }));
    case 'clean':
      return context.clean().then((report) => ({ id: request.id, type: 'cleaned', ...report }));
    case 'features':
      return context.features().then((features) => ({ id: request.id, type: 'features', ...features }));
    case 'machine':
      return context.machine().then((machine) => ({ id: request.id, type: 'machine', ...machine }));
  }
}

/** Serves requests until `shutdown` or end of input; resolves once running requests have answered, sessions are closed and the last answer is written. */
export function runAgent(options: AgentOptions): Promise<void> {
  const now = options.now ?? nowMicros;
  const backend = options.backend ?? new TagSessions();
  /** Writes one line; false when the output's buffer is full (spawned processes' output then waits for `drained`). */
  const write = (response: AgentResponse): boolean => {
    // A coordinator that went away gets nothing more; the work itself is recorded in the ledger.
    if (options.output.destroyed) return true;
    return options.output.write(`${JSON.stringify(response)}\n`);
  };
  // One wait for all paused processes, not listeners each; an output that closes instead frees them too (their
  // output is then dropped, as every line is once the coordinator has gone).
  let draining: Promise<void> | undefined;
  const drained = (): Promise<void> => {
    draining ??= new Promise((resolve) => {
      const done = (): void => {
        options.output.off('drain', done);
        options.output.off('close', done);
        draining = undefined;
        resolve();
      };
      options.output.on('drain', done);
      options.output.on('close', done);
    });
    return draining;
  };
  const context: Context = {
    now,
    clean: options.clean ?? (() => cleanLeftovers()),
    features: options.features ?? probeKernelFeatures,
    machine: options.machine ?? describeMachine,
    backend,
    places: options.places ?? (isNodePlaces(backend) ? backend : NO_PLACES),
    processes: new SpawnedProcesses({ emit: write, drained, now }),
  };
  const running = new Set<Promise<void>>();
  return new Promise((resolve) => {
    const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
    let stopped = false;
    let shutdownId: number | undefined;
    lines.on('line', (line) => {
      // t1 before anything else: parsing is the agent's time, which δ leaves out anyway.
      const receivedUs = now();
      if (stopped || line.trim() === '') return;
      const parsed = parseRequestLine(line);
      if (!parsed.ok) {
        write(parsed.error);
        return;
      }
      const { request } = parsed;
      if (request.type === 'shutdown') {
        // Answered last, once running requests have answered (on close, below).
        shutdownId = request.id;
        stopped = true;
        lines.close();
        return;
      }
      let response: AgentResponse | Promise<AgentResponse>;
      try {
        response = answer(request, receivedUs, context);
      } catch (error) {
        response = failure(request.id, error);
      }
      if (!(response instanceof Promise)) {
        write(response);
        return;
      }
      const work = response.then(
        (answered) => {
          write(answered);
        },
        (error: unknown) => {
          write(failure(request.id, error));
        },
      );
      running.add(work);
      void work.then(() => running.delete(work));
    });
    // A coordinator gone mid-write (EPIPE) ends the session like end of input does.
    options.output.on('error', () => lines.close());
    lines.on('close', () => {
      stopped = true;
      void (async () => {
        // The processes first: a write waiting on a process that never reads settles once its stdin is gone.
        const grace = options.closeGraceMs ?? DEFAULT_STOP_GRACE_MS;
        await context.processes.closeAll(grace);
        await Promise.allSettled(running);
        // A spawn that was still queued behind its tag's plans started meanwhile: its stdin closes too.
        await context.processes.closeAll(grace);
        await backend.close().catch(() => undefined);
        if (shutdownId !== undefined) write({ id: shutdownId, type: 'shutdown' });
        // Resolve once everything written so far is flushed, so the process can exit with its last answer delivered.
        if (options.output.destroyed) resolve();
        else options.output.write('', () => resolve());
      })();
    });
  });
}
