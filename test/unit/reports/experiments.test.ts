/** Experiment sections render from run.json alone, as data placed by every renderer; a run without experiments (old files are migrated to `[]`) renders nothing. */
import { describe, expect, it } from 'vitest';
import * as vl from 'vega-lite';
import { ms } from '../../../src/experiments/report-format.js';
import { experimentSections, experimentsCsv } from '../../../src/reports/experiments.js';
import { markdownReport } from '../../../src/reports/markdown.js';
import type { ExperimentResult } from '../../../src/experiments/types.js';
import { createHistogram, encodeHistogram, recordMicros } from '../../../src/metrics/histogram.js';
import { readRun } from '../../../src/results/store.js';

const base = readRun(new URL('../../fixtures/run-small/run.json', import.meta.url).pathname);

function histogram(values: number[]): string {
  const h = createHistogram('latency');
  for (const v of values) recordMicros(h, v);
  return encodeHistogram(h);
}

const timeline = { startUs: -100_000, bucketUs: 50_000, ok: [10, 10, 0, 3, 10, 10], failed: [0, 0, 1, 0, 0, 0] };
const tally = { requests: 45, ok: 43, failed: 2, errors: { timeout: 2 } };

const experiments: ExperimentResult[] = [
  {
    kind: 'failover',
    name: 'crash',
    outcome: 'completed',
    durationMs: 5000,
    notes: ['a note'],
    config: {
      mode: 'crash',
      advertIntervalMs: 10,
      priorities: { active: 200, standby: 100 },
      vips: { platform: '198.18.0.63', user: '198.19.0.12' },
      tunnel: 'vxlan',
      keepalived: 'keepalived',
      standbyDown: false,
    },
    measured: {
      faultAtUs: 1,
      verdict: 'moved',
      bound: { advertIntervalUs: 10_000, skewUs: 6094, masterDownUs: 36_094 },
      vipOnStandbyUs: { platform: 34_300, user: 34_400 },
      vipOffActiveUs: { platform: null, user: null },
      duplicateVipUs: null,
      resumedUs: 45_200,
      gapUs: 37_800,
      gapWindowUs: [7400, 45_200],
      tally,
      streams: [
        {
          metric: 'keepalive',
          rate: 200,
          concurrency: 4,
          instance: 'fh0-c2',
          ...tally,
          histogram: histogram([80, 90, 2000]),
          gapUs: 213_000,
          connections: { atFault: 4, survived: 4, lost: 0, openedAfter: 0 },
        },
      ],
      timeline,
      transitions: [{ node: 'px1', role: 'standby', instance: 'plat', state: 'MASTER', atUs: 34_100 }],
      sources: { '198.19.0.12': 219 },
      unsolicitedDropped: 1,
    },
  },
  { kind: 'mtu', name: 'mtu', outcome: 'failed', message: 'broke', hint: 'fix it', durationMs: 1, notes: [] },
  {
    kind: 'scaling',
    name: 'pool',
    outcome: 'completed',
    durationMs: 1,
    notes: [],
    measured: {
      events: [{ atUs: 3_400_000, action: 'scale-out', proxy: 'px1', metric: 127, desired: 2, serving: 1, waitedUs: 0, provisionUs: 53_000, reactionUs: 75_000 }],
      proxiesOverTime: [
        [0, 1, 0],
        [3_500_000, 2, 0],
      ],
      metricOverTime: [
        [0, 40],
        [3_500_000, 250],
      ],
      reactionUs: [75_000],
      modeledEniUs: 5_000_000,
      tally,
      histogram: histogram([1000, 2000]),
      timeline,
      atMax: null,
      peakProxies: 2,
      stageStartsUs: [0, 3_000_000],
    },
  },
];

describe('experiments report', () => {
  it('renders nothing for a run without experiments (the fixture predates them: readRun migrates it to [])', () => {
    expect(base.experiments).toEqual([]);
    expect(markdownReport(base)).not.toContain('Proxy operations');
    expect(experimentSections(base)).toEqual([]);
    expect(experimentsCsv(base).size).toBe(0);
  });

  it('a section per experiment with its figures', () => {
    const text = markdownReport({ ...base, experiments });
    expect(text).toMatch(/\n## Proxy operations\n/);
    expect(text).toContain('### failover: crash — completed');
    expect(text).toContain('| VRRP bound (3 × advert\\_int + skew) | 36.1 ms (skew 6.1 ms) |');
    expect(text).toContain('| gap without a successful response | 37.8 ms (7.4 ms → 45.2 ms) |');
    expect(text).toContain('4 → 4 / 0 / 0');
    expect(text).toContain('### mtu: mtu — failed\n\n> broke (hint: fix it)');
    expect(text).toContain('| reaction times (crossing → first flow on the new proxy) | 75 ms |');
    expect(text).toContain('- a note');
  });

  it('vega-lite specs that compile', () => {
    const charts = experimentSections({ ...base, experiments }).flatMap((section) => section.charts);
    expect(charts.map((c) => c.title)).toEqual(['crash: responses per 50 ms around the failover (crash)', 'pool: proxies and load over time', 'pool: responses over time while the pool scales']);
    for (const chart of charts) expect(() => vl.compile(chart.spec as vl.TopLevelSpec)).not.toThrow();
  });

  it('experiments.csv holds every table cell in long form', () => {
    const csv = experimentsCsv({ ...base, experiments }).get('experiments.csv') ?? '';
    expect(csv.split('\n')[0]).toBe('experiment,table,row,column,value');
    expect(csv).toContain('failover: crash,crash: the failover,2,value,36.1 ms (skew 6.1 ms)');
    expect(csv).toContain('scaling: pool,pool: controller actions,1,reaction,75 ms');
  });

  it('formats durations', () => {
    expect(ms(null)).toBe('–');
    expect(ms(1234)).toBe('1.2 ms');
    expect(ms(361_000)).toBe('361 ms');
  });
});
