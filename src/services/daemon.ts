/**
 * A daemon run inside a namespace (keepalived, `ip monitor`):
 * started through LineProcess (argv, no shell, ledgered before it can do
 * anything), its stdout and stderr read line by line with the monotonic
 * arrival time of each line, signalled on purpose (crash, freeze, graceful
 * stop) and always stopped at teardown. Its output is plain text, not the
 * JSON lines of probes: LineProcess's own parsing is left unused.
 */
import { createInterface } from 'node:readline';
import { nowMicros } from '../clock.js';
import { LineProcess } from '../exec/line-process.js';
import type { KernelDriver } from '../kernel/driver.js';

export interface DaemonLine {
  /** Monotonic µs at which the line arrived. */
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface DaemonOptions {
  /** Node whose namespace it runs in. */
  node: string;
  argv: string[];
  /** Names it in errors and in the ledger. */
  label: string;
  /** Lines kept for `output()` and `waitFor`. Default 20 000. */
  keepLines?: number;
  /** CPUs to start it on (taskset -c). Default: unpinned. */
  cpus?: readonly number[];
}

export class Daemon {
  readonly label: string;
  readonly netns: string;
  private readonly process: LineProcess;
  private readonly lines: DaemonLine[] = [];
  private readonly listeners = new Set<(line: DaemonLine) => void>();
  private exitedAt: number | undefined;
  private exitInfo: string | undefined;

  constructor(driver: KernelDriver, options: DaemonOptions) {
    this.label = options.label;
    this.netns = driver.netnsOf(options.node);
    const netns = this.netns;
    this.process = new LineProcess({
      netns,
      argv: options.argv,
      label: options.label,
      onSpawn: driver.ledger.recordSpawn(netns),
      ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    });
    const keep = options.keepLines ?? 20_000;
    const onLine = (stream: DaemonLine['stream']) => (text: string) => {
      const line = { at: nowMicros(), stream, text };
      this.lines.push(line);
      if (this.lines.length > keep) this.lines.shift();
      for (const listener of this.listeners) listener(line);
    };
    createInterface({ input: this.process.child.stdout }).on('line', onLine('stdout'));
    createInterface({ input: this.process.child.stderr }).on('line', onLine('stderr'));
    this.process.child.on('exit', (code, signal) => {
      this.exitedAt = nowMicros();
      this.exitInfo = signal ?? `code ${code}`;
      const pid = this.process.pid;
      if (pid !== undefined) driver.ledger.append({ t: 'process-exit', pid });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get hasExited(): boolean {
    return this.exitedAt !== undefined;
  }

  /** How it ended (`SIGKILL`, `code 1`), once it has. */
  get exit(): string | undefined {
    return this.exitInfo;
  }

  /** Every line so far (bounded). */
  output(): readonly DaemonLine[] {
    return this.lines;
  }

  /** The last lines as text, for error messages. */
  tail(count = 15): string {
    return this.lines
      .slice(-count)
      .map((line) => line.text)
      .join('\n');
  }

  onLine(listener: (line: DaemonLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first line (past or future) that matches, or undefined after `timeoutMs` or at exit. */
  waitFor(match: (line: DaemonLine) => boolean, timeoutMs: number): Promise<DaemonLine | undefined> {
    const found = this.lines.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => {
      const done = (line: DaemonLine | undefined): void => {
        clearTimeout(timer);
        off();
        this.process.child.off('exit', onExit);
        resolve(line);
      };
      const onExit = (): void => done(undefined);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const off = this.onLine((line) => {
        if (match(line)) done(line);
      });
      this.process.child.once('exit', onExit);
    });
  }

  /** Sends a signal to the daemon itself (not to its children). */
  signal(signal: NodeJS.Signals): boolean {
    const pid = this.process.pid;
    if (pid === undefined || this.hasExited) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves when the process has exited (or after `timeoutMs`). */
  async exited(timeoutMs: number): Promise<boolean> {
    if (this.hasExited) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.hasExited), timeoutMs);
      this.process.child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Stops it: SIGCONT (in case it was frozen), SIGTERM, then SIGKILL after
   * `graceMs`. Children it forked are the caller's to check (see `pidsIn`).
   */
  async stop(graceMs = 3000): Promise<void> {
    if (this.hasExited) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    if (!(await this.exited(graceMs))) {
      this.signal('SIGKILL');
      await this.exited(2000);
    }
    await this.process.stop(500);
  }
}
