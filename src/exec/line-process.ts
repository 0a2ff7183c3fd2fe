/**
 * A long-running process that speaks JSON lines over stdio (probes, the user
 * service). Started inside a namespace with `ip netns exec`, optionally pinned
 * with `taskset`, and recorded in the ledger as soon as its pid is known.
 * Its stdin is a pipe: when the orchestrator dies, the process sees EOF and exits.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ColdpathError } from '../errors.js';
import { formatArgv } from './run-command.js';

export interface LineProcessOptions {
  netns: string;
  argv: string[];
  /** CPUs to pin to (taskset -c); none = unpinned. */
  cpus?: readonly number[];
  /** Called with the pid right after spawn (ledger). */
  onSpawn?: (pid: number, fullArgv: string[]) => void;
  label: string;
}

type Waiter = { match: (event: unknown) => boolean; resolve: (event: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

export class LineProcess<Event = unknown> {
  readonly label: string;
  readonly argv: string[];
  readonly child: ChildProcessWithoutNullStreams;
  readonly spawnedAt: number;
  private readonly waiters = new Set<Waiter>();
  private readonly backlog: Event[] = [];
  private stderrTail = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private listeners = new Set<(event: Event) => void>();

  constructor(options: LineProcessOptions) {
    this.label = options.label;
    const pin = options.cpus === undefined || options.cpus.length === 0 ? [] : ['taskset', '-c', options.cpus.join(',')];
    this.argv = ['ip', 'netns', 'exec', options.netns, ...pin, ...options.argv];
    this.spawnedAt = Number(process.hrtime.bigint() / 1000n);
    const [file, ...args] = this.argv;
    this.child = spawn(file ?? 'ip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    if (this.child.pid !== undefined) options.onSpawn?.(this.child.pid, this.argv);
    this.child.stdin.on('error', () => {
      // EPIPE after the process died; surfaced through exit handling.
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    this.child.on('error', (error) => this.fail(error));
    this.child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this.fail(new Error(`exited with ${signal ?? `code ${code}`}`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exited !== undefined;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  send(command: unknown): void {
    if (this.exited === undefined) this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Subscribes to every event (e.g. progress); returns an unsubscribe function. */
  onEvent(listener: (event: Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event (already received or future) that matches. */
  next<T extends Event>(match: (event: Event) => event is T, timeoutMs: number): Promise<T>;
  next(match: (event: Event) => boolean, timeoutMs: number): Promise<Event>;
  next(match: (event: Event) => boolean, timeoutMs: number): Promise<Event> {
    const index = this.backlog.findIndex(match);
    if (index >= 0) return Promise.resolve(this.backlog.splice(index, 1)[0] as Event);
    if (this.exited !== undefined) return Promise.reject(this.deathError(new Error('process already exited')));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match: match as (event: unknown) => boolean,
        resolve: resolve as (event: unknown) => void,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new ColdpathError(`${this.label}: no answer within ${timeoutMs} ms`, {
              kind: 'runtime',
              command: this.argv,
              stderr: this.stderrTail,
              hint: 'the host may be overloaded; lower burst sizes or requests',
            }),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Closes stdin (the process exits by itself), then kills it if it lingers. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exited !== undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    let event: Event;
    try {
      event = JSON.parse(line) as Event;
    } catch {
      this.stderrTail = `${this.stderrTail}\n[stdout] ${line}`.slice(-4000);
      return;
    }
    for (const listener of this.listeners) listener(event);
    for (const waiter of this.waiters) {
      if (waiter.match(event)) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(event);
        return;
      }
    }
    this.backlog.push(event);
    if (this.backlog.length > 1000) this.backlog.shift();
  }

  private fail(error: Error): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(this.deathError(error));
    }
    this.waiters.clear();
  }

  private deathError(error: Error): ColdpathError {
    return new ColdpathError(`${this.label} ${error.message}: ${formatArgv(this.argv)}`, {
      kind: 'runtime',
      command: this.argv,
      stderr: this.stderrTail,
      hint: 'see its stderr above',
      cause: error,
    });
  }
}
