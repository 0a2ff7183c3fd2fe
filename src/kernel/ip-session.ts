/**
 * A long-lived `ip -force -batch -` process for one context (the root context
 * for `netns add/del`, or a namespace that lives for the whole run). Starting
 * `ip` costs ≈2–3 ms from Node.js; a session pays it once, so cold-start phases
 * measure kernel work, not process start-up.
 *
 * Completion is detected in-band: after each request's lines the session
 * writes a marker command that is certain to fail (`link show dev <marker>`).
 * `ip -force` reports every failure on stderr, in order, as text followed by
 * `Command failed -:N`; the marker's line number tells that the request is
 * done, and failures of the request's own lines come before it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { ColdpathError } from '../errors.js';
import { hintFor } from '../exec/hints.js';
import { formatArgv } from '../exec/run-command.js';
import { nowMicros } from '../clock.js';

interface Pending {
  lines: string[];
  firstLine: number;
  markerLine: number;
  writtenAt: number;
  errors: string[];
  resolve: (timing: SessionTiming) => void;
  reject: (error: Error) => void;
}

export interface SessionTiming {
  /** When ip started on this request (after the previous request finished), µs monotonic. */
  startUs: number;
  endUs: number;
  /** Time spent waiting behind earlier requests. */
  queuedUs: number;
}

export class IpSession {
  readonly argv: string[];
  private readonly child: ChildProcessByStdio<Writable, null, Readable>;
  private readonly queue: Pending[] = [];
  private nextLine = 1;
  private markerCount = 0;
  private lastEnd = 0;
  private pendingText: string[] = [];
  private dead: Error | undefined;

  constructor(netns: string | undefined) {
    this.argv = ['ip', '-o', ...(netns === undefined ? [] : ['-n', netns]), '-force', '-batch', '-'];
    const [file, ...args] = this.argv;
    this.child = spawn(file ?? 'ip', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child.stdin.on('error', () => {
      // surfaced by the exit handler
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => this.onStderr(line));
    this.child.on('error', (error) => this.die(error));
    this.child.on('exit', (code, signal) => this.die(new Error(`ip session exited (${signal ?? `code ${code}`})`)));
  }

  /** Runs lines in order; rejects with the first failing line's error. */
  run(lines: readonly string[]): Promise<SessionTiming> {
    if (this.dead !== undefined) return Promise.reject(this.sessionError(this.dead.message, []));
    return new Promise((resolve, reject) => {
      const firstLine = this.nextLine;
      const marker = `cpmark${++this.markerCount}`;
      const markerLine = firstLine + lines.length;
      this.nextLine = markerLine + 1;
      this.queue.push({ lines: [...lines], firstLine, markerLine, writtenAt: nowMicros(), errors: [], resolve, reject });
      this.child.stdin.write(`${lines.join('\n')}${lines.length > 0 ? '\n' : ''}link show dev ${marker}\n`);
    });
  }

  /** Requests written but not finished. */
  get pending(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    if (this.dead !== undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private onStderr(line: string): void {
    const failed = /^Command failed -:(\d+)$/.exec(line);
    if (failed === null) {
      this.pendingText.push(line);
      return;
    }
    const lineNumber = Number(failed[1]);
    const text = this.pendingText.join('\n');
    this.pendingText = [];
    const head = this.queue[0];
    if (head === undefined) return;
    if (lineNumber === head.markerLine) {
      this.queue.shift();
      const end = nowMicros();
      const start = Math.max(head.writtenAt, this.lastEnd);
      this.lastEnd = end;
      if (head.errors.length === 0) {
        head.resolve({ startUs: start, endUs: end, queuedUs: start - head.writtenAt });
      } else {
        head.reject(this.sessionError(head.errors.join('\n'), head.lines));
      }
      return;
    }
    const failedCommand = head.lines[lineNumber - head.firstLine];
    head.errors.push(`${text}${failedCommand === undefined ? '' : ` (line: ${failedCommand})`}`);
  }

  private sessionError(stderr: string, lines: readonly string[]): ColdpathError {
    const first = stderr.split('\n')[0] ?? 'failed';
    return new ColdpathError(`${first}: ${formatArgv(this.argv)}`, {
      kind: 'command',
      command: this.argv,
      stderr: `${stderr}\n-- input --\n${lines.join('\n')}`,
      ...(hintFor(this.argv, stderr) === undefined ? {} : { hint: hintFor(this.argv, stderr) as string }),
    });
  }

  private die(error: Error): void {
    if (this.dead !== undefined) return;
    this.dead = error;
    for (const pending of this.queue.splice(0)) pending.reject(this.sessionError(error.message, pending.lines));
  }
}
