/**
 * A process an agent started in a node's namespace on its machine (`spawn`),
 * as a LineChannel, so the coordinator drives a remote probe or service with
 * the same code as a local LineProcess: each line `send()` writes becomes a
 * `write` request (in order), each `stdout` event a line of the channel's
 * output (parsed as JSON lines, exactly as a local process's), each `stderr`
 * event text of its stderr, and the `exit` event ends the channel ("exited with
 * code N", as LineProcess says). Its text lines (a daemon's log) carry the
 * agent's stamp of when it read them, mapped onto this machine's clock, so a
 * keepalived line's time does not include the relay's delay. The client
 * (client.ts) routes the events here by `proc`; a dropped connection ends
 * every RemoteProcess with its error.
 */
import { PassThrough, Writable } from 'node:stream';
import { nowMicros } from '../clock.js';
import { LineChannel } from '../exec/line-channel.js';
import { DEFAULT_STOP_GRACE_MS, type ExitStatus } from './protocol.js';

export type { ExitStatus } from './protocol.js';

/** The requests a RemoteProcess sends for itself, through its client. */
export interface RemoteProcessHost {
  /** A `write` request: `line` (no newline) to the process's stdin. */
  write(proc: number, line: string): Promise<void>;
  /** A `stop` request: close its stdin, SIGKILL after `graceMs`; resolves with how it ended. */
  stop(proc: number, graceMs: number): Promise<ExitStatus>;
}

export interface RemoteProcessOptions {
  host: RemoteProcessHost;
  /** The agent's number for it (the `spawned` answer's `proc`). */
  proc: number;
  /** Its pid on the agent's machine. */
  pid: number;
  /** When the agent started it, agent clock µs. */
  spawnedAt: number;
  label: string;
  /** The command as requested (the agent prefixes `ip netns exec …` and `taskset`), for messages. */
  argv: string[];
  /** Maps an agent-clock µs onto this machine's monotonic clock (the connection's clock estimate); default identity. */
  toCoordinator?: (agentUs: number) => number;
}

export class RemoteProcess<Event = unknown> extends LineChannel<Event> {
  /** The agent's number for it: what `write`, `stop` and its events name. */
  readonly proc: number;
  /** Its pid on the agent's machine (not this one's: signal it only through the agent). */
  readonly pid: number;
  /** Resolves with how it ended when its `exit` event arrives; rejects with the connection's error if the connection drops first. */
  readonly exited: Promise<ExitStatus>;
  /** How it ended, once its `exit` event has arrived. */
  exitStatus: ExitStatus | undefined;
  private readonly host: RemoteProcessHost;
  private readonly stdout: PassThrough;
  private readonly stderrStream: PassThrough;
  private settleExit: { resolve: (status: ExitStatus) => void; reject: (error: Error) => void } | undefined;
  private readonly toCoordinator: (agentUs: number) => number;
  /** stderr text after its last newline: the start of a line whose end is still to come. */
  private stderrPartial = '';

  /**
   * Made by `AgentClient.spawn`. `spawnedAt` is on the agent's clock (µs): the coordinator maps it through its
   * clock estimate of that agent (`toCoordinatorTime`) before comparing it with its own times.
   */
  constructor(options: RemoteProcessOptions) {
    const { host, proc } = options;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let partial = '';
    // LineChannel writes whole lines; each goes out as one `write` request, synchronously, so in order.
    const input = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        // A failed write (the process has exited) surfaces as its exit, as EPIPE does for a local process.
        for (const line of lines) host.write(proc, line).catch(() => {});
        callback();
      },
      final(callback) {
        // `closeInput()`: no request closes only stdin; `stop` closes it and kills the process after the grace.
        host.stop(proc, DEFAULT_STOP_GRACE_MS).catch(() => {});
        callback();
      },
    });
    super({ label: options.label, argv: options.argv, input, output: stdout, stderr, spawnedAt: options.spawnedAt, ownTextLines: true });
    this.host = host;
    this.toCoordinator = options.toCoordinator ?? ((us) => us);
    this.proc = proc;
    this.pid = options.pid;
    this.stdout = stdout;
    this.stderrStream = stderr;
    this.exited = new Promise<ExitStatus>((resolve, reject) => {
      this.settleExit = { resolve, reject };
    });
    // A caller that never awaits `exited` must not see an unhandled rejection when the connection drops.
    this.exited.catch(() => {});
  }

  /**
   * Ends it as `LineProcess.stop` does: the agent closes its stdin (it exits by itself), then kills it after
   * `graceMs` (default `DEFAULT_STOP_GRACE_MS`, 2000); resolves with how it ended. One already gone resolves at
   * once; rejects with the connection's error when the agent cannot be reached.
   */
  async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<ExitStatus> {
    if (this.exitStatus !== undefined) return this.exitStatus;
    if (this.hasExited) return this.exited;
    return this.host.stop(this.proc, graceMs);
  }

  /** A `stdout` event: one line of its output, read by the agent at `at` (its clock; absent from older agents). */
  pushStdout(line: string, at?: number): void {
    if (this.exitStatus !== undefined) return;
    this.textLine('stdout', line, this.stamp(at));
    this.stdout.write(`${line}\n`);
  }

  /** A `stderr` event: a chunk, not split into lines; each line it completes gets the chunk's stamp. */
  pushStderr(text: string, at?: number): void {
    if (this.exitStatus !== undefined) return;
    const lines = (this.stderrPartial + text).split('\n');
    this.stderrPartial = lines.pop() ?? '';
    const stamp = this.stamp(at);
    for (const line of lines) this.textLine('stderr', line.endsWith('\r') ? line.slice(0, -1) : line, stamp);
    this.stderrStream.write(text);
  }

  /** The agent's stamp on this machine's clock; arrival here when the agent sent none. */
  private stamp(at: number | undefined): number {
    return at === undefined ? nowMicros() : this.toCoordinator(at);
  }

  /** A last stderr line without its newline, when the process has gone. */
  private flushStderr(): void {
    if (this.stderrPartial !== '') this.textLine('stderr', this.stderrPartial, nowMicros());
    this.stderrPartial = '';
  }

  /** The `exit` event: the channel ends once the output before it has been read, so no line is lost. */
  exit(status: ExitStatus): void {
    if (this.exitStatus !== undefined || this.hasExited) return;
    this.exitStatus = status;
    this.flushStderr();
    this.stderrStream.end();
    this.stdout.once('end', () => this.end(new Error(`exited with ${status.signal ?? `code ${status.code}`}`)));
    this.stdout.end();
    this.settleExit?.resolve(status);
  }

  /** The connection dropped (or the client closed) before its exit: it ends with that error. */
  lost(error: Error): void {
    if (this.exitStatus !== undefined || this.hasExited) return;
    this.flushStderr();
    this.end(error);
    this.stderrStream.end();
    this.stdout.end();
    this.settleExit?.reject(error);
  }
}
