/**
 * `exec`: one command run to completion (no shell), its output kept up to a
 * cap and the rest read and dropped (a command that writes forever must not
 * fill the agent's memory, nor block on a full pipe), killed when it runs past
 * its timeout. Not recorded in a ledger: it is bounded by the timeout, and
 * `coldpath clean` kills whatever still runs in a namespace it removes.
 */
import { spawn } from 'node:child_process';
import { ColdpathError } from '../errors.js';
import type { ExecutedResponse } from './protocol.js';

export interface ExecCommandOptions {
  /** Written to its stdin, which is then closed; none: stdin is closed at once. */
  input?: string;
  /** Milliseconds before it is killed with SIGKILL. */
  timeoutMs: number;
  /** Bytes of stdout and of stderr kept, each. */
  outputCap: number;
  /** The agent's clock, integer µs (startUs, endUs). */
  now: () => number;
}

export type ExecResult = Omit<ExecutedResponse, 'id' | 'type'>;

/** Keeps the first `cap` bytes of a stream and says whether there was more. */
class CappedText {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  add(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Runs `argv` to completion; rejects only when it cannot be started (a ColdpathError naming the command). */
export function execCommand(argv: readonly string[], options: ExecCommandOptions): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new ColdpathError('argv: expected a command', { kind: 'input', field: 'argv' }));
  const stdout = new CappedText(options.outputCap);
  const stderr = new CappedText(options.outputCap);
  const startUs = options.now();
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
    // A command that does not read its input closes the pipe early (EPIPE): that is its business.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (child.pid === undefined) {
        reject(new ColdpathError(`cannot start ${file}: ${error.message}`, { kind: 'environment', command: [...argv], hint: `install ${file} on the agent's machine`, cause: error }));
      }
    });
    // `close`, not `exit`: the output is read to its end first.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: stdout.text,
        stderr: stderr.text,
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        timedOut,
        startUs,
        endUs: options.now(),
      });
    });
  });
}
