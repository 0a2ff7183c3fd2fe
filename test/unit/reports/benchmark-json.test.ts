/**
 * benchmark.json against github-action-benchmark's documented
 * `customSmallerIsBetter` input: an array of { name, unit, value, range?,
 * extra? } (its BenchmarkResult), written here as a zod schema.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { benchmarkJson } from '../../../src/reports/benchmark-json.js';
import { costsOverBaseline } from '../../../src/results/path-costs.js';
import type { RunResult } from '../../../src/results/types.js';
import { loadRun } from './helpers.js';
import { summaryCsvRows } from './summary-csv-rows.js';

const BenchmarkResult = z.strictObject({
  name: z.string().min(1),
  unit: z.string().min(1),
  value: z.number().finite(),
  range: z.string().optional(),
  extra: z.string().optional(),
});
const CustomSmallerIsBetter = z.array(BenchmarkResult).min(1);

const entriesOf = (run: RunResult) => CustomSmallerIsBetter.parse(JSON.parse(benchmarkJson(run)));

const PATH = '(baseline|eni|peering|gre-proxy)';
const NAME = new RegExp(`^${PATH} ((connect|keepalive|newconn|echo) p(50|99)|cold path p50|(connect|keepalive|newconn|echo|cold path) p50 cost over baseline)$`);

describe('benchmark.json (github-action-benchmark customSmallerIsBetter)', () => {
  it.each(['run-small', 'run-aborted'] as const)('of %s is an array of documented entries, µs, with unique stable names', (fixture) => {
    const entries = entriesOf(loadRun(fixture));
    expect(new Set(entries.map((entry) => entry.name)).size).toBe(entries.length);
    for (const entry of entries) {
      expect(entry.name).toMatch(NAME);
      expect(entry.unit).toBe('us');
      expect(entry.extra).toMatch(/^run \d{8}T\d{6}Z-\w+/);
    }
  });

  it('takes warm p50/p99 and the cold path p50 from summary.csv', () => {
    const run = loadRun('run-small');
    const csv = summaryCsvRows(run);
    const entries = entriesOf(run);
    const value = (name: string): number | undefined => entries.find((entry) => entry.name === name)?.value;
    for (const path of ['baseline', 'eni', 'peering', 'gre-proxy']) {
      for (const metric of ['keepalive', 'echo', 'newconn', 'connect']) {
        expect(value(`${path} ${metric} p50`), `${path} ${metric}`).toBe(csv.get(`${path} ${metric}`)?.p50);
        expect(value(`${path} ${metric} p99`)).toBe(csv.get(`${path} ${metric}`)?.p99);
      }
      expect(value(`${path} cold path p50`)).toBe(csv.get(`${path} coldstart.network`)?.p50);
    }
    expect(value('gre-proxy keepalive p50')).toBeDefined();
    expect(entries.find((entry) => entry.name === 'gre-proxy keepalive p50')?.extra).toBe(`run ${run.runId}\nrepetitions 2`);
  });

  it('gives each path cost over baseline with its 95 % interval as the range', () => {
    const run = loadRun('run-small');
    const entries = entriesOf(run);
    for (const cost of costsOverBaseline(run)) {
      const keepalive = cost.warm.keepalive;
      const entry = entries.find((candidate) => candidate.name === `${cost.strategy} keepalive p50 cost over baseline`);
      if (keepalive === undefined || entry === undefined) throw new Error(`no keep-alive cost for ${cost.strategy}`);
      expect(entry.value).toBeCloseTo(keepalive.mean, 2);
      expect(entry.range).toBe(`± ${Math.round(((keepalive.high - keepalive.low) / 2) * 100) / 100}`);
      expect(entry.extra).toContain('repetitions 2 (paired p50 differences:');
      expect(entries.some((candidate) => candidate.name === `${cost.strategy} cold path p50 cost over baseline`)).toBe(true);
    }
    expect(entries.some((entry) => entry.name.startsWith('baseline') && entry.name.includes('cost'))).toBe(false);
  });

  it('names the same figures the same way in every run, and leaves out what a run did not measure', () => {
    const small = new Set(entriesOf(loadRun('run-small')).map((entry) => entry.name));
    const aborted = entriesOf(loadRun('run-aborted'));
    for (const entry of aborted) expect(small.has(entry.name), entry.name).toBe(true);
    expect(aborted.some((entry) => /^(peering|gre-proxy) /.test(entry.name))).toBe(false);
    // eni ran one repetition: a cost without an interval has no range, and says why.
    const eniCost = aborted.find((entry) => entry.name === 'eni cold path p50 cost over baseline');
    expect(eniCost?.range).toBeUndefined();
    expect(eniCost?.extra).toContain('no interval: fewer than 2 repetitions');
    expect(aborted[0]?.extra).toContain('(aborted)');
  });

  it('names the sockperf reference in extra when the run has one', () => {
    const run = loadRun('run-small');
    for (const strategy of ['baseline', 'gre-proxy']) {
      const path = run.paths.find((candidate) => candidate.strategy === strategy);
      for (const rep of path?.repetitions ?? []) {
        const echo = rep.warm.find((warm) => warm.metric === 'echo');
        if (echo !== undefined) rep.reference = { tool: 'sockperf', outcome: 'completed', metric: 'echo', histogram: echo.histogram, durationUs: 1_000_000 };
      }
    }
    const entries = entriesOf(run);
    expect(entries.find((entry) => entry.name === 'gre-proxy echo p50')?.extra).toMatch(/\nsockperf p50 \d+ us$/);
    expect(entries.find((entry) => entry.name === 'gre-proxy keepalive p50 cost over baseline')?.extra).toMatch(/\nsockperf cost [+-][\d.]+ us$/);
    expect(entries.find((entry) => entry.name === 'eni echo p50')?.extra).not.toContain('sockperf');
  });
});
