/**
 * Pool scaling: rising load adds a proxy that carries traffic, falling load
 * drains and removes it without failed requests; a pool at max is a
 * recorded outcome.
 */
import { describe, expect, it } from 'vitest';
import { experiment, expectNothingLeft, runExperimentScenario } from './experiments-helpers.js';

describe('experiment: scaling', () => {
  it('scales out under load, drains and scales in when it falls; a pool at max is recorded', async () => {
    const { cli, run } = await runExperimentScenario([
      {
        kind: 'scaling',
        name: 'pool',
        policy: { targetPerProxy: 60, min: 1, max: 2, intervalMs: 200, scaleOutCooldownMs: 500, scaleInCooldownMs: 1000, drainTimeoutMs: 2000 },
        load: {
          instances: 2,
          stages: [
            { rate: 20, durationMs: 1500 },
            { rate: 100, durationMs: 3000 },
            { rate: 20, durationMs: 3500 },
          ],
        },
      },
      {
        kind: 'scaling',
        name: 'capped',
        policy: { targetPerProxy: 20, min: 1, max: 1, intervalMs: 200 },
        load: { instances: 1, stages: [{ rate: 80, durationMs: 2000 }] },
      },
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const pool = experiment(run, 'pool', 'scaling');
    expect(pool.outcome, pool.message).toBe('completed');
    const m = pool.measured!;
    const out = m.events.find((e) => e.action === 'scale-out');
    expect(out?.proxy).toBe('px1');
    // The new proxy carried traffic: its first flow was seen, so a reaction time exists.
    expect(out?.reactionUs).toBeGreaterThan(0);
    expect(m.reactionUs.length).toBeGreaterThan(0);
    expect(m.peakProxies).toBe(2);
    // Scale-in: drained first, removed with no established flow cut.
    const drain = m.events.find((e) => e.action === 'drain');
    const removed = m.events.find((e) => e.action === 'remove');
    expect(drain?.proxy).toBe('px1');
    expect(removed?.proxy).toBe('px1');
    expect(removed?.flowsCut).toBe(0);
    expect(removed!.atUs).toBeGreaterThanOrEqual(drain!.atUs);
    expect(m.proxiesOverTime.at(-1)?.[1]).toBe(1);
    expect(m.tally.failed).toBe(0);

    const capped = experiment(run, 'capped', 'scaling');
    expect(capped.outcome, capped.message).toBe('completed');
    expect(capped.measured!.atMax).not.toBeNull();
    expect(capped.measured!.atMax!.desired).toBeGreaterThan(1);
    expect(capped.measured!.events.some((e) => e.action === 'at-max')).toBe(true);
    expect(capped.measured!.peakProxies).toBe(1);
    expectNothingLeft(run);
  });
});
