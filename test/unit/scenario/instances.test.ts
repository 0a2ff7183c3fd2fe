/** instances.runtime: process by default, oci on request, anything else an input error (exit 2) naming the field. */
import { describe, expect, it } from 'vitest';
import { scenarioEchoSchema } from '../../../src/results/scenario-echo.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { problem } from './problem.js';

describe('instances.runtime', () => {
  it('is process by default, so existing scenarios keep their meaning', () => {
    expect(parseScenario({}).instances).toEqual({ runtime: 'process' });
    expect(parseScenario({ instances: {} }).instances).toEqual({ runtime: 'process' });
  });

  it('accepts oci', () => {
    expect(parseScenario({ instances: { runtime: 'oci' } }).instances.runtime).toBe('oci');
  });

  it('refuses an unknown runtime, naming the field and what is allowed', () => {
    expect(problem({ instances: { runtime: 'docker' } }).message).toMatch(/instances\.runtime: got "docker"; expected one of "process", "oci"/);
  });

  it('refuses an unknown field of instances', () => {
    expect(problem({ instances: { runtime: 'oci', image: 'debian' } }).message).toMatch(/instances/);
  });

  it('is echoed into run.json, and an echo without it (schema ≤ 5) still parses', () => {
    const scenario = parseScenario({ instances: { runtime: 'oci' } });
    expect(scenarioEchoSchema.parse(scenario).instances).toEqual({ runtime: 'oci' });
    const { instances: _dropped, ...older } = scenario;
    expect(scenarioEchoSchema.parse(older).instances).toBeUndefined();
  });
});
