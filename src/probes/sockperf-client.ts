/**
 * The held sockperf client, run in the instance's namespace on the instance's
 * machine (started like a probe, through the kernel driver: by the local
 * agent, or by a remote host's). sockperf 3.7 connects, sends its warm-up
 * messages and then sleeps a fixed 2 s before it measures; this process
 * starts it, stops it (SIGSTOP) as soon as it is in that sleep and says
 * `held`, continues it (SIGCONT) on `measure` and answers with its round
 * trips as a histogram. The stop and the continue happen on sockperf's own
 * machine, where its pid and `/proc/PID/wchan` are; the coordinator only
 * sends JSON lines. End of input kills sockperf: a discarded reference.
 *
 * argv[2]: JSON `SockperfClientArgs`. Events on stdout: `SockperfClientEvent`.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createHistogram, encodeHistogram, recordMicros } from '../metrics/histogram.js';
import type { ReferenceResult } from '../results/types.js';
import { parseFullLog } from './sockperf-log.js';

export interface SockperfClientArgs {
  address: string;
  port: number;
  /** Seconds of round trips once continued (sockperf -t). */
  seconds: number;
  messageBytes: number;
}

/** `held`: whether sockperf was stopped in its start-up sleep (false: it exited or never got there; `measure` says why). */
export type SockperfClientEvent = { type: 'held'; held: boolean } | { type: 'reference'; result: ReferenceResult };

/** A command on stdin. */
export type SockperfClientCommand = { type: 'measure' };

/** sockperf prints this line right before its 2 s sleep. */
const WARMUP_LINE = 'Warmup stage';
/** How long after the warm-up line the client is stopped at the latest, when /proc cannot tell that it sleeps. */
const STOP_AFTER_LINE_MS = 200;
/** Longest wait for the client to reach its sleep (it connects through the path first). */
const ARM_TIMEOUT_MS = 10_000;

function emit(event: SockperfClientEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as SockperfClientArgs;
  const log = join(tmpdir(), `coldpath-sockperf-${process.pid}.csv`);
  const argv = ['ping-pong', '--tcp', '-i', args.address, '-p', String(args.port), '-t', String(args.seconds), '-m', String(args.messageBytes), '--full-rtt', '--full-log', log];
  const started = performance.now();
  const child = spawn('sockperf', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let sawWarmup: number | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output += `${error.message}\n`;
      resolve(null);
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    if (sawWarmup === undefined && output.includes(WARMUP_LINE)) sawWarmup = performance.now();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let held = false;
  const deadline = started + ARM_TIMEOUT_MS;
  while (!hasExited && performance.now() < deadline) {
    if (sawWarmup !== undefined && (sleeping(child.pid) || performance.now() - sawWarmup >= STOP_AFTER_LINE_MS)) {
      held = child.kill('SIGSTOP');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  emit({ type: 'held', held });

  const measure = async (): Promise<ReferenceResult> => {
    const continued = performance.now();
    if (held) child.kill('SIGCONT');
    const timeout = setTimeout(() => child.kill('SIGKILL'), (args.seconds + 30) * 1000);
    const code = await exited;
    clearTimeout(timeout);
    // The client's own time: from its continuation (or its start, when it was never held) to its exit.
    const durationUs = Math.round((performance.now() - (held ? continued : started)) * 1000);
    if (code !== 0) return { tool: 'sockperf', outcome: 'errored', message: lastLine(output) || `sockperf exited with ${code ?? 'a signal'}`, durationUs };
    const histogram = createHistogram('latency');
    for (const rtt of parseFullLog(readFileSync(log, 'utf8'))) recordMicros(histogram, rtt);
    if (histogram.totalCount === 0) return { tool: 'sockperf', outcome: 'errored', message: 'sockperf recorded no round trip', durationUs };
    return { tool: 'sockperf', outcome: 'completed', metric: 'echo', histogram: encodeHistogram(histogram), durationUs };
  };

  let measuring = false;
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const command = JSON.parse(line) as SockperfClientCommand;
    if (command.type !== 'measure' || measuring) return;
    measuring = true;
    void measure()
      .then((result) => emit({ type: 'reference', result }))
      .finally(() => {
        rmSync(log, { force: true });
        process.exit(0);
      });
  });
  // End of input without `measure`: the reference is discarded (SIGKILL ends a stopped process too).
  input.on('close', () => {
    if (measuring) return;
    child.kill('SIGKILL');
    void exited.then(() => {
      rmSync(log, { force: true });
      process.exit(0);
    });
  });
}

/** True when the kernel says the process is in a timed sleep (`/proc/PID/wchan`; absent on some kernels). */
function sleeping(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    return /nanosleep/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8'));
  } catch {
    return false;
  }
}

const lastLine = (text: string): string => text.trim().split('\n').pop() ?? '';

await main();
