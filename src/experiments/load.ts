/**
 * Open-loop request streams for experiments: each stream is one probe
 * sending at a fixed rate (or a rate profile) to the user service, traced
 * request by request, so an experiment can line requests up with what it
 * did to the proxies (a fault, a scale-out) on the shared monotonic clock.
 */
import { nowMicros } from '../clock.js';
import type { MeasureResultEvent, MeasureSpec } from '../probes/protocol.js';
import type { ExperimentContext, ExperimentInstance } from './context.js';
import type { ErrorTally } from './types.js';

export interface StreamSpec {
  metric: 'keepalive' | 'newconn';
  /** Requests per second (the first stage's rate when `stages` is given). */
  rate: number;
  concurrency: number;
  stages?: Array<{ rate: number; requests: number }>;
  path?: string;
}

export interface RunningStreams {
  /** Monotonic µs when the commands were sent. */
  sentAt: number;
  /** Monotonic µs when measured requests begin (after the warm-up), approximately. */
  measuredFrom: number;
  results: Promise<MeasureResultEvent[]>;
  abort(): void;
  /** Measured requests each stream was asked for. */
  expected: number[];
}

/**
 * Starts every stream at once on its instance. `durationMs` of measured
 * requests follow `warmupMs` of warm-up (connections opened, code warm).
 */
export function startStreams(
  ctx: ExperimentContext,
  streams: ReadonlyArray<{ spec: StreamSpec; instance: ExperimentInstance }>,
  options: { durationMs: number; warmupMs: number; timeoutMs: number },
): RunningStreams {
  const target = ctx.target.layout;
  const sentAt = nowMicros();
  let longestMs = 0;
  const expected: number[] = [];
  const promises = streams.map(({ spec, instance }) => {
    const requests = spec.stages === undefined ? Math.max(1, Math.round((spec.rate * options.durationMs) / 1000)) : spec.stages.reduce((sum, s) => sum + s.requests, 0);
    const measure: MeasureSpec = {
      metric: spec.metric,
      host: target.address,
      port: target.httpPort,
      requests,
      warmup: Math.round((spec.rate * options.warmupMs) / 1000),
      concurrency: spec.concurrency,
      loop: 'open',
      rate: spec.rate,
      timeoutMs: options.timeoutMs,
      trace: true,
      // undici's pool reports connections opening and closing: the trace shows which survived.
      httpClient: 'undici',
      // Churn as a client that drops its connections: the measured NAT figures assume the client's TIME_WAIT.
      closer: 'client',
      ...(spec.stages === undefined ? {} : { stages: spec.stages }),
      ...(spec.path === undefined ? {} : { path: spec.path }),
    };
    const stageMs = spec.stages === undefined ? options.durationMs : spec.stages.reduce((sum, s) => sum + (s.requests / s.rate) * 1000, 0);
    const expectedMs = options.warmupMs + stageMs;
    expected.push(requests);
    longestMs = Math.max(longestMs, expectedMs);
    return instance.probe.measure(measure, expectedMs + options.timeoutMs * 3 + 60_000);
  });
  const onAbort = (): void => {
    for (const { instance } of streams) instance.probe.abort();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // An open loop whose connections are all stuck (a dead path) cannot keep its schedule: stop it
  // once the schedule is over and every request had its timeout; what was never sent is counted.
  const deadline = setTimeout(onAbort, longestMs + options.timeoutMs + 1000);
  const results = Promise.all(promises).finally(() => {
    clearTimeout(deadline);
    ctx.signal.removeEventListener('abort', onAbort);
  });
  return { sentAt, measuredFrom: sentAt + options.warmupMs * 1000, results, abort: onAbort, expected };
}

/** Requests a stream should have sent but could not (its schedule was cut off), as failures `not-sent`. */
export function unsentTally(expected: number, sent: number): ErrorTally {
  const missing = Math.max(0, expected - sent);
  return { requests: missing, ok: 0, failed: missing, errors: missing > 0 ? { 'not-sent': missing } : {} };
}

/** Resolves after `ms` or when the run is interrupted. */
export function pause(ctx: ExperimentContext, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || ctx.signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    ctx.signal.addEventListener('abort', done, { once: true });
  });
}

/** Sleeps until a monotonic µs instant (ms timer, then a short spin for precision). */
export async function until(ctx: ExperimentContext, atUs: number): Promise<void> {
  const remainingMs = (atUs - nowMicros()) / 1000;
  if (remainingMs > 2) await pause(ctx, Math.floor(remainingMs - 1));
  while (nowMicros() < atUs && !ctx.signal.aborted) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** One closed-loop measurement on one instance (keep-alive over one connection unless `metric` says otherwise), to the target's address or `host`. */
export function measureOnInstance(
  ctx: ExperimentContext,
  instance: ExperimentInstance,
  options: { metric?: 'keepalive' | 'newconn'; requests: number; warmup?: number; path?: string; uploadBytes?: number; timeoutMs: number; host?: string },
): Promise<MeasureResultEvent> {
  const target = ctx.target.layout;
  const spec: MeasureSpec = {
    metric: options.metric ?? 'keepalive',
    host: options.host ?? target.address,
    port: target.httpPort,
    requests: options.requests,
    warmup: options.warmup ?? 0,
    concurrency: 1,
    loop: 'closed',
    timeoutMs: options.timeoutMs,
    trace: true,
    httpClient: 'undici',
    ...(options.path === undefined ? {} : { path: options.path }),
    ...(options.uploadBytes === undefined ? {} : { method: 'POST' as const, uploadBytes: options.uploadBytes }),
  };
  const onAbort = (): void => instance.probe.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  return instance.probe.measure(spec, (options.requests + (options.warmup ?? 0)) * (options.timeoutMs + 100) + 30_000).finally(() => ctx.signal.removeEventListener('abort', onAbort));
}
