/**
 * How experiment figures read in a report, shared by every experiment's
 * report: durations in ms, latency percentiles from a histogram, request
 * tallies, and the responses-over-time chart.
 */
import { decodeHistogram } from '../metrics/histogram.js';
import { VEGA_LITE_SCHEMA } from '../report-data.js';
import type { ErrorTally, Timeline } from './types.js';

/** µs → "12.3 ms" (or "–"). */
export function ms(us: number | null | undefined): string {
  if (us === null || us === undefined) return '–';
  const value = us / 1000;
  return `${Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10} ms`;
}

/** A percentile of a compressed histogram (µs below 1 ms), or "–" when it is empty. */
export function percentileText(histogram: string | undefined, percentile: number): string {
  if (histogram === undefined || histogram === '') return '–';
  const h = decodeHistogram(histogram);
  if (h.totalCount === 0) return '–';
  const us = h.getValueAtPercentile(percentile);
  return us >= 1000 ? ms(us) : `${us} µs`;
}

export function tallyText(t: ErrorTally): string {
  return `${t.ok} ok / ${t.requests}${t.failed > 0 ? `, ${t.failed} failed (${errorsText(t.errors)})` : ''}`;
}

export function errorsText(errors: Record<string, number>): string {
  const entries = Object.entries(errors);
  return entries.length === 0 ? '–' : entries.map(([kind, n]) => `${kind} ${n}`).join(', ');
}

export const round1 = (value: number): number => Math.round(value * 10) / 10;

/** Successful and failed responses per bucket, with labelled instants (a fault, a stage) marked. */
export function timelineSpec(t: Timeline, axis: string, unitUs: number, marks: ReadonlyArray<{ at: number; label: string }>): object {
  const values = t.ok.flatMap((ok, i) => {
    const at = (t.startUs + i * t.bucketUs) / unitUs;
    return [
      { t: at, outcome: 'ok', count: ok },
      { t: at, outcome: 'failed', count: t.failed[i] ?? 0 },
    ];
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    width: 640,
    height: 220,
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: axis },
          y: { field: 'count', type: 'quantitative', title: 'responses per bucket' },
          color: { field: 'outcome', type: 'nominal', scale: { domain: ['ok', 'failed'], range: ['#2b7bba', '#d62728'] } },
        },
      },
      ...(marks.length === 0
        ? []
        : [
            {
              data: { values: marks.map((m) => ({ t: m.at, label: m.label })) },
              layer: [
                { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' } } },
                { mark: { type: 'text', align: 'left', dx: 3, dy: -90, fontSize: 10 }, encoding: { x: { field: 't', type: 'quantitative' }, text: { field: 'label' } } },
              ],
            },
          ]),
    ],
  };
}
