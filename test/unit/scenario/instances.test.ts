/**
 * instances.runtime: process by default, oci on request; instances.network:
 * coldpath by default, cni on request; anything else an input error (exit 2)
 * naming the field.
 */
import { describe, expect, it } from 'vitest';
import { scenarioEchoSchema } from '../../../src/results/scenario-echo.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { problem } from './problem.js';

describe('instances.runtime', () => {
  it('is process by default, so existing scenarios keep their meaning', () => {
    expect(parseScenario({}).instances).toEqual({ runtime: 'process', network: 'coldpath' });
    expect(parseScenario({ instances: {} }).instances).toEqual({ runtime: 'process', network: 'coldpath' });
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
    expect(scenarioEchoSchema.parse(scenario).instances).toEqual({ runtime: 'oci', network: 'coldpath' });
    const { instances: _dropped, ...older } = scenario;
    expect(scenarioEchoSchema.parse(older).instances).toBeUndefined();
  });
});

describe('instances.network', () => {
  it('accepts cni, with either runtime and on every path', () => {
    const strategies = ['baseline', 'eni', 'peering', 'gre-proxy'];
    expect(parseScenario({ strategies, instances: { network: 'cni' } }).instances).toEqual({ runtime: 'process', network: 'cni' });
    expect(parseScenario({ strategies, instances: { runtime: 'oci', network: 'cni' } }).instances).toEqual({ runtime: 'oci', network: 'cni' });
  });

  it('refuses an unknown network, naming the field and what is allowed', () => {
    expect(problem({ instances: { network: 'calico' } }).message).toMatch(/instances\.network: got "calico"; expected one of "coldpath", "cni"/);
  });

  it('is echoed into run.json, and an echo of `instances` without it (schema ≤ 7) still parses', () => {
    expect(scenarioEchoSchema.parse(parseScenario({ instances: { network: 'cni' } })).instances).toEqual({ runtime: 'process', network: 'cni' });
    expect(scenarioEchoSchema.parse({ ...parseScenario({}), instances: { runtime: 'process' } }).instances).toEqual({ runtime: 'process' });
  });
});
