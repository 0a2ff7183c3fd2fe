/**
 * Pure arithmetic over request traces (probes' RequestTrace): timelines,
 * the longest span without a successful response, recovery time, error
 * tallies and connection survival. Kept apart from the experiments that run
 * things so it is unit-tested on synthetic traces.
 */
import type { RequestTrace } from '../probes/protocol.js';
import type { ErrorTally, Timeline } from './types.js';

/** One request on the experiment's clock: µs relative to the reference instant. */
export interface RequestPoint {
  intended: number;
  sent: number;
  done: number;
  ok: boolean;
  error?: string;
}

/** Requests of a trace, relative to `refUs` (monotonic µs). */
export function pointsOf(trace: RequestTrace, refUs: number): RequestPoint[] {
  const shift = trace.t0 - refUs;
  return trace.requests.map(([intended, sent, done, code]) => {
    const point: RequestPoint = { intended: intended + shift, sent: sent + shift, done: done + shift, ok: code === 0 };
    if (code !== 0) point.error = trace.errorKinds[code - 1] ?? 'other';
    return point;
  });
}

/** Connection events of a trace, relative to `refUs`: [time, +1 | -1, slot]. */
export function connectionEventsOf(trace: RequestTrace, refUs: number): Array<[number, number, number]> {
  const shift = trace.t0 - refUs;
  return trace.connections.map(([at, delta, slot]) => [at + shift, delta, slot]);
}

export function tally(points: readonly RequestPoint[]): ErrorTally {
  const errors: Record<string, number> = {};
  let ok = 0;
  for (const point of points) {
    if (point.ok) ok++;
    else errors[point.error ?? 'other'] = (errors[point.error ?? 'other'] ?? 0) + 1;
  }
  return { requests: points.length, ok, failed: points.length - ok, errors };
}

export function mergeTallies(tallies: readonly ErrorTally[]): ErrorTally {
  const merged: ErrorTally = { requests: 0, ok: 0, failed: 0, errors: {} };
  for (const t of tallies) {
    merged.requests += t.requests;
    merged.ok += t.ok;
    merged.failed += t.failed;
    for (const [kind, count] of Object.entries(t.errors)) merged.errors[kind] = (merged.errors[kind] ?? 0) + count;
  }
  return merged;
}

/** Completions per bucket over [fromUs, toUs), successes and failures apart. */
export function timeline(points: readonly RequestPoint[], fromUs: number, toUs: number, bucketUs: number): Timeline {
  const count = Math.max(1, Math.ceil((toUs - fromUs) / bucketUs));
  const ok = new Array<number>(count).fill(0);
  const failed = new Array<number>(count).fill(0);
  for (const point of points) {
    const index = Math.floor((point.done - fromUs) / bucketUs);
    if (index < 0 || index >= count) continue;
    if (point.ok) ok[index] = (ok[index] ?? 0) + 1;
    else failed[index] = (failed[index] ?? 0) + 1;
  }
  return { startUs: fromUs, bucketUs, ok, failed };
}

export interface Gap {
  /** Length of the span without a successful completion, µs. */
  us: number;
  /** The span, relative to the reference instant; `end` is the window end when nothing succeeded again. */
  start: number;
  end: number;
  /** false: no success after the span (censored at the window end). */
  recovered: boolean;
}

/**
 * The longest span without a successful completion that overlaps the
 * disturbance `[from, to]` (relative times; default: from the reference
 * instant 0 to the window end) — the outage a fault at 0 caused, not an
 * unrelated stall later. Spans are measured between consecutive successes;
 * with none after the fault, the span runs from the last success to
 * `windowEndUs` and is marked unrecovered.
 */
export function longestGap(points: readonly RequestPoint[], windowEndUs: number, windowStartUs = Number.NEGATIVE_INFINITY, overlap: readonly [number, number] = [0, windowEndUs]): Gap | null {
  const successes = points
    .filter((p) => p.ok && p.done >= windowStartUs && p.done <= windowEndUs)
    .map((p) => p.done)
    .sort((a, b) => a - b);
  if (successes.length === 0) return null;
  const [from, to] = overlap;
  let best: Gap | null = null;
  for (let i = 0; i + 1 < successes.length; i++) {
    const start = successes[i] as number;
    const end = successes[i + 1] as number;
    if (end <= from || start >= to) continue;
    if (best === null || end - start > best.us) best = { us: end - start, start, end, recovered: true };
  }
  const last = successes[successes.length - 1] as number;
  if (last < to && windowEndUs > Math.max(from, last)) {
    // Nothing succeeded after `last`: an outage if it is longer than any span before it.
    const tail = { us: windowEndUs - last, start: last, end: windowEndUs, recovered: false };
    if (best === null || tail.us > best.us) best = tail;
  }
  return best;
}

/** Completion of the first success among requests sent at or after the reference instant. */
export function firstOkAfter(points: readonly RequestPoint[]): number | null {
  let first: number | null = null;
  for (const point of points) if (point.ok && point.sent >= 0 && (first === null || point.done < first)) first = point.done;
  return first;
}

/**
 * HTTP connections around the fault (events relative to it, per slot): open
 * at 0; of those, still open at the end (survived) or closed after 0 (lost);
 * and connections opened after 0 (reconnects).
 */
export function connectionSurvival(events: ReadonlyArray<readonly [number, number, number]>): { atFault: number; survived: number; lost: number; openedAfter: number } {
  const bySlot = new Map<number, Array<readonly [number, number, number]>>();
  for (const event of events) {
    const list = bySlot.get(event[2]) ?? [];
    list.push(event);
    bySlot.set(event[2], list);
  }
  let atFault = 0;
  let lost = 0;
  let openedAfter = 0;
  for (const list of bySlot.values()) {
    list.sort((a, b) => a[0] - b[0]);
    const before = list.filter((event) => event[0] < 0);
    const after = list.filter((event) => event[0] >= 0);
    openedAfter += after.filter((event) => event[1] > 0).length;
    if (before.at(-1)?.[1] !== 1) continue;
    atFault++;
    if (after[0]?.[1] === -1) lost++;
  }
  return { atFault, survived: atFault - lost, lost, openedAfter };
}
