import { describe, expect, it } from 'vitest';
import { ControlPlaneModel, TokenBucket } from '../../../src/model/control-plane.js';
import { PROFILES } from '../../../src/model/profiles.js';
import { parseScenario } from '../../../src/scenario/load.js';

describe('token bucket (virtual time)', () => {
  it('grants a full bucket at once, then one token per refill interval, first come first served', () => {
    const bucket = new TokenBucket(2, 10); // 2 tokens, 10 per second → 100 ms each
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 100_000, 200_000]);
    // Idle for a second: the bucket refills to capacity (2), not beyond.
    expect([bucket.take(2_000_000), bucket.take(2_000_000), bucket.take(2_000_000)]).toEqual([2_000_000, 2_000_000, 2_100_000]);
  });
});

describe('control-plane model', () => {
  it('is deterministic for a seed and different across seeds', () => {
    const a = new ControlPlaneModel(parseScenario({ seed: 7 }));
    const b = new ControlPlaneModel(parseScenario({ seed: 7 }));
    const c = new ControlPlaneModel(parseScenario({ seed: 8 }));
    const draws = (m: ControlPlaneModel): number[] => Array.from({ length: 5 }, () => m.draw('eni.create'));
    const first = draws(a);
    expect(draws(b)).toEqual(first);
    expect(draws(c)).not.toEqual(first);
  });

  it('draws around the profile median with the profile p99 as the tail', () => {
    const model = new ControlPlaneModel(parseScenario({}));
    const values = Array.from({ length: 20_000 }, () => model.draw('eni.create')).sort((x, y) => x - y);
    const spec = PROFILES['aws-2019']!.phases['eni.create'];
    expect(values[10_000]! / 1000).toBeGreaterThan(spec.medianMs * 0.95);
    expect(values[10_000]! / 1000).toBeLessThan(spec.medianMs * 1.05);
    expect(values[19_800]! / 1000).toBeGreaterThan(spec.p99Ms * 0.85);
    expect(values[19_800]! / 1000).toBeLessThan(spec.p99Ms * 1.15);
  });

  it('throttles a burst of API calls beyond the bucket', () => {
    const model = new ControlPlaneModel(parseScenario({ controlPlane: { apiBucket: { capacity: 4, refillPerSecond: 2 } } }));
    const burst = model.burst(8, ['eni.create', 'eni.attach']);
    expect(burst).toHaveLength(8);
    const firstCallWaits = burst.map((steps) => steps[0]!.throttleUs);
    expect(firstCallWaits.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(Math.min(...firstCallWaits.slice(4))).toBeGreaterThanOrEqual(500_000);
    for (const steps of burst) expect(steps.map((s) => s.phase)).toEqual(['eni.create', 'eni.attach']);
  });

  it('applies overrides and refuses unknown phases or profiles with the field named', () => {
    const model = new ControlPlaneModel(parseScenario({ controlPlane: { overrides: { 'eni.create': { medianMs: 10, p99Ms: 10 } } } }));
    expect(model.draw('eni.create')).toBe(10_000);
    expect(() => new ControlPlaneModel(parseScenario({ controlPlane: { overrides: { 'eni.delete': { medianMs: 1, p99Ms: 2 } } } }))).toThrow(
      /controlPlane\.overrides\.eni\.delete: unknown modeled phase/,
    );
    expect(() => new ControlPlaneModel(parseScenario({ controlPlane: { profile: 'gcp' } }))).toThrow(/controlPlane\.profile: unknown profile "gcp"/);
    expect(() => new ControlPlaneModel(parseScenario({ controlPlane: { overrides: { 'eni.create': { medianMs: 5, p99Ms: 1 } } } }))).toThrow(/p99Ms 1 is below medianMs 5/);
  });

  it('cites a source for every modeled phase', () => {
    for (const profile of Object.values(PROFILES)) {
      for (const spec of Object.values(profile.phases)) expect(spec.sources.length).toBeGreaterThan(0);
      expect(profile.apiBucket.sources[0]?.url).toMatch(/^https:\/\//);
    }
  });
});
