/**
 * Vega-Lite specifications of every chart in report.html, built from the
 * rows of chart-data.ts. Pure data in, pure data out: tests inspect the specs
 * without rendering. Modeled control-plane time never shares an axis with
 * measured time, and its bars carry a hatch fill and the word "modeled".
 */
import { VEGA_LITE_SCHEMA as SCHEMA } from '../report-data.js';
import type { TopLevelSpec } from 'vega-lite';
import { formatMicros } from '../format.js';
import { MODELED_PHASES } from '../model/profiles.js';
import { TIMELINE_PHASES } from '../results/types.js';
import { STRATEGIES, type StrategyName, type WarmMetric } from '../scenario/schema.js';
import { THROTTLE_SEGMENT, type BurstPoint, type ChartData, type FailurePoint, type LatencyPoint, type PhaseSegment, type ResourcePoint } from './chart-data.js';
import { HATCH_FILL } from './hatch.js';
import { KERNEL_LABELS, RESOURCE_LABELS } from './tables.js';

export type ChartSection = 'cold-start' | 'bursts' | 'warm' | 'resources';

export interface ChartSpec {
  /** Stable id, used for the figure's HTML id. */
  id: string;
  section: ChartSection;
  title: string;
  /** How to read the chart, one or two sentences of plain text. */
  caption: string;
  spec: TopLevelSpec;
}

const WIDTH = 520;

/** One colour per path in every chart (Okabe–Ito: readable with colour-vision deficiencies). */
export const PATH_COLORS: Record<StrategyName, string> = { baseline: '#7f7f7f', eni: '#e69f00', peering: '#0072b2', 'gre-proxy': '#009e73' };

/** One per phase of TIMELINE_PHASES, in its order (the CNI ADD a darker blue than the container link it replaces, the OCI runtime's phases in purples, a real server's first request in oranges to browns; a panel keeps only the phases it shows). */
const MEASURED_COLORS = ['#d9d9d9', '#9ecae1', '#3182bd', '#08519c', '#31a354', '#dadaeb', '#9e9ac8', '#fdd0a2', '#fff7bc', '#e6550d', '#fd8d3c', '#d94801', '#7f2704', '#a63603'];
const MODELED_SEGMENTS = [THROTTLE_SEGMENT, ...MODELED_PHASES];
const MODELED_COLORS = ['#e7298a', '#bcbddc', '#807dba', '#c7e9c0', '#74c476', '#238b45', '#fdae6b'];

const CONFIG = {
  font: 'sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal' as const },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 12, anchor: 'start' as const, fontWeight: 'normal' as const },
};

/** Axis labels of a 1/(1-p) scale, back in percent: 10 → 90%, 1000 → 99.9%. */
const PERCENTILE_LABEL = "datum.value <= 1 ? '0%' : format(100 - 100 / datum.value, '.6~r') + '%'";

/** Colour by path; only the paths that have points get a legend entry, each keeps its colour. */
function pathColor(points: ReadonlyArray<{ path: StrategyName }>) {
  const domain = STRATEGIES.filter((name) => points.some((point) => point.path === name));
  return { field: 'path', type: 'nominal' as const, title: 'path', scale: { domain, range: domain.map((name) => PATH_COLORS[name]) } };
}

export function chartSpecs(data: ChartData): ChartSpec[] {
  const charts: ChartSpec[] = [];
  if (data.measuredPhases.length > 0 || data.modeledPhases.length > 0) {
    charts.push({
      id: 'phases',
      section: 'cold-start',
      title: 'Cold start per path: the path, the harness and the modeled control plane, each on its own axis',
      caption:
        'Mean time per phase over every successful instance (means add up; percentiles would not). Top: the per-instance cold path, what the path costs. ' +
        'Middle: the harness, the same on every path (instances waiting for each other in a burst, the function runtime starting). ' +
        'Bottom, hatched: MODELED control-plane time in virtual time, never slept and never added to the measured bars.',
      spec: phasesSpec(data.paths, data.measuredPhases, data.modeledPhases, data.harnessPhases),
    });
  }
  if (data.burstTotals.length > 0) {
    charts.push({
      id: 'burst-coldstart',
      section: 'bursts',
      title: 'Cold path per instance vs burst size',
      caption: 'p50 (solid) and p99 (dashed) of the network phases per instance, K instances started at once, repetitions merged.',
      spec: burstSpec(data.burstTotals, 'measured cold path'),
    });
  }
  if (data.burstModeled.length > 0) {
    charts.push({
      id: 'burst-modeled',
      section: 'bursts',
      title: 'MODELED control-plane time vs burst size (virtual time)',
      caption: 'p50 (solid) and p99 (dashed) of the modeled control-plane time per instance, API throttling included. Virtual time: not part of the measured cold start.',
      spec: burstSpec(data.burstModeled, 'modeled control plane (virtual time)'),
    });
  }
  if (data.failures.length > 0) {
    charts.push({
      id: 'burst-failures',
      section: 'bursts',
      title: 'Failed instances vs burst size',
      caption: 'Instances that could not start, by reason (e.g. ENI quota, user-subnet exhaustion), repetitions summed.',
      spec: failuresSpec(data.failures, data.burstSizes),
    });
  }
  for (const [metric, points] of Object.entries(data.latency) as Array<[WarmMetric, LatencyPoint[]]>) {
    charts.push({
      id: `latency-${metric}`,
      section: 'warm',
      title: `${metric}: latency by percentile`,
      caption: 'HDR-style: x is the percentile on a log scale of 1/(1-p), so each step right is ten times rarer; y is latency in µs. The last point of each line is the maximum.',
      spec: latencySpec(metric, points),
    });
  }
  if (data.resources.length > 0) {
    charts.push({
      id: 'resources',
      section: 'resources',
      title: 'Resources held vs instances alive',
      caption: 'What each path holds at the end of each burst size (last repetition), counted from the kernel (older runs: from the plan, marked so); one panel per resource, each with its own scale.',
      spec: resourcesSpec(data.resources),
    });
  }
  return charts;
}

export function latencySpec(metric: WarmMetric, points: readonly LatencyPoint[]): TopLevelSpec {
  const maxX = Math.max(10, ...points.map((point) => point.inverseTail));
  const ticks = [1, 2, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].filter((tick) => tick <= maxX);
  const openLoop = points.some((point) => point.series === 'uncorrected');
  return {
    $schema: SCHEMA,
    config: CONFIG,
    width: WIDTH,
    height: 240,
    data: { values: [...points] },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'inverseTail', type: 'quantitative', title: 'percentile', scale: { type: 'log', domain: [1, maxX] }, axis: { values: ticks, labelExpr: PERCENTILE_LABEL } },
      y: { field: 'latencyUs', type: 'quantitative', title: `${metric} latency (µs)` },
      color: pathColor(points),
      ...(openLoop
        ? {
            strokeDash: {
              field: 'series',
              type: 'nominal',
              title: 'open loop',
              scale: {
                domain: ['corrected', 'uncorrected'],
                range: [
                  [1, 0],
                  [4, 3],
                ],
              },
            },
          }
        : {}),
    },
  };
}

export function phasesSpec(paths: readonly StrategyName[], measured: readonly PhaseSegment[], modeled: readonly PhaseSegment[], harness: readonly PhaseSegment[] = []): TopLevelSpec {
  const panels = [
    ...(measured.length > 0
      ? [
          phasePanel(measured, {
            title: 'cold path per instance (measured, wall clock): mean per phase',
            axis: 'mean (wall clock)',
            legend: 'measured phase',
            label: 'mean',
            colors: MEASURED_COLORS,
            domain: TIMELINE_PHASES,
            hatched: false,
          }),
        ]
      : []),
    ...(harness.length > 0
      ? [
          phasePanel(harness, {
            title: 'the harness, shown apart: waiting in a burst and starting the runtime (measured)',
            axis: 'mean (wall clock)',
            legend: 'harness phase',
            label: 'mean',
            colors: MEASURED_COLORS,
            domain: TIMELINE_PHASES,
            hatched: false,
          }),
        ]
      : []),
    ...(modeled.length > 0
      ? [
          phasePanel(modeled, {
            title: 'MODELED control plane (virtual time, never added to the measured bars)',
            axis: 'mean of VIRTUAL time (modeled, not slept)',
            legend: 'modeled step',
            label: 'modeled',
            colors: MODELED_COLORS,
            domain: MODELED_SEGMENTS,
            hatched: true,
          }),
        ]
      : []),
  ];
  return {
    $schema: SCHEMA,
    config: CONFIG,
    description: `cold-start phases of ${paths.join(', ')}`,
    vconcat: panels,
    spacing: 24,
    resolve: { scale: { x: 'independent', color: 'independent' }, legend: { color: 'independent' } },
  };
}

/** The unit a person reads for values up to `maxUs`: µs, ms or s. */
export function readableUnit(maxUs: number): { name: 'µs' | 'ms' | 's'; divisor: number } {
  if (maxUs >= 2_000_000) return { name: 's', divisor: 1_000_000 };
  if (maxUs >= 2_000) return { name: 'ms', divisor: 1_000 };
  return { name: 'µs', divisor: 1 };
}

interface PanelStyle {
  title: string;
  axis: string;
  legend: string;
  /** Word before each bar's total, e.g. `mean 387ms`, `modeled 4.84s`. */
  label: string;
  colors: readonly string[];
  domain: readonly string[];
  /** Overlay the hatch pattern (modeled time). */
  hatched: boolean;
}

/** One panel of stacked bars, one bar per row, with its total written after it. */
function phasePanel(segments: readonly PhaseSegment[], style: PanelStyle) {
  const rows = [...new Set(segments.map((segment) => segment.row))];
  // Only what occurs gets a colour and a legend entry; colours stay tied to their name.
  const present = style.domain.map((name, i) => ({ name, color: style.colors[i] ?? '#999' })).filter((entry) => segments.some((segment) => segment.segment === entry.name));
  const totals = rows.map((row) => {
    const totalUs = segments.filter((segment) => segment.row === row).reduce((sum, segment) => sum + segment.meanUs, 0);
    return { row, totalUs, label: `${style.label} ${formatMicros(totalUs)}` };
  });
  const longest = Math.max(1, ...totals.map((total) => total.totalUs));
  const unit = readableUnit(longest);
  // Room after the longest bar for its label.
  const domainMax = (longest * 1.25) / unit.divisor;
  const y = { field: 'row', type: 'nominal' as const, title: null, sort: rows, axis: { labelLimit: 240 } };
  const x = { field: 'value', type: 'quantitative' as const, stack: 'zero' as const, title: `${style.axis} (${unit.name})`, scale: { domain: [0, domainMax] } };
  const order = { field: 'order', type: 'quantitative' as const };
  const values = segments.map((segment) => ({ ...segment, value: segment.meanUs / unit.divisor }));
  return {
    title: style.title,
    width: WIDTH,
    height: { step: 22 },
    layer: [
      {
        data: { values },
        mark: { type: 'bar' as const },
        encoding: { y, x, order, color: { field: 'segment', type: 'nominal' as const, title: style.legend, scale: { domain: present.map((p) => p.name), range: present.map((p) => p.color) } } },
      },
      ...(style.hatched
        ? [
            {
              // The same stacked bars again, filled with the hatch pattern, so modeled time reads as such even printed in grey.
              data: { values },
              mark: { type: 'bar' as const, fill: HATCH_FILL, stroke: '#444', strokeWidth: 0.6, strokeDash: [3, 2] },
              encoding: { y, x, order, detail: { field: 'segment', type: 'nominal' as const } },
            },
          ]
        : []),
      {
        data: { values: totals.map((total) => ({ ...total, value: total.totalUs / unit.divisor })) },
        mark: { type: 'text' as const, align: 'left' as const, dx: 4, fontSize: 11, fontStyle: style.hatched ? 'italic' : 'normal' },
        encoding: { y, x: { field: 'value', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
      },
    ],
  };
}

export function burstSpec(points: readonly BurstPoint[], yTitle: string): TopLevelSpec {
  const unit = readableUnit(Math.max(1, ...points.map((point) => point.us)));
  return {
    $schema: SCHEMA,
    config: CONFIG,
    width: WIDTH,
    height: 220,
    data: { values: points.map((point) => ({ ...point, value: point.us / unit.divisor })) },
    mark: { type: 'line', point: true, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'size', type: 'ordinal', title: 'burst size K (instances started at once)', sort: 'ascending', axis: { labelAngle: 0 } },
      y: { field: 'value', type: 'quantitative', title: `${yTitle} (${unit.name})` },
      color: pathColor(points),
      strokeDash: {
        field: 'stat',
        type: 'nominal',
        title: 'percentile',
        scale: {
          domain: ['p50', 'p99'],
          range: [
            [1, 0],
            [5, 3],
          ],
        },
        legend: { symbolType: 'stroke' },
      },
    },
  };
}

/** `sizes`: every burst size run, so the sizes without failures show as empty slots before the first one. */
export function failuresSpec(points: readonly FailurePoint[], sizes: readonly number[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values: [...points] },
    mark: { type: 'bar' },
    width: 160,
    height: 160,
    encoding: {
      column: { field: 'path', type: 'nominal', title: null },
      x: { field: 'size', type: 'ordinal', title: 'burst size K', scale: { domain: [...sizes] }, axis: { labelAngle: 0 } },
      y: { field: 'count', type: 'quantitative', title: 'failed instances', stack: 'zero' },
      color: { field: 'reason', type: 'nominal', title: 'reason' },
    },
  };
}

export function resourcesSpec(points: readonly ResourcePoint[]): TopLevelSpec {
  const labels = [...Object.values(KERNEL_LABELS), ...Object.values(RESOURCE_LABELS).map((label) => `${label} (plan)`), RESOURCE_LABELS.conntrackEntries];
  const order = labels.filter((label) => points.some((point) => point.resource === label));
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values: [...points] },
    facet: { field: 'resource', type: 'nominal', title: null, sort: order },
    columns: 4,
    spec: {
      width: 150,
      height: 110,
      mark: { type: 'line', point: true, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'instances', type: 'quantitative', title: 'instances alive', axis: { format: ',d', tickMinStep: 1 } },
        y: { field: 'count', type: 'quantitative', title: null, axis: { format: ',d', tickMinStep: 1 } },
        color: pathColor(points),
      },
    },
    // Own axes per panel: with a wrapped facet, shared axes would be drawn under empty cells too.
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
  };
}
