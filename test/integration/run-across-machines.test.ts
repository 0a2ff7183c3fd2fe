/**
 * `coldpath run --hosts FILE` with `executor: ssh` across three emulated
 * machines (bench/emulated-machines.ts: each its own network, mount, UTS and time namespaces
 * and its own sshd; issue 12): the scenario's nodes placed on the machines,
 * the VPC wires as the machines' NICs (macvlan children, docs/hosts.md), every
 * plan, command and process sent to the node's machine's agent; the ENIs are
 * macvlan children of the function host's user-VPC NIC. Checks that
 * every path passes its path check across machines, that each agent's clock
 * estimate recovers its machine's injected offset, that instance timelines
 * placed through those estimates are ordered, that the figures are those of
 * the same scenario on one machine within noise, and that nothing is left on
 * any machine. Then the failures: one machine's agent killed mid-run (the run
 * fails naming the host, the other machines are left clean) and the
 * coordinator killed with SIGKILL mid-run; `coldpath clean --hosts` removes
 * what either left. Needs root, dist/, Debian's openssh-server and
 * openssh-client and a kernel with time namespaces.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repetitionFigures } from '../../src/results/path-costs.js';
import { readRun } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { type CliResult, ledgerDirs, spawnCli, rootNamespaceState, runCli, scenarioFile, tempDir, agentPidsIn, waitFor } from './helpers.js';
import { type Machine, type Machines, monotonicSeconds, startMachines, stopAllMachines } from '../../bench/emulated-machines.js';

/** Offsets of the machines' CLOCK_MONOTONIC (s): the function host's matters most, every instance timeline ends there. */
const SERVICE_OFFSET_S = monotonicSeconds() > 1_100 ? -1_000 : 1_000;
const OFFSETS_S: Record<string, number> = { 'fn-1': 250, 'proxy-1': 0, 'svc-1': SERVICE_OFFSET_S };

/** Small: every path, one repetition, a burst of 2, keep-alive and echo, sockperf (on the machines, through their agents) beside them. */
const SCENARIO = {
  name: 'across-machines-test',
  strategies: ['baseline', 'eni', 'peering', 'gre-proxy'],
  // Chosen by the hosts' kernels through their agents: these machines share this kernel (no ip_gre), so VXLAN.
  tunnel: 'auto',
  functionHosts: 1,
  repetitions: 1,
  burst: { sizes: [2] },
  workload: { requests: 300, warmup: 100, metrics: ['keepalive', 'echo'] },
  cpu: { placement: 'none' },
  reference: { tool: 'sockperf', seconds: 1 },
};

let harness: Machines | undefined;
let rootBefore = '';

function machines(): Machines {
  if (harness === undefined) throw new Error('the machines did not start');
  return harness;
}

/** The CLI in the coordinator namespace (on the management wire, where the machines' sshd listen). */
const startCoordinator = (args: readonly string[]): ReturnType<typeof spawnCli> => spawnCli(args, { wrapper: machines().wrapper, timeoutMs: 240_000 });

async function leftIn(machine: Machine): Promise<{ netns: string[]; ledgers: string[] }> {
  const netns = await machine.exec(['ip', 'netns', 'list']);
  const ledgers = await machine.exec(['ls', '-A', '/run/coldpath']);
  const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
  return { netns: lines(netns.stdout), ledgers: lines(ledgers.stdout) };
}

async function expectNothingLeft(): Promise<void> {
  for (const machine of machines().machines) expect(await leftIn(machine), machine.name).toEqual({ netns: [], ledgers: [] });
}

const onlyRun = (out: string): RunResult => {
  const runs = readdirSync(out);
  expect(runs).toHaveLength(1);
  return readRun(join(out, runs[0]!));
};

const keepaliveP50 = (run: RunResult, strategy: string): number => {
  const path = run.paths.find((p) => p.strategy === strategy);
  const p50 = path === undefined ? undefined : repetitionFigures(path)[0]?.warm['keepalive'];
  if (p50 === undefined) throw new Error(`${strategy}: no keep-alive p50`);
  return p50;
};

describe('coldpath run --hosts (executor ssh, three machines)', () => {
  beforeAll(async () => {
    rootBefore = rootNamespaceState();
    harness = await startMachines({
      machines: [
        { name: 'fn-1', role: 'function-host', monotonicOffsetS: OFFSETS_S['fn-1'] ?? 0, extraNic: true },
        { name: 'proxy-1', role: 'proxy', monotonicOffsetS: OFFSETS_S['proxy-1'] ?? 0 },
        { name: 'svc-1', role: 'service-host', monotonicOffsetS: OFFSETS_S['svc-1'] ?? 0 },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await stopAllMachines();
    expect(rootNamespaceState()).toBe(rootBefore);
  }, 60_000);

  let acrossMachines: RunResult | undefined;

  it('runs baseline, eni, peering and gre-proxy across the machines: paths verified, clocks recovered, timelines ordered, nothing left', async () => {
    const out = tempDir();
    const run = startCoordinator(['run', scenarioFile(SCENARIO), '--hosts', machines().inventoryFile, '--out', out]);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    const record = onlyRun(out);
    acrossMachines = record;
    expect(record.outcome).toBe('completed');
    expect(record.paths.map((p) => [p.strategy, p.outcome, p.verification?.ok])).toEqual([
      ['baseline', 'completed', true],
      ['eni', 'completed', true],
      ['peering', 'completed', true],
      ['gre-proxy', 'completed', true],
    ]);
    expect(record.tunnel).toMatchObject({ requested: 'auto', used: 'vxlan', reason: expect.stringMatching(/fn-1, proxy-1 have no ip_gre/) });
    // The reference ran where the path is: sockperf's client in each path's warm instance on fn-1, its server beside the service.
    for (const path of record.paths) expect(path.repetitions[0]?.reference, path.strategy).toMatchObject({ tool: 'sockperf', outcome: 'completed', metric: 'echo' });
    // Each agent's clock, on connect and before teardown, holds its machine's injected offset within its own bound.
    expect(record.agents?.map((a) => a.host).sort()).toEqual(['fn-1', 'proxy-1', 'svc-1']);
    for (const agent of record.agents ?? []) {
      // Each record names its machine: the emulated machine's own hostname (UTS namespace), the shared kernel.
      expect([agent.hostname, agent.kernel]).toEqual([agent.host, release()]);
      // And describes it, asked of its agent: here the coordinator's own CPUs and tools (emulated machines share them).
      const { cpuModel, cpuCount, node, iproute2, nft } = record.fingerprint;
      const sockperf = record.reference?.tool === 'sockperf' ? record.reference.version : 'no reference';
      expect(agent.machine, agent.host).toEqual({ os: record.fingerprint.os, cpuModel, cpuCount, node, iproute2, nft, sockperf });
      const injectedUs = (OFFSETS_S[agent.host] ?? Number.NaN) * 1e6;
      for (const estimate of [agent.start, agent.end!]) {
        expect(Math.abs(estimate.offsetUs - injectedUs), `${agent.host}: ${estimate.offsetUs} ± ${estimate.uncertaintyUs}`).toBeLessThanOrEqual(estimate.uncertaintyUs);
        expect(estimate.uncertaintyUs).toBeLessThanOrEqual(1000);
      }
    }
    const fn = record.agents?.find((a) => a.host === 'fn-1');
    const slackUs = fn?.start.uncertaintyUs ?? 0;
    for (const path of record.paths) {
      for (const burst of path.repetitions[0]?.bursts ?? []) {
        for (const instance of burst.instances) {
          expect(instance.outcome, `${path.strategy}: ${instance.outcome === 'failed' ? instance.message : ''}`).toBe('ok');
          // A probe's stamps are fn-1's clock (+250 s): placed through the estimate, each phase still follows the one before.
          let previousEnd = 0;
          for (const span of instance.spans) {
            if (span.phase === 'queued') continue;
            expect(span.startUs, `${path.strategy} ${span.phase}`).toBeGreaterThanOrEqual(previousEnd - slackUs - 1);
            expect(span.endUs).toBeGreaterThanOrEqual(span.startUs);
            previousEnd = span.endUs;
          }
          expect(instance.totalUs).toBeGreaterThan(0);
          expect(instance.totalUs).toBeLessThan(30_000_000);
        }
      }
    }
    await expectNothingLeft();
    expect(ledgerDirs()).not.toContain(record.tag);
  }, 300_000);

  it('measures what the same scenario measures on one machine, within noise', async () => {
    if (acrossMachines === undefined) throw new Error('the run across machines did not complete');
    const out = tempDir();
    const local: CliResult = await runCli(['run', scenarioFile(SCENARIO), '--out', out]);
    expect(local.code, local.stderr).toBe(0);
    const here = onlyRun(out);
    expect(here.paths.map((p) => p.verification?.ok)).toEqual([true, true, true, true]);
    const figures = Object.fromEntries(
      ['baseline', 'eni', 'peering', 'gre-proxy'].map((strategy) => [strategy, { acrossMachines: keepaliveP50(acrossMachines!, strategy), oneMachine: keepaliveP50(here, strategy) }]),
    );
    console.log(`keep-alive p50 (µs), one run each way: ${JSON.stringify(figures)}`);
    // One kernel either way; macvlan children on the wires instead of veths on a bridge. With `placement: none` a
    // 2-CPU VM's scheduler puts a path's probe and server on one CPU or on two, and each path's p50 sits on one of
    // two levels: in fresh-machine CI, 44 and 120 µs within one run (baseline 120 across machines, 44 on one; eni
    // the other way round), 30 and 116 µs with a test run beside it. Neither a ratio of single p50s nor one over
    // the run's baseline survives that within ×3, so the bound is ×10: it catches a path that is broken or
    // mis-measured (a clock offset, a request that waits for a timeout), not a difference. One run each way cannot
    // measure the difference (no spread, a fixed order): bench/hosts.ts does, in pairs of runs of both orders with
    // an interval (docs/hosts.md, "Same figures?").
    for (const strategy of ['baseline', 'eni', 'peering', 'gre-proxy']) {
      const ratio = keepaliveP50(acrossMachines, strategy) / keepaliveP50(here, strategy);
      expect(ratio, `${strategy}: keep-alive p50 across machines / on one machine`).toBeGreaterThan(1 / 10);
      expect(ratio, strategy).toBeLessThan(10);
    }
  }, 300_000);

  it("a machine's agent killed mid-run: the run fails naming it, the other machines are clean, clean --hosts removes the rest", async () => {
    const out = tempDir();
    const run = startCoordinator(['run', scenarioFile({ ...SCENARIO, repetitions: 2 }), '--hosts', machines().inventoryFile, '--out', out]);
    const svc = machines().machine('svc-1');
    // Mid-run: the service host's namespaces exist and the services answer.
    await waitFor(async () => /warming the services up|building|prewarm/.test(run.output()) && (await leftIn(svc)).netns.length > 0, 60_000, 'the run to build on svc-1');
    const pids = agentPidsIn(svc);
    expect(pids.length, 'the agent on svc-1').toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const result = await run.done;
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/svc-1/);
    for (const name of ['fn-1', 'proxy-1']) expect(await leftIn(machines().machine(name)), name).toEqual({ netns: [], ledgers: [] });
    expect((await leftIn(svc)).netns.length).toBeGreaterThan(0);
    const clean = startCoordinator(['clean', '--hosts', machines().inventoryFile]);
    const cleaned = await clean.done;
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout + cleaned.stderr).toMatch(/svc-1/);
    await expectNothingLeft();
  }, 300_000);

  it('the coordinator killed with SIGKILL mid-run: the agents end at end of input, clean --hosts removes everything', async () => {
    const out = tempDir();
    const run = startCoordinator(['run', scenarioFile(SCENARIO), '--hosts', machines().inventoryFile, '--out', out]);
    const fn = machines().machine('fn-1');
    // The run's own namespaces: the agent's kernel probe (features, at connect) makes and removes a scratch one first.
    await waitFor(async () => (await leftIn(fn)).netns.some((name) => /^coldpath-[0-9a-f]{4}-fh0\b/.test(name)), 60_000, 'the run to build fh0 on fn-1');
    run.child.kill('SIGKILL');
    await run.done;
    // The ssh sessions end with the coordinator; each agent reads end of input and exits, tearing nothing down.
    await waitFor(async () => agentPidsIn(fn).length === 0, 20_000, "fn-1's agent to exit");
    expect((await leftIn(fn)).netns.length).toBeGreaterThan(0);
    const clean = startCoordinator(['clean', '--hosts', machines().inventoryFile]);
    const cleaned = await clean.done;
    expect(cleaned.code, cleaned.stderr).toBe(0);
    await expectNothingLeft();
  }, 300_000);
});
