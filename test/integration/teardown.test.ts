/**
 * Teardown is guaranteed: after a failure in the middle of applying a plan,
 * after Ctrl-C, and after kill -9 (with `coldpath clean`), nothing of the run
 * is left: no namespace, no process, no ledger, nothing in the root namespace.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ColdpathError } from '../../src/errors.js';
import { LocalKernelDriver } from '../../src/kernel/driver.js';
import { Ledger, stateDir } from '../../src/kernel/ledger.js';
import { isAlive } from '../../src/kernel/processes.js';
import { undo } from '../../src/kernel/teardown.js';
import { readRun } from '../../src/results/store.js';
import { parseScenario } from '../../src/scenario/load.js';
import { basePlan } from '../../src/topology/base-plan.js';
import { buildLayout } from '../../src/topology/layout.js';
import { newRunTag } from '../../src/topology/naming.js';
import { namespacesOf, processesInNamespaces, rootNamespaceState, runCli, scenarioFile, startCli, tempDir } from './helpers.js';

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('teardown', () => {
  it('undoes a plan that failed halfway, from the ledger', async () => {
    const before = rootNamespaceState();
    const ledger = Ledger.create(newRunTag())!;
    const driver = new LocalKernelDriver(ledger);
    const layout = buildLayout(parseScenario({}), ledger.tag);
    const plan = basePlan(layout);
    // Inject a failure after the namespaces and some links exist: a route via an unreachable gateway.
    const at = plan.ops.findIndex((op) => op.kind === 'route.add');
    plan.ops.splice(at, 0, { kind: 'route.add', node: layout.platform.node, dst: '10.99.0.0/16', via: '192.0.2.1' });
    let failure: unknown;
    try {
      driver.openRootSessions(1);
      await driver.apply(plan);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ColdpathError);
    expect((failure as ColdpathError).message).toMatch(/^base topology: .*Nexthop has invalid gateway|^base topology: .*(unreachable|invalid)/i);
    expect((failure as ColdpathError).message).toMatch(/ip -n coldpath-[0-9a-f]{4}-pvpc -batch - \(line: route add 10\.99\.0\.0\/16 via 192\.0\.2\.1\)/);
    expect((failure as ColdpathError).stderr).toMatch(/-- input --/);
    expect(namespacesOf(ledger.tag).length).toBeGreaterThan(0);
    await driver.closeAll();
    const report = await undo(ledger.read());
    expect(report.errors).toEqual([]);
    ledger.remove();
    expect(namespacesOf(ledger.tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(before);
  });

  it('Ctrl-C stops measuring, keeps what was measured (aborted), tears down and exits 130', async () => {
    const out = tempDir();
    const { child, tag, output } = await startCli(['run', scenarioFile({ repetitions: 2, burst: { sizes: [1, 4] }, workload: { requests: 3000, warmup: 100 } }), '--out', out]);
    await waitFor(() => /keepalive: p50/.test(output()), 60_000, 'the first warm measurement');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    const [runId] = readdirSync(out);
    const run = readRun(join(out, runId!)); // an aborted run parses with run.json's schema too
    expect(run.outcome).toBe('aborted');
    expect(run.paths[0]!.repetitions[0]!.bursts.length).toBeGreaterThan(0);
    expect(run.paths.some((p) => p.outcome === 'skipped' || p.outcome === 'aborted')).toBe(true);
    expect(namespacesOf(tag)).toEqual([]);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
  });

  it('`coldpath clean` leaves a live run alone, however it was started', async () => {
    const { child, tag } = await startCli(['run', scenarioFile({ strategies: ['baseline'], repetitions: 1, burst: { sizes: [2] }, workload: { requests: 100000 } }), '--out', tempDir()], {
      relativePath: true,
    });
    await waitFor(() => processesInNamespaces(tag).length >= 2, 60_000, 'the run to start its processes');
    const clean = await runCli(['clean']);
    expect(clean.stdout).toMatch(new RegExp(`run ${tag} is still running \\(pid \\d+\\); not touched`));
    expect(namespacesOf(tag).length).toBeGreaterThan(0);
    expect(child.exitCode).toBeNull();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(namespacesOf(tag)).toEqual([]);
  });

  it('after kill -9, `coldpath clean` removes every namespace, process and ledger of the run', async () => {
    const before = rootNamespaceState();
    const { child, tag, output } = await startCli(['run', scenarioFile({ strategies: ['gre-proxy'], repetitions: 1, burst: { sizes: [4] }, workload: { requests: 100000 } })]);
    await waitFor(() => /keepalive|connect rep|burst K=4/.test(output()) || processesInNamespaces(tag).length >= 3, 60_000, 'probes and services to run');
    await waitFor(() => processesInNamespaces(tag).length >= 3, 30_000, 'processes inside the namespaces');
    const pids = processesInNamespaces(tag);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(namespacesOf(tag).length).toBeGreaterThan(0);
    expect(existsSync(join(stateDir(), tag))).toBe(true);

    const clean = await runCli(['clean']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/removed \d+ namespace/);
    expect(namespacesOf(tag)).toEqual([]);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 5000, 'the run’s processes to exit');
    expect(rootNamespaceState()).toBe(before);
    expect((await runCli(['clean'])).stdout).toMatch(/nothing to clean|removed 0 namespace/);
  });
});
