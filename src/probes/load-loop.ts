/**
 * Drives one operation repeatedly, closed or open loop, and records latency.
 * Open loop follows a fixed schedule (wrk2-style): each request has an
 * intended start time; the corrected histogram measures from that time, so a
 * stall also counts for the requests that could not be sent during it
 * (coordinated omission); the raw histogram measures from the actual send.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createHistogram, recordMicros, type Histogram } from '../metrics/histogram.js';
import { errorKind, nowMicros, type ErrorCounts } from './protocol.js';

export interface LoopSpec {
  requests: number;
  warmup: number;
  concurrency: number;
  loop: 'closed' | 'open';
  rate?: number;
}

export interface LoopResult {
  histogram: Histogram;
  raw?: Histogram;
  errors: ErrorCounts;
  aborted: boolean;
  startedAt: number;
  durationUs: number;
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
  const total = spec.warmup + spec.requests;
  const startedAt = nowMicros();
  if (spec.loop === 'closed') {
    let issued = 0;
    const worker = async (): Promise<void> => {
      while (!signal.aborted) {
        const index = issued++;
        if (index >= total) return;
        const start = nowMicros();
        try {
          await operation();
          if (index >= spec.warmup) recordMicros(histogram, nowMicros() - start);
        } catch (error) {
          if (index >= spec.warmup) fail(error);
        }
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
    return { histogram, errors, aborted: signal.aborted, startedAt, durationUs: nowMicros() - startedAt };
  }

  const raw = createHistogram('latency');
  const intervalUs = 1_000_000 / (spec.rate ?? 1);
  let outstanding = 0;
  let slotFreed: (() => void) | undefined;
  const inflight = new Set<Promise<void>>();
  const scheduleStart = nowMicros();
  for (let index = 0; index < total && !signal.aborted; index++) {
    const intended = scheduleStart + index * intervalUs;
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
        },
        (error: unknown) => {
          if (measured) fail(error);
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
  return { histogram, raw, errors, aborted: signal.aborted, startedAt, durationUs: nowMicros() - startedAt };
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
