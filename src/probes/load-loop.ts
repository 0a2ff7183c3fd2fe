/**
 * Drives one operation repeatedly, closed or open loop, and records latency.
 * Open loop follows a fixed schedule (wrk2-style): each request has an
 * intended start time; the corrected histogram measures from that time, so a
 * stall also counts for the requests that could not be sent during it
 * (coordinated omission); the raw histogram measures from the actual send.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createHistogram, recordMicros, type Histogram } from '../metrics/histogram.js';
import { errorKind, nowMicros, type ErrorCounts, type RequestTrace } from './protocol.js';

export interface LoopSpec {
  requests: number;
  warmup: number;
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
  /** With `trace`: every measured request (connection events are added by the caller). */
  trace?: RequestTrace;
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

/** One request; resolves when the response is complete, rejects on error. */
export type Operation = () => Promise<void>;

export async function runLoop(spec: LoopSpec, operation: Operation, signal: AbortSignal): Promise<LoopResult> {
  const histogram = createHistogram('latency');
  const errors: ErrorCounts = {};
  const fail = (error: unknown): void => {
    const kind = errorKind(error);
    errors[kind] = (errors[kind] ?? 0) + 1;
  };
  const total = spec.warmup + (spec.loop === 'open' && spec.stages !== undefined ? spec.stages.reduce((sum, stage) => sum + stage.requests, 0) : spec.requests);
  const startedAt = nowMicros();
  const tracer = spec.trace === true ? new TraceRecorder(startedAt) : undefined;
  const traced = tracer === undefined ? {} : { trace: tracer.trace };
  if (spec.loop === 'closed') {
    let issued = 0;
    const worker = async (): Promise<void> => {
      while (!signal.aborted) {
        const index = issued++;
        if (index >= total) return;
        const start = nowMicros();
        try {
          await operation();
          const done = nowMicros();
          if (index >= spec.warmup) {
            recordMicros(histogram, done - start);
            tracer?.record(start, start, done, undefined);
          }
        } catch (error) {
          if (index >= spec.warmup) {
            fail(error);
            tracer?.record(start, start, nowMicros(), error ?? 'error');
          }
        }
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
    return { histogram, errors, aborted: signal.aborted, startedAt, durationUs: nowMicros() - startedAt, ...traced };
  }

  const raw = createHistogram('latency');
  let outstanding = 0;
  let slotFreed: (() => void) | undefined;
  const inflight = new Set<Promise<void>>();
  const scheduleStart = nowMicros();
  for (let index = 0; index < total && !signal.aborted; index++) {
    const intended = scheduleStart + scheduleOffset(index, spec.warmup, spec.rate ?? 1, spec.stages);
    await waitUntil(intended, signal);
    while (outstanding >= spec.concurrency && !signal.aborted) {
      await new Promise<void>((resolve) => (slotFreed = resolve));
    }
    if (signal.aborted) break;
    outstanding++;
    const sent = nowMicros();
    const measured = index >= spec.warmup;
    const task = operation()
      .then(
        () => {
          if (!measured) return;
          const done = nowMicros();
          recordMicros(histogram, done - intended);
          recordMicros(raw, done - sent);
          tracer?.record(intended, sent, done, undefined);
        },
        (error: unknown) => {
          if (!measured) return;
          fail(error);
          tracer?.record(intended, sent, nowMicros(), error ?? 'error');
        },
      )
      .finally(() => {
        outstanding--;
        inflight.delete(task);
        slotFreed?.();
        slotFreed = undefined;
      });
    inflight.add(task);
  }
  await Promise.all(inflight);
  return { histogram, raw, errors, aborted: signal.aborted, startedAt, durationUs: nowMicros() - startedAt, ...traced };
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
