/**
 * What the QEMU tier asserts of a `failover` result over GRE, in one guest
 * (gre-conformance.test.ts) and between two proxy guests (multi-host.test.ts):
 * the standby took both VIPs, traffic came back through it, and the user
 * service saw only the user VIP.
 */
import { expect } from 'vitest';
import type { FailoverMeasured, RunResult } from '../../src/results/types.js';

type Experiment = RunResult['experiments'][number];

/** The failover result named `name`, checked; returns what was measured and the later of the two VIP moves (µs after the fault). */
export function expectStandbyTookOver(run: RunResult, name: string): { measured: FailoverMeasured; movedUs: number; notes: string[]; vips: { platform: string; user: string } } {
  const f: Experiment | undefined = run.experiments.find((e) => e.name === name);
  expect(f?.kind).toBe('failover');
  if (f?.kind !== 'failover') throw new Error(`no failover experiment ${name}`);
  expect(f.outcome, f.message).toBe('completed');
  expect(f.config?.tunnel).toBe('gre');
  const m = f.measured;
  if (m === undefined || f.config === undefined) throw new Error(`${name}: nothing measured`);
  expect(m.verdict).toBe('moved');
  expect(m.vipOnStandbyUs.platform).not.toBeNull();
  expect(m.vipOnStandbyUs.user).not.toBeNull();
  for (const instance of ['plat', 'user']) {
    expect(
      m.transitions.some((t) => t.node === 'px1' && t.state === 'MASTER' && t.instance === instance),
      `px1 MASTER of ${instance}`,
    ).toBe(true);
  }
  const movedUs = Math.max(m.vipOnStandbyUs.platform ?? 0, m.vipOnStandbyUs.user ?? 0);
  expect(m.resumedUs, 'traffic resumed after the fault').not.toBeNull();
  const after = Math.floor((movedUs - m.timeline.startUs) / m.timeline.bucketUs) + 1;
  expect(
    m.timeline.ok.slice(after).reduce((x, y) => x + y, 0),
    'successes after the VIPs moved',
  ).toBeGreaterThan(0);
  expect(Object.keys(m.sources), 'the user service saw only the user VIP').toEqual([f.config.vips.user]);
  return { measured: m, movedUs, notes: f.notes, vips: f.config.vips };
}
