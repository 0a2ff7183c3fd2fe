/**
 * instances.runtime: oci end to end: every instance's probe runs in a crun
 * container that joins the instance's namespace; paths verify as with
 * processes, timelines carry crun's create and start, and nothing is left —
 * neither after a normal run nor, with `coldpath clean`, after kill -9.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TOOLS, which } from '../../src/env/tools.js';
import { Ledger, ownerOf, stateDir } from '../../src/kernel/ledger.js';
import { isAlive } from '../../src/kernel/processes.js';
import { allColdpathNamespaces, ledgerDirs, namespacesOf, newNamespacesNotOfOtherRuns, rootNamespaceState, runCli, runVerified, scenarioFile, startCli, tempDir } from './helpers.js';

const liveLedger = (tag: string): boolean => {
  const owner = ownerOf(Ledger.open(tag).read());
  return owner !== undefined && isAlive(owner.pid);
};

const OCI = { instances: { runtime: 'oci' }, reference: { tool: 'none' } };

/** Ids of the containers under a crun state directory (none when the directory is gone: `crun list` would create it). */
function containersUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const result = spawnSync('crun', ['--root', root, 'list', '--quiet'], { encoding: 'utf8' });
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}

/** Pids of the containers under `root` that crun still knows as running. */
function containerPids(root: string): number[] {
  if (!existsSync(root)) return [];
  const result = spawnSync('crun', ['--root', root, 'list', '--format', 'json'], { encoding: 'utf8' });
  const list = JSON.parse(result.stdout.trim() || '[]') as Array<{ pid: number; status: string }>;
  return list.filter((container) => container.status === 'running' && container.pid > 0).map((container) => container.pid);
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('instances.runtime: oci', () => {
  it('without crun: exit 3 naming the Debian package, before anything is created', async () => {
    // Every tool coldpath requires, but not crun.
    const bin = join(tempDir('coldpath-path-'), 'bin');
    mkdirSync(bin);
    for (const tool of [...TOOLS.filter((item) => item.required).map((item) => item.command), 'unshare']) {
      const target = which(tool);
      if (target !== undefined) symlinkSync(target, join(bin, tool));
    }
    const before = { netns: allColdpathNamespaces(), ledgers: ledgerDirs(), root: rootNamespaceState() };
    const result = await runCli(['run', scenarioFile({ ...OCI, strategies: ['baseline'] }), '--out', tempDir()], { env: { ...process.env, PATH: bin } });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/instances\.runtime: oci needs crun, which is not installed/);
    expect(result.stderr).toMatch(/hint: apt-get install -y crun \(Debian package crun\)/);
    expect(newNamespacesNotOfOtherRuns(before.netns, result.pid)).toEqual([]);
    // Other runs may come and go meanwhile; a new ledger of a dead owner would be ours.
    expect(ledgerDirs().filter((dir) => !before.ledgers.includes(dir) && !liveLedger(dir))).toEqual([]);
    expect(rootNamespaceState()).toBe(before.root);
  });

  it('runs baseline and gre-proxy from crun containers: paths verify, timelines have oci-create and oci-start, nothing is left', async () => {
    const before = rootNamespaceState();
    const scenario = { ...OCI, strategies: ['baseline', 'gre-proxy'], repetitions: 1, burst: { sizes: [2] }, workload: { metrics: ['keepalive'], requests: 200, warmup: 100 } };
    const run = await runVerified(scenario);
    expect(run.scenario.instances).toEqual({ runtime: 'oci', network: 'coldpath' });
    for (const path of run.paths) {
      const burst = path.repetitions[0]!.bursts[0]!;
      for (const instance of burst.instances) {
        const phases = instance.spans.map((span) => span.phase);
        expect(phases).toEqual(expect.arrayContaining(['oci-create', 'oci-start', 'runtime-start']));
        const at = (phase: string) => instance.spans.find((span) => span.phase === phase)!;
        // In timeline order: crun create, then start, then the probe's own start.
        expect(at('oci-create').endUs).toBeLessThanOrEqual(at('oci-start').startUs);
        expect(at('oci-start').endUs).toBeLessThanOrEqual(at('runtime-start').endUs);
        expect(at('strategy-attach').endUs).toBeLessThanOrEqual(at('oci-create').startUs);
      }
      expect(Object.keys(burst.histograms)).toEqual(expect.arrayContaining(['oci-create', 'oci-start']));
    }
    // The run's directory held the crun state (`crun --root`) and the bundles: it is gone, so crun lists no container of the run.
    const { tag } = run;
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    // Nor did any container of the run land in crun's default state directory (a create without --root).
    expect(containersUnder('/run/crun').filter((id) => id.startsWith(`coldpath-${tag}-`))).toEqual([]);
    expect(namespacesOf(tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(before);
  });

  it('Ctrl-C while containers run: exit 130, the run tears its containers down itself', async () => {
    const scenario = { ...OCI, strategies: ['baseline'], repetitions: 1, burst: { sizes: [2] }, workload: { metrics: ['keepalive'], requests: 1_000_000 } };
    const { child, tag } = await startCli(['run', scenarioFile(scenario), '--out', tempDir()]);
    const root = join(stateDir(), tag, 'crun');
    await waitFor(() => containerPids(root).length >= 1, 90_000, 'a running container');
    const pids = containerPids(root);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(namespacesOf(tag)).toEqual([]);
    // crun delete --force killed them; the machine's init reaps them a moment later.
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 5000, 'the containers’ processes to exit');
  });

  it('after kill -9, `coldpath clean` deletes the run’s containers, their crun state and bundles', async () => {
    const before = rootNamespaceState();
    const scenario = { ...OCI, strategies: ['baseline'], repetitions: 1, burst: { sizes: [2] }, workload: { metrics: ['keepalive'], requests: 1_000_000 } };
    const { child, tag } = await startCli(['run', scenarioFile(scenario), '--out', tempDir()]);
    const root = join(stateDir(), tag, 'crun');
    // The warm instance's container lives through the long keep-alive measurement.
    await waitFor(() => containerPids(root).length >= 1, 90_000, 'a running container');
    const pids = containerPids(root);
    const ids = containersUnder(root);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(containersUnder(root)).toEqual(expect.arrayContaining(ids));
    expect(
      Ledger.open(tag)
        .read()
        .some((entry) => entry.t === 'container'),
    ).toBe(true);

    const clean = await runCli(['clean']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/removed \d+ container\(s\), \d+ namespace/);
    // The crun state directory and every bundle lived in the run's directory.
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(namespacesOf(tag)).toEqual([]);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 5000, 'the containers’ processes to exit');
    expect(rootNamespaceState()).toBe(before);
  });
});
