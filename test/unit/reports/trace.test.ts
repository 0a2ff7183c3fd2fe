import { describe, expect, it } from 'vitest';
import { MODELED_THREAD_SUFFIX, traceFile, traceJson } from '../../../src/reports/trace.js';
import type { RunResult } from '../../../src/results/types.js';
import { loadRun, runWithEniFailures } from './helpers.js';

const METADATA = new Set(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index']);

/** Checks the Chrome trace-event format (JSON object form) field by field; returns the problems found. */
function traceProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { traceEvents?: unknown }).traceEvents)) return ['not an object with a traceEvents array'];
  const file = value as { traceEvents: unknown[]; displayTimeUnit?: unknown; otherData?: unknown };
  if (file.displayTimeUnit !== undefined && file.displayTimeUnit !== 'ms' && file.displayTimeUnit !== 'ns') problems.push('displayTimeUnit must be ms or ns');
  if (file.otherData !== undefined && Object.values(file.otherData as object).some((v) => typeof v !== 'string')) problems.push('otherData values must be strings');
  file.traceEvents.forEach((raw, i) => {
    const event = raw as Record<string, unknown>;
    const where = `event ${i} (${JSON.stringify(event).slice(0, 120)})`;
    if (typeof event['name'] !== 'string' || event['name'] === '') problems.push(`${where}: name must be a non-empty string`);
    if (!Number.isInteger(event['pid']) || (event['pid'] as number) < 0) problems.push(`${where}: pid must be a non-negative integer`);
    if (!Number.isInteger(event['tid']) || (event['tid'] as number) < 0) problems.push(`${where}: tid must be a non-negative integer`);
    if (typeof event['ts'] !== 'number' || !Number.isFinite(event['ts'])) problems.push(`${where}: ts must be a finite number (µs)`);
    if (event['args'] !== undefined && (typeof event['args'] !== 'object' || event['args'] === null)) problems.push(`${where}: args must be an object`);
    switch (event['ph']) {
      case 'X':
        if (typeof event['dur'] !== 'number' || !Number.isFinite(event['dur']) || (event['dur'] as number) < 0) problems.push(`${where}: dur must be a number ≥ 0`);
        break;
      case 'i':
        if (!['g', 'p', 't'].includes(event['s'] as string)) problems.push(`${where}: instant scope s must be g, p or t`);
        break;
      case 'M': {
        const args = event['args'] as Record<string, unknown> | undefined;
        if (!METADATA.has(event['name'] as string)) problems.push(`${where}: unknown metadata event`);
        else if (String(event['name']).endsWith('_name') ? typeof args?.['name'] !== 'string' : !Number.isInteger(args?.['sort_index'])) problems.push(`${where}: metadata args`);
        break;
      }
      default:
        problems.push(`${where}: unexpected ph ${JSON.stringify(event['ph'])}`);
    }
  });
  return problems;
}

const runs: Array<[string, () => RunResult]> = [
  ['run-small', () => loadRun('run-small')],
  ['run-aborted', () => loadRun('run-aborted')],
  ['a run with failed instances', runWithEniFailures],
];

describe.each(runs)('trace.json of %s', (_, load) => {
  const run = load();
  const parsed = JSON.parse(traceJson(run)) as ReturnType<typeof traceFile>;

  it('conforms to the trace-event format', () => {
    expect(traceProblems(parsed)).toEqual([]);
  });

  it('names every process and thread it uses, one process per path, thread ids unique across processes', () => {
    const tids = parsed.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.tid);
    expect(new Set(tids).size).toBe(tids.length);
    const names = new Map(parsed.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [`${e.pid}/${e.tid}`, String(e.args?.['name'])]));
    const processes = parsed.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name');
    expect(processes.map((e) => e.args?.['name'])).toEqual(run.paths.map((path) => `${path.strategy} (${path.outcome})`));
    for (const event of parsed.traceEvents.filter((e) => e.ph !== 'M')) expect(names.has(`${event.pid}/${event.tid}`), `${event.name} on ${event.pid}/${event.tid}`).toBe(true);
  });

  it('has one thread per instance and burst, and puts modeled steps only on threads named virtual time', () => {
    const threadNames = new Map(parsed.traceEvents.filter((e) => e.name === 'thread_name').map((e) => [`${e.pid}/${e.tid}`, String(e.args?.['name'])]));
    const instances = run.paths.reduce((sum, path) => sum + path.repetitions.reduce((s, rep) => s + rep.bursts.reduce((b, burst) => b + burst.instances.length, 0), 0), 0);
    const instanceThreads = [...threadNames.values()].filter((name) => name.includes('· instance') && !name.includes(MODELED_THREAD_SUFFIX));
    expect(instanceThreads).toHaveLength(instances);
    for (const event of parsed.traceEvents.filter((e) => e.ph === 'X')) {
      const modeledThread = threadNames.get(`${event.pid}/${event.tid}`)?.includes('virtual time') === true;
      expect(event.cat === 'modeled', `${event.name} on ${threadNames.get(`${event.pid}/${event.tid}`)}`).toBe(modeledThread);
    }
  });

  it('nests slices properly on every thread (Perfetto drops slices that partly overlap)', () => {
    const byThread = new Map<string, Array<{ ts: number; end: number; name: string }>>();
    for (const e of parsed.traceEvents.filter((event) => event.ph === 'X')) {
      const key = `${e.pid}/${e.tid}`;
      byThread.set(key, [...(byThread.get(key) ?? []), { ts: e.ts, end: e.ts + (e.dur ?? 0), name: e.name }]);
    }
    for (const [thread, slices] of byThread) {
      slices.sort((a, b) => a.ts - b.ts || b.end - a.end);
      for (let i = 1; i < slices.length; i++) {
        const previous = slices[i - 1];
        const slice = slices[i];
        if (previous === undefined || slice === undefined) continue;
        const nested = slice.end <= previous.end;
        expect(slice.ts >= previous.end || nested, `${thread}: ${slice.name} overlaps ${previous.name}`).toBe(true);
      }
    }
  });
});

describe('trace.json timing', () => {
  it('lays each instance out on the monotonic clock, queueing as the gaps, summing to its total', () => {
    const run = loadRun('run-small');
    const burst = run.paths[0]?.repetitions[0]?.bursts[0];
    const instance = burst?.instances[0];
    const events = traceFile(run).traceEvents.filter((e) => e.ph === 'X' && e.pid === 1 && e.tid === 2);
    expect(events[0]).toMatchObject({ name: 'queued', ts: burst?.t0Us, dur: 542 });
    expect(events.reduce((sum, e) => sum + (e.dur ?? 0), 0)).toBe(instance?.spans.find((s) => s.phase === 'first-response')?.endUs);
  });

  it('places throttled modeled calls after their wait for an API token', () => {
    const events = traceFile(runWithEniFailures()).traceEvents.filter((e) => e.cat === 'modeled' && e.ts >= 1_300_000_000);
    const waits = events.filter((e) => e.name.includes('waiting for an API token'));
    expect(waits.length).toBeGreaterThan(0);
    const wait = waits[0];
    const call = events.find((e) => e.tid === wait?.tid && e.ts === (wait?.ts ?? 0) + (wait?.dur ?? 0));
    expect(call?.name).toMatch(/\(modeled\)$/);
  });

  it('marks failed instances with an instant event carrying the reason', () => {
    const failures = traceFile(runWithEniFailures()).traceEvents.filter((e) => e.ph === 'i');
    expect(failures.map((e) => e.args?.['reason'])).toEqual(['eni-quota', 'eni-quota', 'subnet-exhausted']);
  });
});
