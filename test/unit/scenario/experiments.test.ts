/** Each experiment kind validates its fields: defaults filled in, bad input an input error naming the field. */
import { describe, expect, it } from 'vitest';
import { ColdpathError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/load.js';

function problem(experiments: unknown[]): ColdpathError {
  try {
    parseScenario({ experiments }, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ColdpathError);
    expect((error as ColdpathError).kind).toBe('input');
    return error as ColdpathError;
  }
  throw new Error('scenario was accepted');
}

describe('experiments schema', () => {
  it('no experiments by default; each kind gets its defaults', () => {
    expect(parseScenario({}).experiments).toEqual([]);
    const [failover, mtu, nat, scaling] = parseScenario({ experiments: [{ kind: 'failover' }, { kind: 'mtu' }, { kind: 'nat' }, { kind: 'scaling' }] }).experiments;
    expect(failover).toMatchObject({ kind: 'failover', mode: 'crash', advertIntervalMs: 100, priorities: { active: 200, standby: 100 }, keepalived: 'keepalived', standbyDown: false });
    expect(mtu).toMatchObject({ kind: 'mtu', clamp: [true, false], pmtud: ['allowed', 'blocked'], directions: ['download', 'upload'] });
    expect(nat).toMatchObject({ kind: 'nat', ports: { first: 40000, count: 64 }, timeWaitSeconds: 2 });
    expect(scaling).toMatchObject({ kind: 'scaling', policy: { min: 1, max: 3, metric: 'newConnectionsPerSecond' } });
  });

  const cases: Array<[string, unknown[], string, RegExp]> = [
    ['unknown kind', [{ kind: 'chaos' }], 'experiments.0.kind', /Invalid discriminator value/],
    ['advert interval below VRRPv3 minimum', [{ kind: 'failover', advertIntervalMs: 5 }], 'experiments.0.advertIntervalMs', /got 5; expected ≥ 10/],
    ['advert interval not in centiseconds', [{ kind: 'failover', advertIntervalMs: 15 }], 'experiments.0.advertIntervalMs', /multiple of 10/],
    ['standby priority not below active', [{ kind: 'failover', priorities: { active: 100, standby: 100 } }], 'experiments.0.priorities.standby', /lower than priorities\.active/],
    ['priority out of range', [{ kind: 'failover', priorities: { active: 255 } }], 'experiments.0.priorities.active', /≤ 254/],
    ['unknown mode', [{ kind: 'failover', mode: 'meteor' }], 'experiments.0.mode', /"crash", "link-down", "freeze", "graceful"/],
    ['thaw without freeze', [{ kind: 'failover', mode: 'crash', thawAfterMs: 100 }], 'experiments.0.thawAfterMs', /only with mode: freeze/],
    ['unknown field', [{ kind: 'failover', advert: 1 }], 'experiments.0', /unknown field "advert"/],
    ['empty load', [{ kind: 'failover', load: [] }], 'experiments.0.load', /at least 1/],
    ['mtu size zero', [{ kind: 'mtu', sizes: [0] }], 'experiments.0.sizes.0', /≥ 1/],
    ['mtu pmtud value', [{ kind: 'mtu', pmtud: ['maybe'] }], 'experiments.0.pmtud.0', /"allowed", "blocked"/],
    ['nat port range past 65535', [{ kind: 'nat', ports: { first: 65500, count: 100 } }], 'experiments.0.ports.count', /≤ 65535/],
    ['nat step rate', [{ kind: 'nat', steps: [{ rate: 0 }] }], 'experiments.0.steps.0.rate', /got 0/],
    ['nat holding far more than the ports', [{ kind: 'nat', ports: { count: 8 }, steps: [{ rate: 1, held: 100 }] }], 'experiments.0.steps', /more than 4 × ports\.count/],
    ['scaling min above max', [{ kind: 'scaling', policy: { min: 4, max: 2 } }], 'experiments.0.policy.min', /must not exceed policy\.max/],
    ['scaling max beyond the address plan', [{ kind: 'scaling', policy: { max: 9 } }], 'experiments.0.policy.max', /≤ 8/],
    ['second entry', [{ kind: 'mtu' }, { kind: 'nat', timeWaitSeconds: 0 }], 'experiments.1.timeWaitSeconds', /≥ 1/],
  ];
  for (const [label, experiments, field, message] of cases) {
    it(`rejects: ${label}`, () => {
      const error = problem(experiments);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      expect(error.hint).toMatch(/coldpath schema/);
    });
  }
});
