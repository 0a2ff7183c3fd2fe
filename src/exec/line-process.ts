/**
 * A long-running process that speaks JSON lines over stdio (probes, the user
 * service). Started inside a namespace with `ip netns exec`, optionally pinned
 * with `taskset`, and recorded in the ledger as soon as its pid is known.
 * Its stdin is a pipe: when the orchestrator dies, the process sees EOF and exits.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { LineChannel } from './line-channel.js';

export interface LineProcessOptions {
  netns: string;
  argv: string[];
  /** CPUs to pin to (taskset -c); none = unpinned. */
  cpus?: readonly number[];
  /** Called with the pid right after spawn (ledger). */
  onSpawn?: (pid: number, fullArgv: string[]) => void;
  label: string;
}

/** `taskset -c` for `cpus`, or nothing when unpinned. */
export const pinPrefix = (cpus: readonly number[] | undefined): string[] => (cpus === undefined || cpus.length === 0 ? [] : ['taskset', '-c', cpus.join(',')]);

function spawnInNetns(options: LineProcessOptions): { argv: string[]; spawnedAt: number; child: ChildProcessWithoutNullStreams } {
  const argv = ['ip', 'netns', 'exec', options.netns, ...pinPrefix(options.cpus), ...options.argv];
  const spawnedAt = Number(process.hrtime.bigint() / 1000n);
  const [file, ...args] = argv;
  const child = spawn(file ?? 'ip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  return { argv, spawnedAt, child };
}

export class LineProcess<Event = unknown> extends LineChannel<Event> {
  readonly child: ChildProcessWithoutNullStreams;

  constructor(options: LineProcessOptions) {
    const { argv, spawnedAt, child } = spawnInNetns(options);
    super({ label: options.label, argv, input: child.stdin, output: child.stdout, stderr: child.stderr, spawnedAt });
    this.child = child;
    if (child.pid !== undefined) options.onSpawn?.(child.pid, argv);
    child.on('error', (error) => this.end(error));
    child.on('exit', (code, signal) => this.end(new Error(`exited with ${signal ?? `code ${code}`}`)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Closes stdin (the process exits by itself), then kills it if it lingers. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
