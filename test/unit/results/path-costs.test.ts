import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, recordMicros } from '../../../src/metrics/histogram.js';
import { costsOverBaseline, injectedResponseDelay, pathCost, referenceP50, repetitionFigures } from '../../../src/results/path-costs.js';
import { readRun } from '../../../src/results/store.js';
import type { PathResult, ReferenceResult, RunResult } from '../../../src/results/types.js';
import { realServerKindOf } from '../../../src/scenario/real-servers.js';
import { METRICS, type StrategyName } from '../../../src/scenario/schema.js';

const FIXTURE = new URL('../../fixtures/run-small/run.json', import.meta.url).pathname;

const pathOf = (run: RunResult, strategy: StrategyName): PathResult => {
  const path = run.paths.find((p) => p.strategy === strategy);
  if (path === undefined) throw new Error(`fixture has no ${strategy}`);
  return path;
};

/** A completed sockperf reference whose round trips are all `micros`. */
function reference(micros: number, count = 100): ReferenceResult {
  const histogram = createHistogram('latency');
  for (let i = 0; i < count; i++) recordMicros(histogram, micros);
  return { tool: 'sockperf', outcome: 'completed', metric: 'echo', histogram: encodeHistogram(histogram), durationUs: 1 };
}

/** The fixture with a reference in repetition 0 of baseline and gre-proxy and the reference bounds set. */
function withReferences(run: RunResult, baselineUs: number, greProxyUs: number): RunResult {
  const copy = structuredClone(run);
  copy.scenario.reference = { tool: 'auto', port: 11111, repetitions: 1, seconds: 1, echoBoundUs: 5, keepaliveBoundUs: 10 };
  pathOf(copy, 'baseline').repetitions[0]!.reference = reference(baselineUs);
  pathOf(copy, 'gre-proxy').repetitions[0]!.reference = reference(greProxyUs);
  return copy;
}

describe('path costs of a schema-1 run', () => {
  const run = readRun(FIXTURE);
  const repetitions = run.scenario.repetitions;

  it('the fixture is what these tests assume', () => {
    expect(repetitions).toBe(2);
    expect(run.paths.map((p) => p.strategy)).toEqual(['baseline', 'eni', 'peering', 'gre-proxy']);
    for (const path of run.paths) expect(path.repetitions).toHaveLength(repetitions);
  });

  it('repetitionFigures: one entry per repetition, a p50 per warm metric and a cold path, no slot or reference', () => {
    for (const path of run.paths) {
      const figures = repetitionFigures(path);
      expect(figures.map((f) => f.repetition)).toEqual(path.repetitions.map((rep) => rep.index));
      for (const figure of figures) {
        expect(Object.keys(figure.warm).sort()).toEqual([...run.scenario.workload.metrics].sort());
        for (const value of Object.values(figure.warm)) expect(value).toBeGreaterThan(0);
        expect(figure.coldPath).toBeTypeOf('number');
        expect(figure.coldPath).toBeGreaterThan(0);
        expect(figure.slot).toBeUndefined();
        expect(figure.reference).toBeUndefined();
      }
    }
  });

  it('pathCost: per-repetition p50 differences against baseline', () => {
    const cost = pathCost(run, 'gre-proxy', 'baseline')!;
    expect(cost.strategy).toBe('gre-proxy');
    expect(cost.against).toBe('baseline');
    const mine = repetitionFigures(pathOf(run, 'gre-proxy'));
    const theirs = repetitionFigures(pathOf(run, 'baseline'));
    // The metrics a schema-1 run measured (every one there was then); the real servers' came later (Redis: schema 4, PostgreSQL: 5, nginx: 6).
    for (const metric of METRICS.filter((m) => realServerKindOf(m) === undefined)) {
      const d = cost.warm[metric];
      expect(d, metric).toBeDefined();
      expect(d!.n).toBe(repetitions);
      const expected = mine.map((figure, i) => (figure.warm[metric] as number) - (theirs[i]!.warm[metric] as number));
      expect(d!.values).toEqual(expected);
      expect(d!.mean).toBeCloseTo(expected.reduce((sum, v) => sum + v, 0) / expected.length, 9);
      expect(d!.low).toBeLessThanOrEqual(d!.mean);
      expect(d!.high).toBeGreaterThanOrEqual(d!.mean);
    }
    expect(cost.coldPath?.n).toBe(repetitions);
    expect(cost.coldPath?.values).toEqual(mine.map((figure, i) => (figure.coldPath as number) - (theirs[i]!.coldPath as number)));
    // No reference in a schema-1 run, hence nothing to agree with.
    expect(cost.reference).toBeUndefined();
    expect(cost.agreement).toEqual([]);
  });

  it('pathCost: undefined against itself or a path that did not run', () => {
    expect(pathCost(run, 'baseline', 'baseline')).toBeUndefined();
    const withoutEni = { ...run, paths: run.paths.filter((p) => p.strategy !== 'eni') };
    expect(pathCost(withoutEni, 'eni', 'baseline')).toBeUndefined();
    expect(pathCost(withoutEni, 'peering', 'eni')).toBeUndefined();
  });

  it('costsOverBaseline: every other path, against baseline', () => {
    const costs = costsOverBaseline(run);
    expect(costs.map((c) => c.strategy)).toEqual(['eni', 'peering', 'gre-proxy']);
    expect(costs.every((c) => c.against === 'baseline')).toBe(true);
    expect(costs[2]).toEqual(pathCost(run, 'gre-proxy', 'baseline'));
  });

  it('costsOverBaseline: none when baseline did not run', () => {
    expect(costsOverBaseline({ ...run, paths: run.paths.filter((p) => p.strategy !== 'baseline') })).toEqual([]);
  });

  it('referenceP50: undefined without a reference', () => {
    for (const path of run.paths) expect(referenceP50(path)).toBeUndefined();
  });

  describe('with a reference in repetition 0', () => {
    const echoDifference = (r: RunResult): number => {
      const mine = repetitionFigures(pathOf(r, 'gre-proxy'))[0]!.warm.echo as number;
      const theirs = repetitionFigures(pathOf(r, 'baseline'))[0]!.warm.echo as number;
      return mine - theirs;
    };
    /** A path's cost by floors: its lowest p50 over every repetition minus baseline's. */
    const floorCost = (r: RunResult, metric: 'echo' | 'keepalive'): number => {
      const floor = (strategy: StrategyName): number => Math.min(...repetitionFigures(pathOf(r, strategy)).map((figure) => figure.warm[metric] as number));
      return floor('gre-proxy') - floor('baseline');
    };
    // References record whole µs, so the fixture's half-µs cost is rounded for them.
    const coldpathEcho = floorCost(run, 'echo');
    const whole = (us: number): number => Math.round(us);

    it('repetitionFigures and referenceP50 read the reference', () => {
      const modified = withReferences(run, 40, 90);
      const figures = repetitionFigures(pathOf(modified, 'gre-proxy'));
      expect(figures[0]!.reference).toBe(90);
      expect(figures[1]!.reference).toBeUndefined();
      expect(referenceP50(pathOf(modified, 'gre-proxy'))).toBe(90);
      expect(referenceP50(pathOf(modified, 'baseline'))).toBe(40);
      expect(referenceP50(pathOf(modified, 'eni'))).toBeUndefined();
      // The original is untouched.
      expect(referenceP50(pathOf(run, 'gre-proxy'))).toBeUndefined();
    });

    it('referenceP50 merges every repetition and skips errored references', () => {
      const modified = structuredClone(run);
      const path = pathOf(modified, 'eni');
      path.repetitions[0]!.reference = reference(50, 10);
      path.repetitions[1]!.reference = reference(80, 30);
      expect(referenceP50(path)).toBe(80);
      path.repetitions[1]!.reference = { tool: 'sockperf', outcome: 'errored', message: 'no', durationUs: 1 };
      expect(referenceP50(path)).toBe(50);
      expect(repetitionFigures(path)[1]!.reference).toBeUndefined();
    });

    it('agreement ok when the reference sees the same echo cost within echoBoundUs', () => {
      const baselineUs = 50;
      const modified = withReferences(run, baselineUs, baselineUs + whole(coldpathEcho + 3));
      const cost = pathCost(modified, 'gre-proxy', 'baseline')!;
      expect(cost.reference).toMatchObject({ n: 1, mean: whole(coldpathEcho + 3), values: [whole(coldpathEcho + 3)] });
      const echo = cost.agreement.find((a) => a.metric === 'echo')!;
      expect(echo).toEqual({ metric: 'echo', repetitions: [0], coldpath: coldpathEcho, reference: whole(coldpathEcho + 3), bound: 5, ok: true });
      const keepalive = cost.agreement.find((a) => a.metric === 'keepalive')!;
      expect(keepalive.bound).toBe(10);
      expect(keepalive.repetitions).toEqual([0]);
      expect(cost.agreement.map((a) => a.metric)).toEqual(['echo', 'keepalive']);
    });

    it('agreement not ok when the reference difference is far from coldpath echo difference', () => {
      const baselineUs = 50;
      const modified = withReferences(run, baselineUs, baselineUs + whole(coldpathEcho + 40));
      const echo = pathCost(modified, 'gre-proxy', 'baseline')!.agreement.find((a) => a.metric === 'echo')!;
      expect(echo.coldpath).toBe(coldpathEcho);
      expect(echo.reference).toBe(whole(coldpathEcho + 40));
      expect(echo.ok).toBe(false);
    });

    it('agreement compares floors over every repetition with the reference, not repetition 0 alone', () => {
      const modified = withReferences(run, 50, 50 + whole(coldpathEcho));
      const cost = pathCost(modified, 'gre-proxy', 'baseline')!;
      // In the fixture, the floors' echo cost differs from repetition 0's difference.
      expect(echoDifference(run)).not.toBe(coldpathEcho);
      const echo = cost.agreement.find((a) => a.metric === 'echo')!;
      expect(echo.coldpath).toBe(coldpathEcho);
      expect(echo.repetitions).toEqual([0]);
      expect(echo.ok).toBe(true);
    });

    it('a slow repetition of one path moves neither floor: the reference floor is its fastest repetition', () => {
      const modified = withReferences(run, 50, 50 + whole(coldpathEcho));
      // Repetition 1 measures the same cost; repetition 0 of gre-proxy caught a slow state (+30 µs).
      pathOf(modified, 'baseline').repetitions[1]!.reference = reference(50);
      pathOf(modified, 'gre-proxy').repetitions[1]!.reference = reference(50 + whole(coldpathEcho));
      pathOf(modified, 'gre-proxy').repetitions[0]!.reference = reference(80 + whole(coldpathEcho));
      const echo = pathCost(modified, 'gre-proxy', 'baseline')!.agreement.find((a) => a.metric === 'echo')!;
      expect(echo.repetitions).toEqual([0, 1]);
      expect(echo.reference).toBe(whole(coldpathEcho));
      expect(echo.ok).toBe(true);
      // The same slow state in coldpath's figures: one path's repetition 0 much slower, the floor unmoved.
      const slowed = structuredClone(modified);
      for (const warm of pathOf(slowed, 'gre-proxy').repetitions[0]!.warm) {
        if (warm.metric !== 'echo') continue;
        const histogram = createHistogram('latency');
        for (let i = 0; i < 100; i++) recordMicros(histogram, 10_000);
        warm.histogram = encodeHistogram(histogram);
      }
      expect(pathCost(slowed, 'gre-proxy', 'baseline')!.agreement.find((a) => a.metric === 'echo')).toMatchObject({ coldpath: floorCost(modified, 'echo'), ok: true });
    });

    it('the bound is inclusive, either side', () => {
      // A reference cost `gap` µs away from coldpath's (whole µs: the fixture's cost ends in .5, so gaps of 5 are ±4.5 and ±5.5).
      const echoOk = (gap: number): boolean => pathCost(withReferences(run, 50, 50 + whole(coldpathEcho + gap)), 'gre-proxy', 'baseline')!.agreement.find((a) => a.metric === 'echo')!.ok;
      expect(echoOk(4.5)).toBe(true);
      expect(echoOk(-4.5)).toBe(true);
      expect(echoOk(6)).toBe(false);
      expect(echoOk(-6)).toBe(false);
    });

    it('keep-alive is checked against the same reference difference with its own bound', () => {
      const modified = withReferences(run, 50, 50 + whole(coldpathEcho));
      const keepalive = pathCost(modified, 'gre-proxy', 'baseline')!.agreement.find((a) => a.metric === 'keepalive')!;
      const cost = floorCost(run, 'keepalive');
      expect(keepalive.coldpath).toBe(cost);
      expect(keepalive.reference).toBe(whole(coldpathEcho));
      expect(keepalive.ok).toBe(Math.abs(cost - whole(coldpathEcho)) <= 10);
    });

    it('keep-alive is not checked when the scenario injects a response delay (coldpath pays it, sockperf never does); echo still is', () => {
      const delayed = withReferences(run, 50, 50 + 1000);
      delayed.scenario.services = [{ ...delayed.scenario.services[0]!, responseDelayUs: 200 }];
      const [echo, keepalive] = ['echo', 'keepalive'].map((metric) => pathCost(delayed, 'gre-proxy', 'baseline')!.agreement.find((a) => a.metric === metric)!);
      expect(keepalive?.ok).toBe(true);
      expect(keepalive?.notApplied).toMatch(/responseDelayUs injects 200 µs/);
      expect(echo?.ok).toBe(false);
      expect(echo?.notApplied).toBeUndefined();
      expect(injectedResponseDelay(delayed)).toBe(200);
      expect(injectedResponseDelay(run)).toBe(0);
    });

    it('without reference bounds in the scenario, the bound is infinite', () => {
      const modified = withReferences(run, 50, 5000);
      delete (modified.scenario as { reference?: unknown }).reference;
      const echo = pathCost(modified, 'gre-proxy', 'baseline')!.agreement.find((a) => a.metric === 'echo')!;
      expect(echo.bound).toBe(Number.POSITIVE_INFINITY);
      expect(echo.ok).toBe(true);
    });

    it('no agreement when only one of the two paths has a reference', () => {
      const modified = withReferences(run, 50, 90);
      delete pathOf(modified, 'gre-proxy').repetitions[0]!.reference;
      const cost = pathCost(modified, 'gre-proxy', 'baseline')!;
      expect(cost.reference).toBeUndefined();
      expect(cost.agreement).toEqual([]);
    });
  });
});
