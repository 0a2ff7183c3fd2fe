/**
 * Warm-path measurements: every live instance's probe runs the same workload
 * at the same time; their histograms merge without loss.
 */
import { ColdpathError } from '../errors.js';
import { CONNECT_PHASES } from '../metrics/connect-phases.js';
import { decodeHistogram, encodeHistogram, mergeEncoded, mergeMeasurements, summarize } from '../metrics/histogram.js';
import type { MeasureResultEvent, MeasureSpec } from '../probes/protocol.js';
import type { SteadyStateSpec } from '../probes/warmup.js';
import type { WarmResult } from '../results/types.js';
import { REAL_SERVERS, realServerKindOf } from '../scenario/real-servers.js';
import type { WarmMetric } from '../scenario/schema.js';
import type { Strategy, Target } from '../strategies/types.js';
import type { EngineContext } from './context.js';
import type { LiveInstance } from './instance.js';
import type { RealServer } from './real-servers/types.js';

/**
 * `server`: the target's real server (services[0] of a kind other than
 * builtin), for that kind's metrics: its port, and what its clients need
 * (password, key, certificate).
 */
export async function measureWarm(ctx: EngineContext, strategy: Strategy, target: Target, instances: readonly LiveInstance[], repetition: number, server?: RealServer): Promise<WarmResult[]> {
  const { workload } = ctx.scenario;
  const steady = steadySpec(ctx);
  const probes = instances.flatMap((instance) => (instance.probe === undefined ? [] : [instance.probe]));
  const results: WarmResult[] = [];
  for (const metric of workload.metrics) {
    if (ctx.signal.aborted) break;
    ctx.events.emit({ type: 'warm-start', strategy: strategy.name, repetition, metric });
    // A real server's metric goes to that server's port, with what its client needs; the others to the built-in server.
    const kind = realServerKindOf(metric);
    const via = kind === undefined ? undefined : server;
    if (kind !== undefined && via?.kind !== kind) {
      const rules = REAL_SERVERS[kind];
      throw new ColdpathError(`${metric}: ${target.serviceName} runs no ${rules.title} server`, { kind: 'runtime', hint: `${rules.metrics} metrics need services.0.kind: ${kind}` });
    }
    const spec: MeasureSpec = {
      metric,
      host: target.address,
      port: via !== undefined ? via.port : metric === 'echo' ? target.echoPort : target.httpPort,
      ...via?.requestSpec(),
      requests: workload.requests,
      warmup: workload.warmup,
      ...(steady === undefined ? {} : { steady }),
      concurrency: workload.concurrency,
      loop: workload.loop,
      ...(workload.rate === undefined ? {} : { rate: workload.rate }),
      timeoutMs: workload.timeoutMs,
    };
    const onAbort = (): void => {
      for (const probe of probes) probe.abort();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let events: MeasureResultEvent[];
    try {
      events = await Promise.all(probes.map((probe) => probe.measure(spec, answerTimeoutMs(spec))));
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    const result = merge(metric, events, spec, probes.length);
    results.push(result);
    const summary = summarize(decodeHistogram(result.histogram));
    const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
    const warmup = result.warmup ?? [];
    ctx.events.emit({
      type: 'warm-done',
      strategy: strategy.name,
      repetition,
      metric,
      p50Us: summary.p50,
      p99Us: summary.p99,
      errors,
      warmupRequests: Math.max(0, ...warmup.map((record) => record.requests)),
      converged: warmup.every((record) => record.mode === 'fixed' || record.converged),
    });
  }
  return results;
}

/** The scenario's steady-state criterion, or undefined for a fixed warm-up count. */
export function steadySpec(ctx: EngineContext): SteadyStateSpec | undefined {
  const { enabled, window, windows, tolerance, timeLimitMs } = ctx.scenario.workload.steadyState;
  return enabled ? { window, windows, tolerance, timeLimitMs } : undefined;
}

/** Worst case: every request times out one after the other, plus slack for start-up. */
function answerTimeoutMs(spec: MeasureSpec): number {
  const requests = spec.requests + spec.warmup;
  const byRate = spec.rate === undefined ? 0 : (requests / spec.rate) * 1000;
  return Math.min(3_600_000, byRate + (spec.steady?.timeLimitMs ?? 0) + (requests * spec.timeoutMs) / spec.concurrency + 60_000);
}

function merge(metric: WarmMetric, events: readonly MeasureResultEvent[], spec: MeasureSpec, instances: number): WarmResult {
  const errors: Record<string, number> = {};
  for (const event of events) {
    for (const [kind, count] of Object.entries(event.errors)) errors[kind] = (errors[kind] ?? 0) + count;
  }
  const merged = mergeMeasurements(events);
  const outcome = events.some((event) => event.outcome === 'errored') ? 'errored' : events.some((event) => event.outcome === 'aborted') ? 'aborted' : 'completed';
  const message = events.find((event) => event.message !== undefined)?.message;
  // The connection set-up's phases (pg.connect, redis.connect), merged like the total.
  const phases: WarmResult['phases'] = {};
  for (const phase of CONNECT_PHASES) {
    const encoded = events.flatMap((event) => (event.phases?.[phase] === undefined ? [] : [event.phases[phase]]));
    if (encoded.length > 0) phases[phase] = encodeHistogram(mergeEncoded('latency', encoded));
  }
  return {
    metric,
    outcome,
    ...(message === undefined ? {} : { message }),
    ...merged,
    ...(Object.keys(phases).length === 0 ? {} : { phases }),
    errors,
    instances,
    durationUs: Math.max(0, ...events.map((event) => event.durationUs)),
    warmup: events.map((event) => event.warmup),
    requested: {
      requests: spec.requests,
      warmup: spec.warmup,
      ...(spec.steady === undefined ? {} : { steady: spec.steady }),
      concurrency: spec.concurrency,
      loop: spec.loop,
      ...(spec.rate === undefined ? {} : { rate: spec.rate }),
    },
  };
}
