/**
 * The proxy HA pair fails over under load with real keepalived: the VIPs
 * move to the standby and traffic resumes; a missing keepalived is a clear
 * environment error naming the Debian package; a standby that is not running
 * is a recorded outcome (the VIP never moves), not a hang; nothing is left.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { experiment, expectNothingLeft, processesOfRun, QUICK_PATHS, runExperimentScenario } from './experiments-helpers.js';
import { allColdpathNamespaces, namespacesOf, newNamespacesNotOfOtherRuns, runCli, scenarioFile, startCli } from './helpers.js';

describe('experiment: failover', () => {
  it('crash of the active proxy: the VIPs move, traffic resumes; a pair without a standby records that the VIP never moved', async () => {
    const { cli, run } = await runExperimentScenario([
      {
        kind: 'failover',
        name: 'crash',
        mode: 'crash',
        advertIntervalMs: 20,
        beforeMs: 500,
        afterMs: 1500,
        load: [
          { metric: 'keepalive', rate: 200, concurrency: 4 },
          { metric: 'newconn', rate: 50, concurrency: 8 },
        ],
      },
      {
        kind: 'failover',
        name: 'alone',
        mode: 'crash',
        advertIntervalMs: 20,
        standbyDown: true,
        beforeMs: 300,
        afterMs: 800,
        timeoutMs: 500,
        load: [{ metric: 'keepalive', rate: 100, concurrency: 2 }],
      },
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const crash = experiment(run, 'crash', 'failover');
    expect(crash.outcome, crash.message).toBe('completed');
    const m = crash.measured!;
    expect(m.verdict).toBe('moved');
    // The standby took both VIPs, within a generous multiple of VRRP's bound (a loaded 2-CPU host).
    expect(m.vipOnStandbyUs.platform).not.toBeNull();
    expect(m.vipOnStandbyUs.user).not.toBeNull();
    expect(m.vipOnStandbyUs.platform!).toBeLessThan(m.bound.masterDownUs * 10);
    expect(m.transitions.some((t) => t.node === 'px1' && t.state === 'MASTER' && t.instance === 'plat')).toBe(true);
    expect(m.transitions.some((t) => t.node === 'px1' && t.state === 'MASTER' && t.instance === 'user')).toBe(true);
    // Traffic resumed: there are successes after the VIPs moved, and the gap is finite.
    expect(m.resumedUs).not.toBeNull();
    const moved = Math.max(m.vipOnStandbyUs.platform!, m.vipOnStandbyUs.user!);
    const index = Math.floor((moved - m.timeline.startUs) / m.timeline.bucketUs) + 1;
    expect(m.timeline.ok.slice(index).reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
    expect(m.gapUs).toBeGreaterThan(0);
    expect(m.tally.ok).toBeGreaterThan(m.tally.requests * 0.9);
    // The user service saw one source whichever proxy was active: the user VIP.
    expect(Object.keys(m.sources)).toEqual([crash.config?.vips.user]);

    const alone = experiment(run, 'alone', 'failover');
    expect(alone.outcome, alone.message).toBe('completed');
    expect(alone.measured!.verdict).toBe('vip-never-moved');
    expect(alone.measured!.resumedUs).toBeNull();
    expect(alone.measured!.tally.failed).toBeGreaterThan(0);
    expectNothingLeft(run);
  });

  it('keepalived missing: an environment error naming the Debian package, before anything is built', async () => {
    const before = allColdpathNamespaces();
    const { cli, run } = await runExperimentScenario([{ kind: 'failover', keepalived: 'keepalived-not-installed' }]);
    expect(cli.code).toBe(3);
    expect(cli.stderr).toMatch(/keepalived not found.*Debian package keepalived/s);
    expect(cli.stderr).toMatch(/hint: .*apt-get install -y keepalived/);
    expect(run).toBeUndefined();
    expect(newNamespacesNotOfOtherRuns(before, cli.pid)).toEqual([]);
  });

  it('kill -9 during a failover experiment: `coldpath clean` stops keepalived and removes everything', async () => {
    const { child, tag } = await startCli(['run', scenarioFile({ ...QUICK_PATHS, experiments: [{ kind: 'failover', beforeMs: 30_000, afterMs: 1000 }] })]);
    const deadline = Date.now() + 60_000;
    while (processesOfRun(tag).filter((p) => p.includes('keepalived')).length < 2 && Date.now() < deadline) await sleep(100);
    expect(processesOfRun(tag).filter((p) => p.includes('keepalived')).length).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const clean = await runCli(['clean']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(namespacesOf(tag)).toEqual([]);
    // keepalived parents and their VRRP children: none left.
    await sleep(200);
    expect(processesOfRun(tag)).toEqual([]);
  });
});
