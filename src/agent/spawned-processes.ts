/**
 * The processes the agent started with `spawn`: numbered from 1, their stdio
 * piped to the agent, their output written back as events (a `stdout` event
 * per line, `stderr` chunks as read, then one `exit`), their stdin fed by
 * `write` in the order the requests arrived. Each is recorded in its tag's
 * ledger as soon as its pid is known, as the coordinator records its own
 * (LineProcess's `onSpawn`), so the agent's `teardown` and `coldpath clean`
 * kill it; its exit is recorded too.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ColdpathError } from '../errors.js';
import { pinPrefix } from '../exec/line-process.js';
import type { NodePlace } from './node-place.js';
import type { AgentEvent, ExitStatus, SpawnedResponse } from './protocol.js';

export interface SpawnOptions {
  tag: string;
  place: NodePlace;
  argv: readonly string[];
  /** CPUs to pin it to (`taskset -c`); none or empty: unpinned. */
  cpus?: readonly number[];
  /** Names it in messages; default its first word. */
  label?: string;
}

export interface SpawnedProcessesOptions {
  /** Writes an event line (the agent's output); false when the output is full (a slow coordinator or link). */
  emit: (event: AgentEvent) => boolean;
  /** Resolves when the output has room again, after `emit` returned false. */
  drained: () => Promise<void>;
  /** The agent's clock, integer µs (spawnedAt, an exit's `at`). */
  now: () => number;
}

/**
 * How long the exit event waits for a dead process's output to close (ms): a child it forked may hold the pipes
 * open; its output is then given up on, so the exit is never held back for long.
 */
const OUTPUT_DRAIN_MS = 1_000;

interface Entry {
  readonly proc: number;
  readonly tag: string;
  readonly label: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Set once its output has closed and the exit event is written. */
  status: ExitStatus | undefined;
  /** Resolves with `status`. */
  readonly exited: Promise<ExitStatus>;
  /** Its stdin was closed (stop, or the agent ending): no more writes. */
  inputClosed: boolean;
  /** Left running when the agent ended: nothing more is written about it. */
  detached: boolean;
}

export class SpawnedProcesses {
  private readonly entries = new Map<number, Entry>();
  private nextProc = 1;

  constructor(private readonly options: SpawnedProcessesOptions) {}

  /** Starts a process in `place`; rejects (a ColdpathError naming the command) when it cannot be started. */
  async spawn(options: SpawnOptions): Promise<Omit<SpawnedResponse, 'id' | 'type'>> {
    const argv = [...options.place.prefix, ...pinPrefix(options.cpus), ...options.argv];
    const [file, ...args] = argv;
    if (file === undefined) throw new ColdpathError('argv: expected a command', { kind: 'input', field: 'argv' });
    const spawnedAt = this.options.now();
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const { pid } = child;
    if (pid === undefined) {
      // No process (ENOENT and friends): the reason comes in the 'error' event.
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new ColdpathError(`cannot start ${file}: ${error.message}`, { kind: 'environment', command: argv, hint: `install ${file} on the agent's machine`, cause: error });
    }
    // Recorded before anything else can happen to it: a kill -9 of the agent now still leaves it in the ledger.
    options.place.recordSpawn(pid, argv);
    const proc = this.nextProc++;
    let settle: (status: ExitStatus) => void = () => {};
    const exited = new Promise<ExitStatus>((resolve) => {
      settle = resolve;
    });
    const entry: Entry = { proc, tag: options.tag, label: options.label ?? options.argv[0] ?? file, child, status: undefined, exited, inputClosed: false, detached: false };
    this.entries.set(proc, entry);
    let paused = false;
    const emit = (event: AgentEvent): void => {
      if (entry.detached || this.options.emit(event) || paused) return;
      // The coordinator reads slower than the process writes: stop reading its pipes (it blocks on a full pipe, as
      // it would writing to a slow terminal) rather than buffer its output without bound in the agent.
      paused = true;
      child.stdout.pause();
      child.stderr.pause();
      void this.options.drained().then(() => {
        paused = false;
        child.stdout.resume();
        child.stderr.resume();
      });
    };
    // Stamped as read here, so a daemon's log line keeps its time whatever the relay to the coordinator adds.
    createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => emit({ type: 'event', name: 'stdout', proc, line, at: this.options.now() }));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => emit({ type: 'event', name: 'stderr', proc, text, at: this.options.now() }));
    // EPIPE once it has gone: the write's own callback reports it.
    child.stdin.on('error', () => {});
    child.on('error', () => {
      // A failed kill of a process that is already gone: its exit follows.
    });
    child.once('exit', (code, signal) => {
      const at = this.options.now();
      options.place.recordExit(pid);
      let drain: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (entry.status !== undefined) return;
        clearTimeout(drain);
        entry.status = { code, signal };
        emit({ type: 'event', name: 'exit', proc, code, signal, at });
        settle(entry.status);
      };
      // Output still open a second after the exit is held by a child it forked: given up on. Not while the agent
      // itself holds it back for a slow coordinator (paused): that output is the process's own, and still comes.
      const giveUp = (): void => {
        if (paused) {
          drain = setTimeout(giveUp, OUTPUT_DRAIN_MS);
          return;
        }
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      };
      drain = setTimeout(giveUp, OUTPUT_DRAIN_MS);
      // 'close' comes once stdout and stderr have ended, so the exit event follows the last output event.
      if (child.stdout.closed && child.stderr.closed) finish();
      else child.once('close', finish);
    });
    return { proc, pid, spawnedAt };
  }

  /** Writes `line` and a newline to the process's stdin; resolves once it is handed to the pipe. */
  write(proc: number, line: string): Promise<void> {
    const entry = this.entryOf(proc);
    if (entry.status !== undefined || entry.inputClosed) {
      const why = entry.status !== undefined ? `has exited (${describe(entry.status)})` : 'is stopping (its stdin is closed)';
      return Promise.reject(
        new ColdpathError(`proc: process ${proc} (${entry.label}) ${why}`, { kind: 'input', field: 'proc', hint: 'write only to a process before stopping it, and before its exit event' }),
      );
    }
    return new Promise((resolve, reject) => {
      entry.child.stdin.write(`${line}\n`, (error) => {
        if (error === null || error === undefined) resolve();
        else reject(new ColdpathError(`proc: cannot write to process ${proc} (${entry.label}): ${error.message}`, { kind: 'runtime', field: 'proc', cause: error }));
      });
    });
  }

  /**
   * Ends a process as `LineProcess.stop` does: closes its stdin (a JSON-line process exits on EOF), SIGKILL after
   * `graceMs`; resolves with how it ended, after its exit event. One already gone answers at once.
   */
  async stop(proc: number, graceMs: number): Promise<ExitStatus> {
    const entry = this.entryOf(proc);
    if (entry.status !== undefined) return entry.status;
    entry.inputClosed = true;
    entry.child.stdin.end();
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), graceMs);
    const status = await entry.exited;
    clearTimeout(timer);
    return status;
  }

  /**
   * After a teardown of `tag` (which killed what its ledger recorded): kills any of the tag's processes still
   * running, waits for their exit events, and forgets them (later requests naming them are refused). Resolves with
   * how many it had to kill itself.
   */
  async forgetTag(tag: string): Promise<number> {
    const ofTag = [...this.entries.values()].filter((entry) => entry.tag === tag);
    let killed = 0;
    for (const entry of ofTag) {
      if (entry.status === undefined && entry.child.kill('SIGKILL')) killed++;
    }
    await Promise.all(ofTag.map((entry) => entry.exited));
    for (const entry of ofTag) this.entries.delete(entry.proc);
    return killed;
  }

  /**
   * The agent is ending: closes every running process's stdin (they exit on EOF, as a coordinator's local probes do
   * when it dies) and waits up to `graceMs` for their exit events. Those still running are left, unwatched: they
   * are in their tag's ledger, for a `teardown` through a new agent or `coldpath clean`. Kills nothing.
   */
  async closeAll(graceMs: number): Promise<void> {
    const running = [...this.entries.values()].filter((entry) => entry.status === undefined && !entry.detached);
    for (const entry of running) {
      entry.inputClosed = true;
      entry.child.stdin.end();
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(running.map((entry) => entry.exited)), late]);
    clearTimeout(timer);
    for (const entry of running) {
      if (entry.status !== undefined) continue;
      entry.detached = true;
      // Nothing of it may keep the agent's process alive: it exits, and the process stays in the ledger.
      entry.child.stdin.destroy();
      entry.child.stdout.destroy();
      entry.child.stderr.destroy();
      entry.child.unref();
    }
  }

  private entryOf(proc: number): Entry {
    const entry = this.entries.get(proc);
    if (entry === undefined) {
      throw new ColdpathError(`proc: no process ${proc} on this agent`, {
        kind: 'input',
        field: 'proc',
        hint: 'name a process by the `proc` of its spawned answer; a teardown of its tag forgets it',
      });
    }
    return entry;
  }
}

const describe = (status: ExitStatus): string => (status.signal === null ? `code ${status.code}` : status.signal);
