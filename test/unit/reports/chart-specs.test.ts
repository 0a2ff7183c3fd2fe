import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { createHistogram, recordMicros } from '../../../src/metrics/histogram.js';
import { chartData, type PhaseSegment } from '../../../src/reports/chart-data.js';
import { chartSpecs, PATH_COLORS } from '../../../src/reports/chart-specs.js';
import { HATCH_FILL, HATCH_ID } from '../../../src/reports/hatch.js';
import { percentileCurve } from '../../../src/reports/percentile-curve.js';
import { renderSvg } from '../../../src/reports/render-svg.js';
import { loadRun, runWithEniFailures } from './helpers.js';

/** Compiles a spec, collecting Vega-Lite's warnings instead of printing them. */
function compileWarnings(spec: TopLevelSpec): string[] {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    error: (...args: unknown[]) => {
      warnings.push(`error: ${args.join(' ')}`);
      return logger;
    },
    warn: (...args: unknown[]) => {
      warnings.push(args.join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  compile(spec, { logger });
  return warnings;
}

type Panel = { title: string; layer: Array<{ mark: { type: string; fill?: string }; data: { values: PhaseSegment[] }; encoding: { x?: { title?: string } } }> };

describe('chart specs', () => {
  const small = chartSpecs(chartData(loadRun('run-small')));

  it('has one chart per concern, in report order', () => {
    expect(small.map((chart) => chart.id)).toEqual(['phases', 'burst-coldstart', 'burst-modeled', 'latency-connect', 'latency-keepalive', 'latency-newconn', 'latency-echo', 'resources']);
    expect(chartSpecs(chartData(runWithEniFailures())).map((chart) => chart.id)).toContain('burst-failures');
    expect(chartSpecs(chartData(loadRun('run-aborted'))).filter((chart) => chart.id.startsWith('latency-'))).toHaveLength(4);
  });

  it.each(['run-small', 'run-aborted', 'failures'] as const)('compile without Vega-Lite warnings (%s)', (name) => {
    const run = name === 'failures' ? runWithEniFailures() : loadRun(name);
    for (const chart of chartSpecs(chartData(run))) expect(compileWarnings(chart.spec), chart.id).toEqual([]);
  });

  it('keeps modeled time out of the measured bars, on its own hatched, labelled panel and axis', () => {
    const spec = small.find((chart) => chart.id === 'phases')?.spec as unknown as { vconcat: Panel[]; resolve: unknown };
    const [measured, harness, modeled] = spec.vconcat;
    expect(harness?.title).toMatch(/^the harness, shown apart/);
    expect(harness?.layer[0]?.data.values.map((segment) => segment.segment)).toEqual(expect.arrayContaining(['queued', 'runtime-start']));
    expect(measured?.layer[0]?.data.values.every((segment) => segment.source === 'measured')).toBe(true);
    expect(measured?.layer.some((layer) => layer.mark.fill === HATCH_FILL)).toBe(false);
    expect(modeled?.title).toMatch(/^MODELED .*virtual time/);
    expect(modeled?.layer[0]?.data.values.every((segment) => segment.source === 'modeled')).toBe(true);
    expect(modeled?.layer[1]?.mark.fill).toBe(HATCH_FILL);
    expect(modeled?.layer[0]?.encoding.x?.title).toMatch(/VIRTUAL/);
    expect(spec.resolve).toMatchObject({ scale: { x: 'independent' } });
    expect(modeled?.layer[0]?.data.values.map((segment) => [segment.row, segment.segment])).toEqual([
      ['eni · per instance', 'eni.create'],
      ['eni · per instance', 'eni.attach'],
      ['peering · once before t0', 'peering.create'],
      ['peering · once before t0', 'peering.accept'],
      ['peering · once before t0', 'peering.routes'],
      ['gre-proxy · once before t0', 'proxy.eni'],
    ]);
  });

  it('draws the cold path apart from the harness, and together their means add up to the mean cold start', () => {
    const run = loadRun('run-small');
    const data = chartData(run);
    expect(data.measuredPhases.map((segment) => segment.segment)).not.toContain('runtime-start');
    const segments = [...data.measuredPhases, ...data.harnessPhases].filter((segment) => segment.path === 'eni');
    const instances = run.paths[1]?.repetitions.flatMap((rep) => rep.bursts.flatMap((burst) => burst.instances)) ?? [];
    const meanTotal = instances.reduce((sum, instance) => sum + (instance.totalUs ?? 0), 0) / instances.length;
    // Histogram means are exact to 0.1 % (3 significant digits).
    expect(segments.reduce((sum, segment) => sum + segment.meanUs, 0) / meanTotal).toBeCloseTo(1, 2);
  });

  it('plots latency HDR-style on a log scale of 1/(1-p), one colour per path', () => {
    const spec = small.find((chart) => chart.id === 'latency-keepalive')?.spec as unknown as {
      encoding: { x: { field: string; scale: { type: string } }; color: { scale: { domain: string[]; range: string[] } } };
      data: { values: Array<{ path: string; inverseTail: number }> };
    };
    expect(spec.encoding.x).toMatchObject({ field: 'inverseTail', scale: { type: 'log' } });
    expect(spec.encoding.color.scale.domain).toEqual(['baseline', 'eni', 'peering', 'gre-proxy']);
    expect(spec.encoding.color.scale.range).toEqual(spec.encoding.color.scale.domain.map((name) => PATH_COLORS[name as keyof typeof PATH_COLORS]));
    expect(Math.max(...spec.data.values.map((point) => point.inverseTail))).toBe(400);
  });
});

describe('percentile curve', () => {
  it('samples evenly in log 1/(1-p) and ends at the maximum', () => {
    const histogram = createHistogram('latency');
    for (let value = 1; value <= 1000; value++) recordMicros(histogram, value);
    const points = percentileCurve(histogram);
    expect(points[0]).toEqual({ percentile: 0, inverseTail: 1, valueUs: 1 });
    expect(points.find((point) => point.inverseTail === 10)).toMatchObject({ percentile: 90, valueUs: 900 });
    expect(points.at(-1)).toEqual({ percentile: 99.9, inverseTail: 1000, valueUs: 1000 });
    for (let i = 1; i < points.length; i++) expect(points[i]?.valueUs).toBeGreaterThanOrEqual(points[i - 1]?.valueUs ?? 0);
    expect(percentileCurve(createHistogram('latency'))).toEqual([]);
  });
});

describe('SVG rendering', () => {
  it('renders in Node with the hatch pattern defined inside the SVG, ids prefixed per chart', async () => {
    const chart = chartSpecs(chartData(loadRun('run-small'))).find((candidate) => candidate.id === 'phases');
    if (chart === undefined) throw new Error('no phases chart');
    const svg = await renderSvg(chart.spec, 'chart-phases');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain(`<pattern id="chart-phases-${HATCH_ID}"`);
    expect(svg).toContain(`fill="url(#chart-phases-${HATCH_ID})"`);
    expect(svg).not.toContain(`url(#${HATCH_ID})`);
    expect(svg).toContain('modeled 4.84s');
    expect(svg).toMatch(/<path[^>]+d="M/);
  });
});
