/**
 * The mechanisms behind trustworthy figures, end to end on real namespaces:
 * the order of the paths changes per repetition and is recorded; the engine
 * waits until the kernel has reclaimed what a stage deleted; warm-up ends at a
 * steady state and says so; the sockperf reference measures the same
 * container and service, or the run says why not. Wall times are measured in
 * bench/, never asserted here.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RunEvents } from '../../src/engine/events.js';
import { runScenario } from '../../src/engine/run.js';
import { settle } from '../../src/engine/settle.js';
import { PodSlots, type EngineContext } from '../../src/engine/context.js';
import { resolvePlacement } from '../../src/engine/placement.js';
import { which } from '../../src/env/tools.js';
import { linkNames } from '../../src/kernel/inspect.js';
import { LocalKernelDriver } from '../../src/kernel/driver.js';
import { Ledger } from '../../src/kernel/ledger.js';
import { undo } from '../../src/kernel/teardown.js';
import { ControlPlaneModel } from '../../src/model/control-plane.js';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { parseScenario } from '../../src/scenario/load.js';
import { basePlan } from '../../src/topology/base-plan.js';
import { containerLinkPlan, instanceDeletePlan, instanceLayout, namespacePlan } from '../../src/topology/instance-plan.js';
import { buildLayout } from '../../src/topology/layout.js';
import { newRunTag } from '../../src/topology/naming.js';
import { namespacesOf, rootNamespaceState } from './helpers.js';

// A loose steady-state criterion keeps these runs short; the steady-state test sets its own.
const QUICK = { repetitions: 2, burst: { sizes: [2] }, workload: { requests: 200, warmup: 50, metrics: ['keepalive', 'echo'], steadyState: { tolerance: 0.5, windows: 2 } } };
const run = (raw: object) => runScenario({ scenario: parseScenario(raw), scenarioSource: 'test', events: new RunEvents(), signal: new AbortController().signal });

describe('trustworthy figures: mechanisms', () => {
  it('varies the order of the paths per repetition, records it, and settles between stages', async () => {
    const before = rootNamespaceState();
    const result = await run({ ...QUICK, strategies: ['baseline', 'peering'], reference: { tool: 'none' } });
    expect(result.outcome).toBe('completed');
    expect(result.schedule).toEqual([
      { repetition: 0, order: ['baseline', 'peering'] },
      { repetition: 1, order: ['peering', 'baseline'] },
    ]);
    const slots = Object.fromEntries(result.paths.map((path) => [path.strategy, path.repetitions.map((rep) => rep.slot)]));
    expect(slots).toEqual({ baseline: [0, 1], peering: [1, 0] });
    for (const path of result.paths) {
      expect(path.verification?.ok, path.verification?.detail).toBe(true);
      for (const rep of path.repetitions) {
        // One wait after each burst, one after the path's teardown; each one finished.
        expect(rep.settles?.map((s) => s.after)).toEqual(['burst K=2', 'path teardown']);
        for (const waited of rep.settles ?? []) expect(waited.completed, waited.pending).toBe(true);
        // The burst's two instances had host-side links; the wait started with them present or already gone, and ended with none.
        expect(rep.settles?.[0]?.lingeringLinks).toBeLessThanOrEqual(2);
      }
    }
    expect(result.reference).toEqual({ tool: 'none', reason: 'reference.tool is none' });
    // Facts the reports quote are recorded by the run itself.
    expect(result.limits).toEqual({ eniAddresses: 242 });
    expect(result.notes).toContain('no reference measurement: reference.tool is none');
    expect(namespacesOf(result.tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(before);
  });

  it('shuffles with the scenario seed, and lists the order as given when asked', async () => {
    const shuffled = await run({
      ...QUICK,
      repetitions: 3,
      strategies: ['baseline', 'eni', 'peering'],
      order: 'shuffle',
      seed: 7,
      reference: { tool: 'none' },
      workload: { ...QUICK.workload, metrics: ['echo'] },
    });
    const orders = shuffled.schedule?.map((item) => item.order) ?? [];
    for (const order of orders) expect([...order].sort()).toEqual(['baseline', 'eni', 'peering']);
    for (const path of shuffled.paths) {
      expect(path.repetitions.map((rep) => orders[rep.index]?.indexOf(path.strategy))).toEqual(path.repetitions.map((rep) => rep.slot));
    }
    // What each burst held, counted from the kernel: its 2 instances' namespaces, and only ENIs put ports and addresses in the user VPC.
    const held = (path: string) => shuffled.paths.find((p) => p.strategy === path)!.repetitions.map((rep) => rep.bursts[0]!.kernelHeld!);
    for (const census of held('baseline')) expect(census).toMatchObject({ namespaces: 2, userVpcPorts: 0, userVpcAddresses: 0 });
    for (const census of held('eni')) expect(census).toMatchObject({ namespaces: 2, userVpcPorts: 2, userVpcAddresses: 2 });
    for (const census of held('peering')) expect(census).toMatchObject({ namespaces: 2, userVpcPorts: 0, userVpcAddresses: 0 });
    for (const census of held('eni')) expect(census.links).toBeGreaterThan(held('baseline')[0]!.links);
    const listed = parseScenario({ order: 'listed' });
    expect(listed.order).toBe('listed');
  });

  it('ends warm-up at a steady state and records how many requests it took; a fixed count when steady state is off', async () => {
    const steady = await run({
      ...QUICK,
      repetitions: 1,
      strategies: ['baseline'],
      reference: { tool: 'none' },
      workload: { ...QUICK.workload, steadyState: { window: 100, windows: 3, tolerance: 0.5, timeLimitMs: 20_000 } },
    });
    const warm = steady.paths[0]!.repetitions[0]!.warm;
    for (const result of warm) {
      expect(result.requested.steady).toEqual({ window: 100, windows: 3, tolerance: 0.5, timeLimitMs: 20_000 });
      const [record] = result.warmup ?? [];
      expect(record?.mode).toBe('steady');
      if (record?.mode !== 'steady') continue;
      // A tolerance of 50 % is met once three windows exist: at least the minimum, at least three windows.
      expect(record.converged).toBe(true);
      expect(record.requests).toBeGreaterThanOrEqual(300);
      expect(record.windowP50s.length).toBeGreaterThanOrEqual(3);
      expect(decodeHistogram(result.histogram).totalCount).toBe(200);
    }
    const fixed = await run({ ...QUICK, repetitions: 1, strategies: ['baseline'], reference: { tool: 'none' }, workload: { ...QUICK.workload, steadyState: { enabled: false } } });
    for (const result of fixed.paths[0]!.repetitions[0]!.warm) expect(result.warmup).toEqual([{ mode: 'fixed', requests: 50, durationUs: expect.any(Number) }]);
  });

  it('measures the same container and service with sockperf in repetitions spread over the run, its client held through its start-up sleep', async () => {
    expect(which('sockperf'), 'sockperf is not installed: apt-get install -y sockperf (scripts/install-deps installs it)').toBeDefined();
    const result = await run({ ...QUICK, repetitions: 3, strategies: ['baseline', 'gre-proxy'], reference: { tool: 'sockperf', repetitions: 2 } });
    expect(result.reference).toMatchObject({ tool: 'sockperf', port: 11111, messageBytes: 64 });
    for (const path of result.paths) {
      // The first and the last repetition, not the first two.
      expect(
        path.repetitions.map((rep) => rep.reference?.outcome ?? 'none'),
        path.strategy,
      ).toEqual(['completed', 'none', 'completed']);
      for (const rep of path.repetitions) {
        if (rep.reference?.outcome !== 'completed') continue;
        const histogram = decodeHistogram(rep.reference.histogram);
        expect(histogram.totalCount).toBeGreaterThan(1000);
        // A round trip through namespaces on this machine class: tens of µs, never ms at the median.
        expect(histogram.getValueAtPercentile(50)).toBeLessThan(1000);
      }
    }
    // No client is left, held or running.
    const clients = spawnSync('pgrep', ['-f', `sockperf ping-pong.*${result.tag}`], { encoding: 'utf8' });
    expect(clients.stdout.trim()).toBe('');
    expect(namespacesOf(result.tag)).toEqual([]);
  });
});

describe('settling', () => {
  it('waits until the kernel has reclaimed deleted instances (their host-side links are gone), and says when it gave up', async () => {
    const ledger = Ledger.create(newRunTag())!;
    const driver = new LocalKernelDriver(ledger);
    const scenario = parseScenario({ strategies: ['baseline'], settle: { timeoutMs: 1500 } });
    const layout = buildLayout(scenario, ledger.tag);
    const ctx: EngineContext = {
      scenario,
      layout,
      driver,
      model: new ControlPlaneModel(scenario),
      placement: resolvePlacement(scenario),
      events: new RunEvents(),
      signal: new AbortController().signal,
      pods: new PodSlots(1, 200),
    };
    try {
      driver.openRootSessions(1);
      await driver.apply(basePlan(layout));
      const host = layout.hosts[0]!;
      // The host's long-lived ip session is open, as in a run: it must not keep the containers alive.
      driver.openSession(host.node);
      const instances = Array.from({ length: 8 }, (_, i) => instanceLayout(layout, i, 0, i));
      for (const instance of instances) {
        await driver.apply(namespacePlan(instance));
        await driver.apply(containerLinkPlan(instance));
      }
      expect([...(await linkNames(driver.inNode(host.node)))].filter((name) => instances.some((i) => i.hostPort === name))).toHaveLength(8);
      await driver.apply(instanceDeletePlan(instances));
      const done = await settle(ctx, { after: 'test', lingering: instances.map((i) => ({ node: host.node, dev: i.hostPort })) });
      expect(done.completed, done.pending).toBe(true);
      const left = await linkNames(driver.inNode(host.node));
      expect(instances.filter((i) => left.has(i.hostPort))).toEqual([]);

      // A link that never goes away: the wait ends at settle.timeoutMs and says what was pending.
      const stuck = await settle(ctx, { after: 'test', lingering: [{ node: host.node, dev: host.podBridge }] });
      expect(stuck.completed).toBe(false);
      expect(stuck.waitedMs).toBeGreaterThanOrEqual(1500);
      expect(stuck.pending).toMatch(new RegExp(`1 link\\(s\\) of deleted namespaces still present \\(${host.podBridge}\\)`));
    } finally {
      await driver.closeAll();
      await undo(ledger.read());
      ledger.remove();
    }
    expect(namespacesOf(ledger.tag)).toEqual([]);
  });
});
