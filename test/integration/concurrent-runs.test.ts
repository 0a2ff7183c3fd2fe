/** Two runs at once never collide: separate tags, separate namespaces, both complete, nothing left. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRun } from '../../src/results/store.js';
import { namespacesOf, rootNamespaceState, runCli, scenarioFile, tempDir } from './helpers.js';

describe('two runs at once', () => {
  it('complete side by side with their own tags and leave nothing', async () => {
    const before = rootNamespaceState();
    const file = scenarioFile({ strategies: ['baseline', 'gre-proxy'], repetitions: 1, burst: { sizes: [2] }, workload: { requests: 200, warmup: 100, metrics: ['keepalive'] } });
    const outs = [tempDir(), tempDir()];
    const results = await Promise.all(outs.map((out) => runCli(['run', file, '--out', out, '--quiet'])));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const runs = outs.map((out) => readRun(join(out, readdirSync(out)[0]!)));
    expect(runs[0]!.tag).not.toBe(runs[1]!.tag);
    for (const run of runs) {
      expect(run.paths.every((path) => path.verification?.ok === true)).toBe(true);
      expect(namespacesOf(run.tag)).toEqual([]);
    }
    expect(rootNamespaceState()).toBe(before);
  });
});
