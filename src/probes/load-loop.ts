/**
 * Drives one operation repeatedly, closed or open loop, and records latency.
 * Open loop follows a fixed schedule (wrk2-style): each request has an
 * intended start time; the corrected histogram measures from that time, so a
 * stall also counts for the requests that could not be sent during it
 * (coordinated omission); the raw histogram measures from the actual send.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isPhasedEnd, phaseDurations, type PhasedEnd } from '../metrics/connect-phases.js';
import { createHistogram, recordMicros, type Histogram } from '../metrics/histogram.js';
import { errorKind, nowMicros, type ErrorCounts, type RequestTrace } from './protocol.js';
import { WarmupTracker, type SteadyStateSpec, type WarmupRecord } from './warmup.js';

export interface LoopSpec {
  requests: number;
  /** Warm-up requests: the count (fixed) or the least (with `steady`). */
  warmup: number;
  /** End warm-up when the measurement is steady instead of after `warmup` requests. */
  steady?: SteadyStateSpec;
  concurrency: number;
  loop: 'closed' | 'open';
  rate?: number;
  /** Keep every measured request's times and outcome (RequestTrace); default false. */
  trace?: boolean;
  /**
   * Open loop only: a rate profile instead of one `rate` — `requests` at each
   * `rate` in turn, over the same connections (after the warm-up at `rate`).
   */
  stages?: ReadonlyArray<{ rate: number; requests: number }>;
  /**
   * The phases the operation stamps (it resolves with a PhasedEnd): each
   * measured request's phases go into histograms of their own, from the
   * actual send (so in a closed loop they add up to the request's latency;
   * in an open loop, to the uncorrected one).
   */
  phases?: readonly string[];
}

/** Intended start of request `index` (µs after the schedule start) under a piecewise-constant rate. */
export function scheduleOffset(index: number, warmup: number, rate: number, stages: LoopSpec['stages']): number {
  const base = 1_000_000 / rate;
  if (stages === undefined || stages.length === 0 || index < warmup) return index * base;
  let offset = warmup * base;
  let remaining = index - warmup;
  for (const stage of stages) {
    const interval = 1_000_000 / stage.rate;
    if (remaining < stage.requests) return offset + remaining * interval;
    offset += stage.requests * interval;
    remaining -= stage.requests;
  }
  return offset + remaining * (1_000_000 / (stages[stages.length - 1]?.rate ?? rate));
}

export interface LoopResult {
  histogram: Histogram;
  raw?: Histogram;
  errors: ErrorCounts;
  aborted: boolean;
  startedAt: number;
  durationUs: number;
  /** How warm-up ended. */
  warmup: WarmupRecord;
  /** With `trace`: every measured request (connection events are added by the caller). */
  trace?: RequestTrace;
  /** With `phases`: one histogram per phase, of the same successful measured requests as `histogram`. */
  phases?: Record<string, Histogram>;
}

/** Collects a RequestTrace: one tuple per request, error kinds interned. */
class TraceRecorder {
  readonly trace: RequestTrace;
  private readonly kinds = new Map<string, number>();
  constructor(t0: number) {
    this.trace = { t0, requests: [], errorKinds: [], connections: [] };
  }
  record(intended: number, sent: number, done: number, error: unknown): void {
    let code = 0;
    if (error !== undefined) {
      const kind = errorKind(error);
      code = this.kinds.get(kind) ?? 0;
      if (code === 0) {
        this.trace.errorKinds.push(kind);
        code = this.trace.errorKinds.length;
        this.kinds.set(kind, code);
      }
    }
    const t0 = this.trace.t0;
    this.trace.requests.push([Math.round(intended - t0), Math.round(sent - t0), Math.round(done - t0), code]);
  }
}

/**
 * One request; resolves when the response is complete, rejects on error. It
 * may resolve with its own end time (monotonic µs) when work after the timed
 * part belongs to it (closing a connection after a handshake).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an operation that times itself returns its end (with its phases' ends); the others return nothing
export type Operation = () => Promise<number | PhasedEnd | void>;

/** The end of a request from what its operation resolved with, and its phase stamps if any. */
function endOf(result: number | PhasedEnd | undefined): { done: number; stamps?: readonly number[] } {
  if (result === undefined) return { done: nowMicros() };
  if (isPhasedEnd(result)) return { done: result.end, stamps: result.stamps };
  return { done: result };
}

/** What the measured part of a loop records into. */
class Recorder {
  readonly histogram = createHistogram('latency');
  readonly errors: ErrorCounts = {};
  readonly phases: Array<[string, Histogram]> | undefined;
  constructor(
    readonly raw: Histogram | undefined,
    readonly tracer: TraceRecorder | undefined,
    phases: readonly string[] | undefined,
  ) {
    this.phases = phases?.map((phase) => [phase, createHistogram('latency')]);
  }
  ok(intended: number, sent: number, done: number, stamps?: readonly number[]): void {
    recordMicros(this.histogram, done - intended);
    if (this.raw !== undefined) recordMicros(this.raw, done - sent);
    if (this.phases !== undefined && stamps !== undefined) {
      const durations = phaseDurations(sent, stamps);
      this.phases.forEach(([, histogram], index) => {
        recordMicros(histogram, durations[index] ?? 0);
      });
    }
    this.tracer?.record(intended, sent, done, undefined);
  }
  failed(intended: number, sent: number, error: unknown): void {
    const kind = errorKind(error);
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    this.tracer?.record(intended, sent, nowMicros(), error ?? 'error');
  }
}

export async function runLoop(spec: LoopSpec, operation: Operation, signal: AbortSignal): Promise<LoopResult> {
  const startedAt = nowMicros();
  const tracer = spec.trace === true ? new TraceRecorder(startedAt) : undefined;
  const recorder = new Recorder(spec.loop === 'open' ? createHistogram('latency') : undefined, tracer, spec.phases);
  const warmup = new WarmupTracker(spec.warmup, spec.steady, startedAt);
  if (spec.loop === 'closed') await closedLoop(spec, operation, signal, warmup, recorder);
  else await openLoop(spec, operation, signal, warmup, recorder);
  return {
    histogram: recorder.histogram,
    ...(recorder.raw === undefined ? {} : { raw: recorder.raw }),
    errors: recorder.errors,
    aborted: signal.aborted,
    startedAt,
    durationUs: nowMicros() - startedAt,
    warmup: warmup.record(),
    ...(tracer === undefined ? {} : { trace: tracer.trace }),
    ...(recorder.phases === undefined ? {} : { phases: Object.fromEntries(recorder.phases) }),
  };
}

/** `concurrency` workers, each sending its next request when the previous one completes. */
async function closedLoop(spec: LoopSpec, operation: Operation, signal: AbortSignal, warmup: WarmupTracker, recorder: Recorder): Promise<void> {
  let measuredIssued = 0;
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const warming = warmup.claim();
      if (!warming && measuredIssued++ >= spec.requests) return;
      const start = nowMicros();
      try {
        const { done, stamps } = endOf((await operation()) ?? undefined);
        if (warming) warmup.add(done - start, done);
        else recorder.ok(start, start, done, stamps);
      } catch (error) {
        if (warming) warmup.add(undefined, nowMicros());
        else recorder.failed(start, start, error);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
}

/**
 * A fixed schedule (wrk2-style). A steady-state warm-up runs its own schedule
 * at `rate` until it converges; the measured schedule then starts afresh.
 */
async function openLoop(spec: LoopSpec, operation: Operation, signal: AbortSignal, warmup: WarmupTracker, recorder: Recorder): Promise<void> {
  const rate = spec.rate ?? 1;
  const inflight = new Set<Promise<void>>();
  let outstanding = 0;
  let slotFreed: (() => void) | undefined;
  const send = async (intended: number, measured: boolean): Promise<void> => {
    await waitUntil(intended, signal);
    while (outstanding >= spec.concurrency && !signal.aborted) {
      await new Promise<void>((resolve) => (slotFreed = resolve));
    }
    if (signal.aborted) return;
    outstanding++;
    const sent = nowMicros();
    const task = operation()
      .then(
        (end) => {
          const { done, stamps } = endOf(end ?? undefined);
          if (measured) recorder.ok(intended, sent, done, stamps);
          else warmup.add(done - sent, done);
        },
        (error: unknown) => {
          if (measured) recorder.failed(intended, sent, error);
          else warmup.add(undefined, nowMicros());
        },
      )
      .finally(() => {
        outstanding--;
        inflight.delete(task);
        slotFreed?.();
        slotFreed = undefined;
      });
    inflight.add(task);
  };

  let fixedWarmup = spec.warmup;
  if (spec.steady !== undefined) {
    const start = nowMicros();
    for (let index = 0; !warmup.done && !signal.aborted; index++) await send(start + index * (1_000_000 / rate), false);
    await Promise.all(inflight);
    fixedWarmup = 0;
  }
  const measured = spec.stages !== undefined ? spec.stages.reduce((sum, stage) => sum + stage.requests, 0) : spec.requests;
  const scheduleStart = nowMicros();
  for (let index = 0; index < fixedWarmup + measured && !signal.aborted; index++) {
    const warming = index < fixedWarmup && warmup.claim();
    await send(scheduleStart + scheduleOffset(index, fixedWarmup, rate, spec.stages), !warming);
  }
  await Promise.all(inflight);
}

/**
 * Sleeps until a monotonic time. libuv timers have millisecond resolution,
 * so the last 1.5 ms are spent yielding with setImmediate (I/O still runs).
 */
async function waitUntil(targetUs: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    const remaining = targetUs - nowMicros();
    if (remaining <= 0 || signal.aborted) return;
    if (remaining > 1500) await sleep(Math.floor((remaining - 1000) / 1000));
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
