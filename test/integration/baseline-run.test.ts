/** The foundation end to end: `coldpath run` on the baseline path, as a user runs it. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { readRun } from '../../src/results/store.js';
import { RUN_SCHEMA_VERSION } from '../../src/results/types.js';
import { namespacesOf, rootNamespaceState, runCli, scenarioFile, SMALL_RUN, tempDir } from './helpers.js';

describe('coldpath run: baseline', () => {
  it('measures the baseline path, writes results, and leaves the root namespace untouched', async () => {
    const before = rootNamespaceState();
    const out = tempDir();
    const result = await runCli(['run', scenarioFile({ ...SMALL_RUN, strategies: ['baseline'] }), '--out', out]);
    expect(result.stderr + result.stdout).not.toMatch(/coldpath: /);
    expect(result.code).toBe(0);
    const [runId] = readdirSync(out);
    expect(runId).toBeDefined();
    const dir = join(out, runId!);
    const run = readRun(dir); // parsed with run.json's schema

    expect(run.schemaVersion).toBe(RUN_SCHEMA_VERSION);
    expect(run.outcome).toBe('completed');
    expect(run.scenario.strategies).toEqual(['baseline']);
    expect(run.fingerprint.kernel).not.toBe('');
    expect(run.fingerprint.iproute2).toMatch(/iproute2/);
    expect(run.fingerprint.cpuPlacement.placement).toBe('pinned');
    const path = run.paths[0]!;
    expect(path.outcome).toBe('completed');
    expect(path.verification?.ok).toBe(true);
    const rep = path.repetitions[0]!;
    expect(rep.bursts.map((b) => b.size)).toEqual([1, 3]);
    for (const burst of rep.bursts) {
      for (const instance of burst.instances) {
        expect(instance.outcome).toBe('ok');
        expect(instance.spans.map((s) => s.phase)).toEqual(['queued', 'namespace', 'container-link', 'strategy-attach', 'runtime-start', 'first-connect', 'first-response']);
        // Probe start-up is its own phase and never overlaps a network phase.
        const runtime = instance.spans.find((s) => s.phase === 'runtime-start')!;
        const connect = instance.spans.find((s) => s.phase === 'first-connect')!;
        expect(connect.startUs).toBeGreaterThanOrEqual(runtime.endUs);
        expect(instance.localAddress).toMatch(/^100\.64\.0\./);
      }
    }
    const keepalive = rep.warm.find((w) => w.metric === 'keepalive')!;
    expect(keepalive.outcome).toBe('completed');
    expect(decodeHistogram(keepalive.histogram).totalCount).toBe(200);
    expect(rep.warm.map((w) => w.metric)).toEqual(['keepalive', 'newconn', 'echo']);

    expect(existsSync(join(dir, 'summary.csv'))).toBe(true);
    expect(readFileSync(join(dir, 'summary.csv'), 'utf8')).toMatch(/^path,metric,source,unit,count/);
    expect(existsSync(join(dir, 'baseline.keepalive.hgrm'))).toBe(true);
    expect(result.stdout).toMatch(/baseline .* ok/);
    // The CI formats of a real run: the interval log holds the repetition's histogram,
    // and `report --format` prints what the run wrote.
    const interval = new hdr.HistogramLogReader(readFileSync(join(dir, 'baseline.keepalive.hlog'), 'utf8')).nextIntervalHistogram();
    expect(interval?.totalCount).toBe(200);
    for (const [format, file] of [
      ['openmetrics', 'metrics.prom'],
      ['benchmark-json', 'benchmark.json'],
    ] as const) {
      const printed = await runCli(['report', dir, '--format', format]);
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout).toBe(readFileSync(join(dir, file), 'utf8'));
    }
    expect(readFileSync(join(dir, 'metrics.prom'), 'utf8')).toMatch(/^coldpath_latency_seconds\{path="baseline",metric="keepalive",quantile="0\.5"\} \d/m);

    expect(namespacesOf(run.tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(before);
  });
});
