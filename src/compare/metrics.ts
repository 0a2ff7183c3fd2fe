/**
 * The names of what `compare` can judge, as text (`keepalive.p99`,
 * `failures.rate`) and as data. One place, so that the threshold parser,
 * the extraction and every renderer agree on spelling and kind.
 */
import { METRICS, type WarmMetric } from '../scenario/schema.js';

/**
 * Latency series: the cold path (bursts' `network` histograms: the per-instance
 * network phases, what a path costs), cold start (bursts' `total`: burst start
 * to first response, queueing and runtime start included), each warm metric.
 */
export type LatencySeries = 'coldpath' | 'coldstart' | WarmMetric;
export const LATENCY_SERIES: readonly LatencySeries[] = ['coldpath', 'coldstart', ...METRICS];
/**
 * Judged by default: the cold path, not cold start — queueing and the runtime's
 * start are the harness, the same on every path, and move run to run with the
 * machine's load (`coldstart.*` stays available to `-t` rules).
 */
export const DEFAULT_SERIES: readonly LatencySeries[] = ['coldpath', ...METRICS];

/** Percentiles a latency metric can be judged on (p99.9 and max are never gated: ms spikes on every tool). */
export const PERCENTILES = { p50: 50, p90: 90, p99: 99 } as const;
export type PercentileName = keyof typeof PERCENTILES;

/** Event series: cold-start instance failures, warm request errors. */
export type EventSeries = 'failures' | 'errors';
export const EVENT_SERIES: readonly EventSeries[] = ['failures', 'errors'];

export type MetricId = { kind: 'latency'; series: LatencySeries; percentile: PercentileName } | { kind: 'rate'; series: EventSeries } | { kind: 'count'; series: EventSeries };

/** Judged for every path present in both runs (warm series only when measured in both). */
export const DEFAULT_METRICS: readonly MetricId[] = [
  ...DEFAULT_SERIES.flatMap((series): MetricId[] => [
    { kind: 'latency', series, percentile: 'p50' },
    { kind: 'latency', series, percentile: 'p99' },
  ]),
  { kind: 'rate', series: 'failures' },
  { kind: 'rate', series: 'errors' },
];

export function metricName(metric: MetricId): string {
  switch (metric.kind) {
    case 'latency':
      return `${metric.series}.${metric.percentile}`;
    case 'rate':
      return `${metric.series}.rate`;
    case 'count':
      return `${metric.series}.count`;
  }
}

export function parseMetricName(text: string): MetricId | undefined {
  const dot = text.lastIndexOf('.');
  if (dot < 0) return undefined;
  const series = text.slice(0, dot);
  const stat = text.slice(dot + 1);
  if ((LATENCY_SERIES as readonly string[]).includes(series) && stat in PERCENTILES) {
    return { kind: 'latency', series: series as LatencySeries, percentile: stat as PercentileName };
  }
  if ((EVENT_SERIES as readonly string[]).includes(series) && (stat === 'rate' || stat === 'count')) {
    return { kind: stat, series: series as EventSeries };
  }
  return undefined;
}

export const sameMetric = (a: MetricId, b: MetricId): boolean => metricName(a) === metricName(b);
