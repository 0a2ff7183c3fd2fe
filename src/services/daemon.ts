/**
 * A daemon run inside a namespace (keepalived, `ip monitor`, real servers):
 * started through the driver on the node's machine (`Daemon.start`; its agent
 * records it) or, for real servers, here (LineProcess), argv, no shell,
 * ledgered before it can do anything; its stdout and stderr read line by line
 * with the monotonic time each line was read, signalled on purpose (crash,
 * freeze, graceful stop) on its machine and always stopped at teardown. Its
 * output is plain text, not the JSON lines of probes (the channel's text lines).
 */
import { nowMicros } from '../clock.js';
import { LineProcess } from '../exec/line-process.js';
import type { TextLine } from '../exec/line-channel.js';
import type { KernelDriver, NodeProcess } from '../kernel/kernel-driver.js';
import type { NodeSignal } from '../kernel/node-signals.js';

/** A line of its output, stamped with the monotonic µs (coordinator clock) at which it was read on its machine. */
export type DaemonLine = TextLine;

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
  private readonly process: NodeProcess;
  /** Sends a signal to the daemon on its machine; false when it is gone. */
  private readonly kill: (signal: NodeSignal) => Promise<boolean>;
  private readonly lines: DaemonLine[] = [];
  private readonly listeners = new Set<(line: DaemonLine) => void>();
  private exitedAt: number | undefined;
  private exitInfo: string | undefined;

  /**
   * Started through the driver (`spawnIn`): on the node's machine, through its agent when it has one, which
   * records it in its ledger. The agent stamps each line as it reads it; the stamp is mapped onto the
   * coordinator's clock through the clock estimate, so the relay's delay is not in it (its uncertainty is).
   */
  static async start(driver: KernelDriver, options: DaemonOptions): Promise<Daemon> {
    const spawned = await driver.spawnIn(options.node, options.argv, { label: options.label, ...(options.cpus === undefined ? {} : { cpus: options.cpus }) });
    return new Daemon(driver, options, spawned);
  }

  /** Without `spawned`: started here, on this machine, recorded in the coordinator's ledger (real servers). */
  constructor(driver: KernelDriver, options: DaemonOptions, spawned?: NodeProcess) {
    this.label = options.label;
    this.netns = driver.netnsOf(options.node);
    if (spawned === undefined) {
      const local = new LineProcess({
        netns: this.netns,
        argv: options.argv,
        label: options.label,
        onSpawn: driver.ledger.recordSpawn(this.netns),
        ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
      });
      this.process = { channel: local, pid: local.pid, stop: (graceMs) => local.stop(graceMs) };
      this.kill = async (signal) => {
        const pid = local.pid;
        if (pid === undefined || this.hasExited) return false;
        try {
          process.kill(pid, signal);
          return true;
        } catch {
          return false;
        }
      };
      local.onEnd(() => {
        const pid = local.pid;
        if (pid !== undefined) driver.ledger.append({ t: 'process-exit', pid });
      });
    } else {
      this.process = spawned;
      // Its pid is its machine's: only the driver (this process, or the machine's agent) can signal it there.
      this.kill = async (signal) => {
        const pid = spawned.pid;
        if (pid === undefined || this.hasExited) return false;
        return (await driver.signalIn(options.node, [pid], signal)).delivered.includes(pid);
      };
    }
    const keep = options.keepLines ?? 20_000;
    this.process.channel.onTextLine((line) => {
      this.lines.push(line);
      if (this.lines.length > keep) this.lines.shift();
      for (const listener of this.listeners) listener(line);
    });
    this.process.channel.onEnd((error) => {
      this.exitedAt = nowMicros();
      this.exitInfo = /exited with (.+)$/.exec(error.message)?.[1] ?? error.message;
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
        offEnd();
        resolve(line);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const off = this.onLine((line) => {
        if (match(line)) done(line);
      });
      const offEnd = this.process.channel.onEnd(() => done(undefined));
    });
  }

  /** Sends a signal to the daemon itself (not to its children), on its machine; false when it is gone. */
  signal(signal: NodeSignal): Promise<boolean> {
    return this.kill(signal);
  }

  /** Resolves when the process has exited (or after `timeoutMs`). */
  async exited(timeoutMs: number): Promise<boolean> {
    if (this.hasExited) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(this.hasExited);
      }, timeoutMs);
      const off = this.process.channel.onEnd(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Stops it: SIGCONT (in case it was frozen), SIGTERM, then SIGKILL after
   * `graceMs`. Children it forked are the caller's to check (see kernel/node-pids.ts).
   */
  async stop(graceMs = 3000): Promise<void> {
    if (this.hasExited) return;
    await this.signal('SIGCONT');
    await this.signal('SIGTERM');
    if (!(await this.exited(graceMs))) {
      await this.signal('SIGKILL');
      await this.exited(2000);
    }
    await this.process.stop(500);
  }
}
