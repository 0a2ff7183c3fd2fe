import { describe, expect, it } from 'vitest';
import { resolvePlacement } from '../../../src/engine/placement.js';
import { ColdpathError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/load.js';

describe('resolvePlacement', () => {
  it('default on 2 CPUs: probes and services on the last CPU, helpers on the other', () => {
    expect(resolvePlacement(parseScenario({}), 2)).toEqual({ placement: 'pinned', probes: [1], services: [1], burstProbes: [], helpers: [0] });
  });

  it('default on 4 CPUs: helpers on every CPU the probes and services do not use', () => {
    const placement = resolvePlacement(parseScenario({ cpu: { probes: [0], services: [2] } }), 4);
    expect(placement.probes).toEqual([0]);
    expect(placement.services).toEqual([2]);
    expect(placement.helpers).toEqual([1, 3]);
  });

  it('services default to the probe CPUs', () => {
    expect(resolvePlacement(parseScenario({ cpu: { probes: [2] } }), 4).services).toEqual([2]);
  });

  it('one CPU: no CPU is left for helpers', () => {
    expect(resolvePlacement(parseScenario({}), 1)).toMatchObject({ probes: [0], services: [0], helpers: [] });
  });

  it('helpers: [] keeps the helper threads with the main thread', () => {
    expect(resolvePlacement(parseScenario({ cpu: { helpers: [] } }), 2).helpers).toEqual([]);
  });

  it('burstProbes: pinned puts burst probes on the probe CPUs', () => {
    expect(resolvePlacement(parseScenario({ cpu: { burstProbes: 'pinned' } }), 2).burstProbes).toEqual([1]);
  });

  it('a helper CPU that does not exist is an input error naming cpu.helpers', () => {
    const scenario = parseScenario({ cpu: { helpers: [0, 5] } });
    let error: unknown;
    try {
      resolvePlacement(scenario, 2);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ColdpathError);
    const coldpathError = error as ColdpathError;
    expect(coldpathError.message).toContain('cpu.helpers');
    expect(coldpathError.message).toContain('CPU 5');
    expect(coldpathError.field).toBe('cpu.helpers');
    expect(coldpathError.kind).toBe('input');
  });

  it('a probe CPU that does not exist names cpu.probes', () => {
    expect(() => resolvePlacement(parseScenario({ cpu: { probes: [2] } }), 2)).toThrow(/cpu\.probes/);
  });

  it('placement none: nothing pinned, whatever the lists say', () => {
    expect(resolvePlacement(parseScenario({ cpu: { placement: 'none', probes: [7], helpers: [9] } }), 2)).toEqual({
      placement: 'none',
      probes: [],
      services: [],
      burstProbes: [],
      helpers: [],
    });
  });
});
