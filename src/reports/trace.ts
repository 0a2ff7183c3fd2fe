/**
 * trace.json: every instance's cold start as Chrome trace events (JSON object
 * form), to open in Perfetto or chrome://tracing. One process per path; per
 * burst, one thread per instance with its measured phases on the monotonic
 * clock (µs), and next to it a thread of its modeled control-plane steps in
 * virtual time — named so, because those steps were never slept and overlap
 * real time only by construction.
 */
import type { BurstResult, InstanceResult, RunResult } from '../results/types.js';
import { placeModeledSteps } from './modeled-timeline.js';

export interface TraceEvent {
  name: string;
  /** X: complete span, i: instant, M: metadata (process/thread names and order). */
  ph: 'X' | 'i' | 'M';
  pid: number;
  tid: number;
  /** µs. */
  ts: number;
  /** µs; X events only. */
  dur?: number;
  /** Instant scope: thread. */
  s?: 't';
  cat?: string;
  args?: Record<string, string | number>;
}

export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string>;
}

export const MODELED_THREAD_SUFFIX = 'modeled control plane (virtual time, not slept)';

export function traceFile(run: RunResult): TraceFile {
  const events: TraceEvent[] = [];
  // Thread ids are unique across processes too: some importers key threads by tid alone.
  let nextTid = 1;
  run.paths.forEach((path, index) => {
    const pid = index + 1;
    const meta = (name: string, tid: number, args: Record<string, string | number>): TraceEvent => ({ name, ph: 'M', pid, tid, ts: 0, args });
    events.push(meta('process_name', 0, { name: `${path.strategy} (${path.outcome})` }), meta('process_sort_index', 0, { sort_index: pid }));
    const burstTid = nextTid++;
    events.push(meta('thread_name', burstTid, { name: 'bursts' }), meta('thread_sort_index', burstTid, { sort_index: burstTid }));
    for (const repetition of path.repetitions) {
      for (const burst of repetition.bursts) {
        const label = `rep ${repetition.index + 1} · K=${burst.size}`;
        events.push(burstEvent(pid, burstTid, label, burst));
        for (const instance of burst.instances) {
          const tid = nextTid++;
          const failed = instance.outcome === 'failed' ? ` · FAILED ${instance.reason ?? ''}` : '';
          events.push(meta('thread_name', tid, { name: `${label} · instance ${instance.id}${failed}` }), meta('thread_sort_index', tid, { sort_index: tid }));
          events.push(...measuredEvents(pid, tid, burst.t0Us, instance));
          if (instance.modeled.length > 0) {
            const modeledTid = nextTid++;
            events.push(
              meta('thread_name', modeledTid, { name: `${label} · instance ${instance.id} · ${MODELED_THREAD_SUFFIX}` }),
              meta('thread_sort_index', modeledTid, { sort_index: modeledTid }),
              ...modeledEvents(pid, modeledTid, burst.t0Us, instance),
            );
          }
        }
      }
    }
  });
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: {
      runId: run.runId,
      startedAt: run.startedAt,
      clock: `${run.fingerprint.clock}, µs; modeled threads: virtual µs from their burst's start`,
    },
  };
}

export function traceJson(run: RunResult): string {
  return `${JSON.stringify(traceFile(run))}\n`;
}

function burstEvent(pid: number, tid: number, label: string, burst: BurstResult): TraceEvent {
  const failed = Object.values(burst.failures).reduce((sum, count) => sum + (count ?? 0), 0);
  return { name: `burst ${label}`, cat: 'burst', ph: 'X', pid, tid, ts: burst.t0Us, dur: Math.max(0, Math.round(burst.wallMs * 1000)), args: { size: burst.size, failed } };
}

function measuredEvents(pid: number, tid: number, t0: number, instance: InstanceResult): TraceEvent[] {
  const spans = instance.spans.filter((span) => span.phase !== 'queued').sort((a, b) => a.startUs - b.startUs);
  const events: TraceEvent[] = [];
  // run.json keeps queueing as one summed duration; on a timeline it is the gaps between phases.
  let cursor = 0;
  for (const span of spans) {
    if (span.startUs > cursor) events.push(spanEvent(pid, tid, t0, 'queued', cursor, span.startUs, 'measured'));
    events.push(spanEvent(pid, tid, t0, span.phase, span.startUs, span.endUs, 'measured'));
    cursor = Math.max(cursor, span.endUs);
  }
  if (instance.outcome === 'failed') {
    events.push({
      name: `failed: ${instance.reason ?? 'unknown'}`,
      cat: 'failure',
      ph: 'i',
      s: 't',
      pid,
      tid,
      ts: t0 + cursor,
      args: { reason: instance.reason ?? 'unknown', message: instance.message ?? '' },
    });
  }
  return events;
}

function modeledEvents(pid: number, tid: number, t0: number, instance: InstanceResult): TraceEvent[] {
  return placeModeledSteps(instance.modeled).flatMap((step) => [
    ...(step.throttleUs > 0 ? [spanEvent(pid, tid, t0, `${step.phase} · waiting for an API token`, step.issuedUs, step.startUs, 'modeled')] : []),
    spanEvent(pid, tid, t0, `${step.phase} (modeled)`, step.startUs, step.endUs, 'modeled'),
  ]);
}

function spanEvent(pid: number, tid: number, t0: number, name: string, startUs: number, endUs: number, source: 'measured' | 'modeled'): TraceEvent {
  return { name, cat: source, ph: 'X', pid, tid, ts: t0 + startUs, dur: Math.max(0, endUs - startUs), args: { source } };
}
