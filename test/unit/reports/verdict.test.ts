import { describe, expect, it } from 'vitest';
import { pairedDifference } from '../../../src/metrics/paired.js';
import type { PathCost } from '../../../src/results/path-costs.js';
import type { StrategyName } from '../../../src/scenario/schema.js';
import { computeVerdict, runVerdict, type VerdictContext } from '../../../src/reports/verdict.js';
import { verdictLines } from '../../../src/reports/verdict-text.js';
import { burstSummary, figures, loadRun, pathSummary, runWithEniFailures } from './helpers.js';

const context: VerdictContext = {
  eniQuota: 250,
  eniAddresses: 242,
  prewarmModeledUs: {},
  costs: [],
  proxyOverPeering: undefined,
  reference: undefined,
  discipline: {
    orders: [
      ['baseline', 'gre-proxy'],
      ['gre-proxy', 'baseline'],
    ],
    order: 'rotate',
    steady: { converged: 4, total: 4 },
    settles: { completed: 6, total: 6, medianMs: 55 },
    erroredWarm: [],
  },
};
const text = (lines: ReturnType<typeof verdictLines>, topic: string): string => lines.find((line) => line.topic.startsWith(topic))?.text ?? '';
const series = (...values: number[]): Map<number, number> => new Map(values.map((value, repetition) => [repetition, value]));

/** A path cost from per-repetition p50s of both paths. */
function cost(strategy: StrategyName, values: { echo: [number[], number[]]; keepalive?: [number[], number[]]; reference?: [number[], number[]]; coldPath?: [number[], number[]] }): PathCost {
  const d = (pair: [number[], number[]] | undefined) => (pair === undefined ? undefined : pairedDifference(series(...pair[0]), series(...pair[1])));
  const warm: PathCost['warm'] = { echo: d(values.echo)! };
  if (values.keepalive !== undefined) warm.keepalive = d(values.keepalive)!;
  return { strategy, against: 'baseline', warm, coldPath: d(values.coldPath), reference: d(values.reference), agreement: [] };
}

describe('cold-path verdict', () => {
  it('ranks every path by its per-instance cold path and states a difference only where it holds across repetitions', () => {
    const costs = [
      cost('eni', {
        echo: [
          [30, 31, 30],
          [33, 34, 33],
        ],
        coldPath: [
          [10_000, 11_000, 10_500],
          [6_000, 6_500, 6_200],
        ],
      }),
      cost('gre-proxy', {
        echo: [
          [48, 49, 50],
          [33, 34, 33],
        ],
        coldPath: [
          [6_000, 7_500, 5_800],
          [6_000, 6_500, 6_200],
        ],
      }),
    ];
    const verdict = computeVerdict(
      [pathSummary('baseline', { total: 300_000, network: 6_200 }), pathSummary('eni', { total: 310_000, network: 10_500 }), pathSummary('gre-proxy', { total: 290_000, network: 6_400 })],
      { ...context, costs },
    );
    expect(verdict.coldStart?.ranking.map((path) => path.strategy)).toEqual(['baseline', 'gre-proxy', 'eni']);
    const line = text(verdictLines(verdict), 'Cold path per instance');
    expect(line).toMatch(/^baseline 6\.20ms, gre-proxy 6\.40ms, eni 10\.5ms\./);
    expect(line).toContain('eni slower than baseline by +4.27ms (95 % CI');
    expect(line).toContain('gre-proxy: no measurable difference from baseline at this precision');
  });

  it('shows the harness apart: queueing and runtime start never lead', () => {
    const verdict = computeVerdict([pathSummary('baseline', { total: 300_000, network: 6_000 })], context);
    expect(verdict.coldStart?.harness.totalUs).toBe(300_000);
    expect(text(verdictLines(verdict), 'Cold path per instance')).toContain('Shown apart, the same on every path');
    expect(computeVerdict([pathSummary('eni'), pathSummary('peering')], context).coldStart).toBeUndefined();
  });

  it('marks an unfinished path as incomplete', () => {
    const verdict = computeVerdict([pathSummary('eni', { total: 50_000, network: 9_000, outcome: 'aborted' }), pathSummary('peering', { total: 100_000, network: 5_000 })], context);
    expect(text(verdictLines(verdict), 'Cold path per instance')).toContain('eni (incomplete) 9.00ms');
  });
});

describe('cost per request', () => {
  it('states each path cost over baseline with its interval and the reference beside it', () => {
    const costs = [
      cost('gre-proxy', {
        echo: [
          [48, 49, 50],
          [33, 34, 34],
        ],
        keepalive: [
          [89, 88, 84],
          [67, 70, 65],
        ],
        reference: [[34], [20]],
      }),
    ];
    const verdict = computeVerdict([pathSummary('baseline', { warm: { echo: { ...figures({ p50: 34, count: 3000 }), errors: 0, errorKinds: {} } } }), pathSummary('gre-proxy')], { ...context, costs });
    const line = text(verdictLines(verdict), 'Cost per request over baseline');
    expect(line).toContain('gre-proxy: TCP round trip +15µs (95 % CI +14µs to +17µs, 3 repetitions), keep-alive request +20µs (95 % CI');
    expect(line).toContain('sockperf round trip +14µs (1 repetition: no interval)');
  });

  it('says "no measurable difference" when the interval holds zero', () => {
    const proxyOverPeering = cost('gre-proxy', {
      echo: [
        [40, 50, 45],
        [44, 42, 47],
      ],
      keepalive: [
        [80, 95, 70],
        [85, 78, 90],
      ],
    });
    const verdict = computeVerdict([pathSummary('baseline'), pathSummary('gre-proxy')], { ...context, costs: [proxyOverPeering], proxyOverPeering: { ...proxyOverPeering, against: 'peering' } });
    expect(text(verdictLines(verdict), 'Cost per request')).toContain('gre-proxy: no measurable difference from peering at this precision');
  });

  it('flags a path cost the reference disagrees with, and says when there is no reference', () => {
    const disagreeing: PathCost = {
      ...cost('gre-proxy', { echo: [[48], [33]], reference: [[34], [20]] }),
      agreement: [{ metric: 'echo', repetitions: [0], coldpath: 26, reference: 14, bound: 5, ok: false }],
    };
    const lines = verdictLines(
      computeVerdict([pathSummary('baseline'), pathSummary('gre-proxy')], {
        ...context,
        costs: [disagreeing],
        reference: { tool: 'sockperf', version: '3.7', port: 11111, seconds: 1, messageBytes: 64 },
      }),
    );
    expect(text(lines, 'Reference disagrees')).toBe(
      "gre-proxy TCP round trip: coldpath says +26µs, sockperf +14µs over baseline (differ by 12µs; bound 5µs). Treat these costs as the harness's, not the path's, until the difference is explained.",
    );
    const without = verdictLines(
      computeVerdict([pathSummary('baseline'), pathSummary('gre-proxy')], {
        ...context,
        costs: [cost('gre-proxy', { echo: [[48], [33]] })],
        reference: { tool: 'none', reason: 'sockperf is not installed' },
      }),
    );
    expect(text(without, 'Cost per request')).toContain('No reference instrument checked these costs: sockperf is not installed.');
    expect(text(without, 'Reference disagrees')).toBe('');
  });

  it('says why when nothing could be compared', () => {
    const verdict = computeVerdict([pathSummary('baseline'), pathSummary('gre-proxy', { outcome: 'skipped', failure: 'aborted: run interrupted before this path' })], context);
    expect(verdict.costs).toEqual({ kind: 'not-measured', why: 'baseline has no warm requests' });
    const measured = computeVerdict(
      [
        pathSummary('baseline', { warm: { echo: { ...figures({ p50: 30, count: 10 }), errors: 0, errorKinds: {} } } }),
        pathSummary('gre-proxy', { outcome: 'skipped', failure: 'aborted: run interrupted before this path' }),
      ],
      context,
    );
    expect(measured.costs).toEqual({ kind: 'not-measured', why: 'gre-proxy skipped (aborted: run interrupted before this path)' });
  });
});

describe('measurement discipline', () => {
  it('says how the figures were taken: order, steady warm-up, settling', () => {
    const line = text(verdictLines(computeVerdict([pathSummary('baseline')], context)), 'How these figures were taken');
    expect(line).toBe(
      'path order rotate over 2 repetitions (baseline → gre-proxy; gre-proxy → baseline); warm-up reached a steady state in 4 of 4 measurements; the kernel settled between stages in 6 of 6 waits (median 55 ms).',
    );
    const old = computeVerdict([pathSummary('baseline')], {
      ...context,
      discipline: {
        orders: undefined,
        order: undefined,
        steady: { converged: 0, total: 0 },
        settles: { completed: 0, total: 0, medianMs: 0 },
        erroredWarm: [{ strategy: 'peering', repetition: 1, metric: 'keepalive', errors: 21 }],
      },
    });
    expect(text(verdictLines(old), 'How these figures were taken')).toMatch(/^paths measured one after another \(a run of schema 1/);
    expect(text(verdictLines(old), 'How these figures were taken')).toContain("requests failed in peering keepalive of repetition 2 (21): those repetitions' figures are suspect");
  });
});

describe('eni limits verdict', () => {
  it('finds the first burst size at which eni fails, with reasons and the last clean size', () => {
    const bursts = [burstSummary(1), burstSummary(32), burstSummary(8), burstSummary(128, { 'eni-quota': 3, 'subnet-exhausted': 2 }), burstSummary(256, { 'eni-quota': 130 })];
    const verdict = computeVerdict([pathSummary('eni', { total: 1, bursts })], context);
    expect(verdict.eni).toEqual({ kind: 'failed', first: { strategy: 'eni', size: 128, failed: 5, attempted: 128, reasons: { 'eni-quota': 3, 'subnet-exhausted': 2 }, cleanUpTo: 32 } });
    expect(text(verdictLines(verdict), 'ENI')).toBe('eni first fails at K = 128: 5 of 128 instances failed (eni-quota ×3, subnet-exhausted ×2); every instance succeeded up to K = 32.');
  });

  it('names the limit that comes first when eni never failed', () => {
    const held = computeVerdict([pathSummary('eni', { total: 1, bursts: [burstSummary(4)] })], context);
    expect(held.eni).toEqual({ kind: 'held', largestSize: 4, quota: 250, addresses: 242 });
    expect(text(verdictLines(held), 'ENI')).toContain('user-subnet exhaustion comes first, at 242 instances alive');
    const quotaFirst = computeVerdict([pathSummary('eni', { total: 1, bursts: [burstSummary(4)] })], { ...context, eniQuota: 100 });
    expect(text(verdictLines(quotaFirst), 'ENI')).toContain('the ENI quota comes first, at 100 instances alive');
  });

  it('reports failures of other paths too, and an eni that did not run', () => {
    const verdict = computeVerdict([pathSummary('peering', { total: 1, bursts: [burstSummary(8), burstSummary(64, { 'route-table-quota': 14 })] })], context);
    expect(verdict.eni).toEqual({ kind: 'not-measured', why: 'eni was not part of this run' });
    expect(text(verdictLines(verdict), 'Other paths')).toContain('peering first fails at K = 64: 14 of 64 instances failed (route-table-quota ×14)');
  });
});

describe('verdict of recorded runs', () => {
  it('reads the failing eni burst of a run', () => {
    const verdict = runVerdict(runWithEniFailures());
    expect(verdict.eni).toMatchObject({ kind: 'failed', first: { size: 8, failed: 3, attempted: 8, reasons: { 'eni-quota': 2, 'subnet-exhausted': 1 }, cleanUpTo: 4 } });
  });

  it('keeps modeled control-plane time apart from the measured cold path', () => {
    const verdict = runVerdict(loadRun('run-small'));
    const eni = verdict.modeled.find((item) => item.strategy === 'eni');
    expect(eni?.perInstance?.p50).toBe(4_296_703);
    expect(eni?.measuredP50).toBe(31_807);
    expect(verdict.modeled.map((item) => [item.strategy, item.prewarmUs])).toEqual([
      ['eni', 0],
      ['peering', 9_941_818],
      ['gre-proxy', 5_734_948],
    ]);
    // The measured ranking uses measured figures only: eni is not pushed back by its modeled seconds.
    expect(verdict.coldStart?.ranking.map((path) => path.strategy)).toEqual(['gre-proxy', 'peering', 'baseline', 'eni']);
  });

  it("quotes the ENI address limit the run recorded, never one derived from this version's address plan", () => {
    const run = loadRun('run-small');
    expect(runVerdict(run).eni).toEqual({ kind: 'held', largestSize: 4, quota: 250, addresses: undefined });
    run.limits = { eniAddresses: 17 };
    expect(runVerdict(run).eni).toEqual({ kind: 'held', largestSize: 4, quota: 250, addresses: 17 });
    expect(text(verdictLines(runVerdict(run)), 'ENI')).toContain('This scenario leaves 17 user-subnet addresses for ENIs');
  });

  it('pairs the repetitions of a recorded run (schema 1, read through its migration)', () => {
    const verdict = runVerdict(loadRun('run-small'));
    if (verdict.costs.kind !== 'measured') throw new Error(verdict.costs.why);
    const proxy = verdict.costs.overBaseline.find((item) => item.strategy === 'gre-proxy');
    expect(proxy?.warm.echo?.n).toBe(2);
    expect(verdict.discipline.orders).toBeUndefined();
  });
});
