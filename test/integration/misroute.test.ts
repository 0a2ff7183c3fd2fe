/**
 * Issue 14, item 2: a path that really takes a wrong route (the test-only
 * COLDPATH_TEST_MISROUTE=peering, src/engine/test-hooks.ts: the platform router
 * masquerades the peering traffic) fails its path verification, and the gate
 * refuses that run, as NEW and as BASE, naming the path and the repetitions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRun } from '../../src/results/store.js';
import { runCli, scenarioFile, tempDir } from './helpers.js';

// Tiny: baseline and peering, 2 repetitions; no sockperf (its fixed 2 s sleep per block, and not what is tested).
const scenario = scenarioFile({
  strategies: ['baseline', 'peering'],
  repetitions: 2,
  burst: { sizes: [1] },
  workload: { requests: 200, warmup: 100, metrics: ['keepalive'], serviceWarmup: 500 },
  reference: { tool: 'none' },
});

describe('a misrouted path', () => {
  it('fails path verification for real, and compare exits 1 naming the path and the repetitions', async () => {
    const out = tempDir();
    const clean = await runCli(['run', scenario, '--out', out, '--quiet']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    const [baseId] = readdirSync(out);
    const misrouted = await runCli(['run', scenario, '--out', out, '--quiet'], { env: { ...process.env, COLDPATH_TEST_MISROUTE: 'peering' } });
    // `coldpath run` itself exits 1 for a path that took the wrong route.
    expect(misrouted.code, misrouted.stdout + misrouted.stderr).toBe(1);
    const newId = readdirSync(out).find((id) => id !== baseId);
    const base = join(out, baseId!);
    const next = join(out, newId!);

    // The traffic worked (figures look normal); only the source address gives it away.
    const run = readRun(next);
    const peering = run.paths.find((path) => path.strategy === 'peering');
    expect(peering?.outcome).toBe('completed');
    expect(peering?.repetitions.map((rep) => rep.verification?.ok)).toEqual([false, false]);
    expect(peering?.repetitions[0]?.verification?.observedSources).toHaveProperty(['169.254.252.1']);
    expect(run.paths.find((path) => path.strategy === 'baseline')?.verification?.ok).toBe(true);

    const junit = join(tempDir(), 'gate.xml');
    const gate = await runCli(['compare', base, next, '--junit', junit]);
    expect(gate.code, gate.stdout + gate.stderr).toBe(1);
    expect(gate.stdout).toMatch(/invalid\s+peering verification: NEW: peering failed path verification in repetitions 1, 2 of 2: svc saw unexpected sources 169\.254\.252\.1/);
    expect(gate.stdout).toMatch(/INVALID RUN \(exit 1\): NEW cannot be judged/);
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<testcase classname="coldpath\.compare\.peering" name="NEW verification" time="0">\s*<failure type="invalid" message="invalid: NEW: peering failed path verification in repetitions 1, 2 of 2/,
    );

    // Against a broken baseline the gate fails too.
    const reversed = await runCli(['compare', next, base]);
    expect(reversed.code, reversed.stdout + reversed.stderr).toBe(1);
    expect(reversed.stdout).toMatch(/INVALID RUN \(exit 1\): BASE cannot be judged/);
  });
});
