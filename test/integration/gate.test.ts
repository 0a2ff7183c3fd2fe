/** `coldpath run --baseline`: measure and gate in one step, as a CI pipeline uses it. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRun } from '../../src/results/store.js';
import { summarizePath } from '../../src/results/summary.js';
import { runCli, scenarioFile, tempDir } from './helpers.js';

// Five short repetitions, as docs/ci.md advises a gate: fewer give t with few degrees of freedom, and one
// disturbed BASE repetition then widened the interval of a ×30 change to "inconclusive" (CI, a busy machine:
// −65 % … +242 432 % with 2). With 5 a side the compare sets disturbed repetitions aside (Hampel's rule).
const scenario = (delayUs: number) =>
  scenarioFile({
    strategies: ['eni'],
    repetitions: 5,
    burst: { sizes: [1] },
    services: [{ name: 'svc', responseDelayUs: delayUs }],
    workload: { requests: 200, warmup: 100, metrics: ['keepalive'], serviceWarmup: 500 },
  });

describe('run --baseline', () => {
  it('refuses a missing baseline before measuring anything (exit 2)', async () => {
    const result = await runCli(['run', scenario(0), '--baseline', '/nonexistent/run.json', '--out', tempDir()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--baseline: cannot read \/nonexistent\/run\.json/);
    expect(result.stderr).not.toMatch(/building the base topology/);
  });

  it('exits 99 when a path got slower than its baseline, and writes the verdict', async () => {
    const out = tempDir();
    const base = await runCli(['run', scenario(0), '--out', out, '--quiet']);
    expect(base.code, base.stderr).toBe(0);
    const [baseId] = readdirSync(out);
    const junit = join(tempDir(), 'gate.xml');
    const slower = await runCli(['run', scenario(2000), '--out', out, '--quiet', '--baseline', join(out, baseId!), '--junit', junit]);
    expect(slower.code, slower.stdout + slower.stderr).toBe(99);
    // 2 ms on a ≈ 60 µs keep-alive: both percentiles move ×30; the verdict is asked of either, as a
    // disturbed repetition stretches one percentile's interval more than the other's.
    expect(slower.stdout).toMatch(/eni\s+keepalive\.p(50|99) .*regressed/);
  });
});

describe('injected regressions', () => {
  it('an injected per-connection delay lands on the cold path and on newconn, not on kept connections', async () => {
    const out = tempDir();
    const file = scenarioFile({
      strategies: ['eni'],
      repetitions: 1,
      burst: { sizes: [1] },
      services: [{ name: 'svc', connectionDelayUs: 20_000 }],
      workload: { requests: 50, warmup: 20, metrics: ['keepalive', 'newconn'], serviceWarmup: 50 },
    });
    const result = await runCli(['run', file, '--out', out, '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    const [runId] = readdirSync(out);
    const eni = summarizePath(readRun(join(out, runId!)).paths.find((p) => p.strategy === 'eni')!);
    expect(eni.coldStart.phases['first-response'].p50).toBeGreaterThanOrEqual(20_000);
    expect(eni.warm.newconn?.p50).toBeGreaterThanOrEqual(20_000);
    expect(eni.warm.keepalive?.p50).toBeLessThan(5_000);
  });
});
