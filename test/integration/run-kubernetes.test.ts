/**
 * `coldpath run --hosts` with `executor: kubernetes`, end to end at contract
 * level (issue 12): no cluster is reachable from here, so the API server is
 * the loopback one that plays test/fixtures/kubernetes/exchange.yaml (case
 * `three-hosts`: the agent Pods found on their nodes, then exec'd over the
 * v5 channel protocol), and each exec is served by a real `coldpath agent` on
 * an emulated machine (bench/emulated-machines.ts: its own network, mount,
 * UTS and time namespaces) — as a privileged Pod with `hostNetwork: true`
 * would run it on its node. The coordinator runs here, reaching the API on
 * 127.0.0.1 through client-node with a kubeconfig; everything else is the
 * same engine as over ssh: placement, per-machine plans, commands and probes
 * through the agents, each agent's clock estimated through the exec stream.
 *
 * What only a real cluster adds (kubelet, container runtime, TLS, RBAC) is
 * in docs/kubernetes.md, "What the tests prove".
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { constants, release } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../src/results/store.js';
import type { Inventory } from '../../src/scenario/inventory.js';
import { type ExecAgent, type FakeApiServer, kubeconfigFor, startFakeApi } from '../unit/executors/kubernetes-api-server.js';
import { CLI, ledgerDirs, rootNamespaceState, runCli, scenarioFile, tempDir } from './helpers.js';
import { type Machines, startMachines, stopAllMachines } from '../../bench/emulated-machines.js';

/** Clock offsets of the machines (s): recovered through the exec streams' clock exchanges. */
const OFFSETS_S: Record<string, number> = { 'fn-1': 120, 'proxy-1': 0, 'svc-1': 45 };
const NODES: Record<string, string> = { 'fn-1': 'w1', 'proxy-1': 'w2', 'svc-1': 'w3' };

const SCENARIO = {
  name: 'kubernetes-executor-test',
  strategies: ['baseline', 'eni', 'peering', 'gre-proxy'],
  tunnel: 'vxlan',
  functionHosts: 1,
  repetitions: 1,
  burst: { sizes: [2] },
  workload: { requests: 200, warmup: 50, metrics: ['keepalive'] },
  cpu: { placement: 'none' },
  reference: { tool: 'none' },
};

/** A login-like environment for the agent: the Pod's, not the test's (no COLDPATH_STATE_DIR: the node's /run/coldpath). */
const AGENT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8'];

let harness: Machines | undefined;
/** Every API server started (each plays the transcript's case once); closed at the end. */
const servers: FakeApiServer[] = [];
let kubeconfig = '';
let rootBefore = '';
/** The agents started behind the execs, by host, latest last. */
const agents = new Map<string, ChildProcess[]>();

/** `coldpath agent` inside the machine the Pod's node stands for, as the container's exec would start it there. */
function agentOnMachine(pod: string): ExecAgent {
  const host = pod.replace(/^coldpath-agent-/, '');
  const machine = harness?.machine(host);
  if (machine === undefined) throw new Error(`no machine for pod ${pod}`);
  const child = spawn('nsenter', ['-t', String(machine.pid), '-n', '-m', '-u', '-T', '-r', '--wd=/', 'env', '-i', ...AGENT_ENV, process.execPath, CLI, 'agent'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  agents.set(host, [...(agents.get(host) ?? []), child]);
  // A process killed by a signal exits 128 + its number, as a container's command does.
  const done = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)))));
  if (child.stdin === null || child.stdout === null) throw new Error('the agent has no pipes');
  return { stdin: child.stdin, stdout: child.stdout, done };
}

/** A fresh API server for one command (one list and one exec per host), the kubeconfig pointed at it. */
async function serveApi(): Promise<FakeApiServer> {
  const server = await startFakeApi('three-hosts', 0, '', agentOnMachine);
  servers.push(server);
  writeFileSync(kubeconfig, kubeconfigFor(server.url));
  return server;
}

async function leftOn(host: string): Promise<string[]> {
  const machine = harness!.machine(host);
  const netns = await machine.exec(['ip', 'netns', 'list']);
  const ledgers = await machine.exec(['ls', '-A', '/run/coldpath']);
  return `${netns.stdout}\n${ledgers.stdout}`.split('\n').filter((line) => line.trim() !== '');
}

describe('coldpath run --hosts (executor kubernetes, API on loopback, agents on three emulated machines)', () => {
  let inventoryFile = '';

  beforeAll(async () => {
    rootBefore = rootNamespaceState();
    harness = await startMachines({
      prefix: 'cpm-k8s',
      machines: [
        { name: 'fn-1', role: 'function-host', monotonicOffsetS: OFFSETS_S['fn-1'] ?? 0, extraNic: true },
        { name: 'proxy-1', role: 'proxy', monotonicOffsetS: OFFSETS_S['proxy-1'] ?? 0 },
        { name: 'svc-1', role: 'service-host', monotonicOffsetS: OFFSETS_S['svc-1'] ?? 0 },
      ],
    });
    const dir = tempDir('coldpath-k8s-');
    kubeconfig = join(dir, 'kubeconfig');
    const inventory: Inventory = {
      executor: 'kubernetes',
      kubernetes: { namespace: 'coldpath', image: 'localhost/coldpath:dev', imagePullPolicy: 'Never', kubeconfig },
      hosts: harness.machines.map((m) => ({ name: m.name, role: m.role, node: NODES[m.name] ?? '?', nics: m.nics })),
      clockBoundUs: 1000,
    };
    inventoryFile = join(dir, 'inventory.yaml');
    writeFileSync(inventoryFile, stringify(inventory));
  }, 60_000);

  afterAll(async () => {
    for (const agent of [...agents.values()].flat()) if (agent.exitCode === null) agent.kill('SIGKILL');
    for (const server of servers) await server.close();
    await stopAllMachines();
    expect(rootNamespaceState()).toBe(rootBefore);
  }, 60_000);

  it('runs every path through the agents in their Pods: paths verified, clocks recovered, every exec ended, nothing left', async () => {
    const server = await serveApi();
    const out = tempDir();
    const result = await runCli(['run', scenarioFile(SCENARIO), '--hosts', inventoryFile, '--out', out, '--quiet'], { timeoutMs: 240_000 });
    expect(result.code, result.stderr).toBe(0);
    // Exactly the transcript: one list and one exec per host, nothing else asked of the API.
    expect(server.seen.unexpected).toEqual([]);
    expect(server.seen.requests.filter((r) => r.includes('/exec?')).length).toBe(3);
    expect(server.seen.offered.every((offered) => offered[0] === 'v5.channel.k8s.io')).toBe(true);
    await server.agentsDone();

    const [runDir] = readdirSync(out);
    const run = readRun(join(out, runDir ?? ''));
    expect(run.outcome).toBe('completed');
    expect(run.paths.map((p) => [p.strategy, p.outcome, p.verification?.ok])).toEqual([
      ['baseline', 'completed', true],
      ['eni', 'completed', true],
      ['peering', 'completed', true],
      ['gre-proxy', 'completed', true],
    ]);
    for (const path of run.paths) for (const burst of path.repetitions[0]?.bursts ?? []) for (const instance of burst.instances) expect(instance.outcome, path.strategy).toBe('ok');
    // Each agent names its machine and its clock estimate holds the machine's offset within its own bound.
    expect(run.agents?.map((a) => [a.host, a.hostname, a.kernel])).toEqual(harness!.machines.map((m) => [m.name, m.name, release()]));
    for (const agent of run.agents ?? []) {
      const injectedUs = (OFFSETS_S[agent.host] ?? Number.NaN) * 1e6;
      for (const estimate of [agent.start, agent.end!])
        expect(Math.abs(estimate.offsetUs - injectedUs), `${agent.host}: ${estimate.offsetUs} ± ${estimate.uncertaintyUs}`).toBeLessThanOrEqual(estimate.uncertaintyUs);
    }
    expect(run.notes.join('\n')).toMatch(/host fn-1 \(.*fh0.*\): agent pid \d+ on fn-1 \(kernel /);
    // Nothing left on any machine, and no ledger here.
    for (const machine of harness!.machines) expect(await leftOn(machine.name), machine.name).toEqual([]);
    expect(ledgerDirs()).not.toContain(run.tag);
  }, 300_000);

  it("the agent in fn-1's Pod killed mid-run: the run fails naming the host, the Pod and exit 137; the others are clean; clean --hosts through the API removes the rest", async () => {
    await serveApi();
    const out = tempDir();
    const running = runCli(['run', scenarioFile({ ...SCENARIO, repetitions: 2 }), '--hosts', inventoryFile, '--out', out, '--quiet'], { timeoutMs: 240_000 });
    const deadline = Date.now() + 60_000;
    while ((await leftOn('fn-1')).filter((line) => line.includes('-c')).length === 0) {
      if (Date.now() > deadline) throw new Error('the run built no instance on fn-1 within 60 s');
      await sleep(100);
    }
    agents.get('fn-1')?.at(-1)?.kill('SIGKILL');
    const result = await running;
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/fn-1: the agent's exec stream in pod coldpath\/coldpath-agent-fn-1 ended: .*exit code 137/);
    for (const host of ['proxy-1', 'svc-1']) expect(await leftOn(host), host).toEqual([]);
    expect((await leftOn('fn-1')).length).toBeGreaterThan(0);

    const server = await serveApi();
    const cleaned = await runCli(['clean', '--hosts', inventoryFile], { timeoutMs: 120_000 });
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(server.seen.unexpected).toEqual([]);
    for (const machine of harness!.machines) expect(await leftOn(machine.name), machine.name).toEqual([]);
  }, 300_000);
});
