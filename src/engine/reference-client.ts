/**
 * A sockperf ping-pong client started ahead of its measurement and held in
 * its start-up sleep. sockperf 3.7 connects, sends its warm-up messages and
 * then sleeps a fixed 2 s before it measures; a client started when it is
 * needed costs 3.2 s for 1 s of round trips. Started while the path's warm
 * measurement runs and stopped (SIGSTOP) as soon as it is in that sleep, it
 * measures nothing until it is continued (SIGCONT) after coldpath's own
 * measurement: the sleep keeps counting while the process is stopped, so
 * the client starts measuring at once, and the two instruments never overlap.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pinPrefix } from '../exec/line-process.js';
import { createHistogram, encodeHistogram, recordMicros } from '../metrics/histogram.js';
import type { ReferenceResult } from '../results/types.js';
import type { EngineContext } from './context.js';
import { MESSAGE_BYTES, parseFullLog } from './reference.js';

/** sockperf prints this line right before its 2 s sleep. */
const WARMUP_LINE = 'Warmup stage';
/** How long after the warm-up line the client is stopped at the latest, when /proc cannot tell that it sleeps. */
const STOP_AFTER_LINE_MS = 200;
/** Longest wait for the client to reach its sleep (it connects through the path first). */
const ARM_TIMEOUT_MS = 10_000;

export interface HeldReference {
  /** Continues the client, waits for its round trips and returns them. */
  measure(): Promise<ReferenceResult>;
  /** Kills the client without measuring (the block failed or the run was interrupted). */
  discard(): Promise<void>;
}

/**
 * Starts a sockperf client in `node`'s namespace against `address` and resolves once it is held
 * in its start-up sleep. A client that cannot get there (refused connection, early exit) is not
 * an error here: `measure()` reports it as an errored reference.
 */
export async function holdReference(ctx: EngineContext, node: string, address: string): Promise<HeldReference> {
  const { port, seconds } = ctx.scenario.reference;
  const netns = ctx.driver.netnsOf(node);
  const log = join(ctx.driver.ledger.dir, `sockperf-${node}-${Date.now()}.csv`);
  const argv = [
    'ip',
    'netns',
    'exec',
    netns,
    ...pinPrefix(ctx.placement.probes),
    'sockperf',
    'ping-pong',
    '--tcp',
    '-i',
    address,
    '-p',
    String(port),
    '-t',
    String(seconds),
    '-m',
    String(MESSAGE_BYTES),
    '--full-rtt',
    '--full-log',
    log,
  ];
  const started = performance.now();
  const [file = 'ip', ...args] = argv;
  // `ip netns exec` and `taskset` exec in place: the child's pid is sockperf's.
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) ctx.driver.ledger.recordSpawn(netns)(child.pid, argv);
  let output = '';
  let sawWarmup: number | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
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
  while (!hasExited && !ctx.signal.aborted && performance.now() < deadline) {
    if (sawWarmup !== undefined && (sleeping(child.pid) || performance.now() - sawWarmup >= STOP_AFTER_LINE_MS)) {
      held = child.kill('SIGSTOP');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }

  const finish = async (): Promise<ReferenceResult> => {
    const continued = performance.now();
    if (held) child.kill('SIGCONT');
    const timeout = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    const code = await exited;
    clearTimeout(timeout);
    // The client's own time: from its continuation (or its start, when it was never held) to its exit.
    const durationUs = Math.round((performance.now() - (held ? continued : started)) * 1000);
    try {
      if (code !== 0) return { tool: 'sockperf', outcome: 'errored', message: lastLine(output) || `sockperf exited with ${code ?? 'a signal'}`, durationUs };
      const histogram = createHistogram('latency');
      for (const rtt of parseFullLog(readFileSync(log, 'utf8'))) recordMicros(histogram, rtt);
      if (histogram.totalCount === 0) return { tool: 'sockperf', outcome: 'errored', message: 'sockperf recorded no round trip', durationUs };
      return { tool: 'sockperf', outcome: 'completed', metric: 'echo', histogram: encodeHistogram(histogram), durationUs };
    } finally {
      rmSync(log, { force: true });
    }
  };
  return {
    measure: finish,
    discard: async () => {
      // SIGKILL ends a stopped process too.
      child.kill('SIGKILL');
      await exited;
      rmSync(log, { force: true });
    },
  };
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
