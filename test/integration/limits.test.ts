/** Bursts that hit the ENI quota and the user subnet's size fail the way a platform fails. */
import { describe, expect, it } from 'vitest';
import { RunEvents } from '../../src/engine/events.js';
import { runScenario } from '../../src/engine/run.js';
import { parseScenario } from '../../src/scenario/load.js';
import { namespacesOf } from './helpers.js';

const run = (raw: object) => runScenario({ scenario: parseScenario(raw), scenarioSource: 'test', events: new RunEvents(), signal: new AbortController().signal });

describe('eni limits under a burst', () => {
  it('records instances beyond the ENI quota as failed with reason eni-quota', async () => {
    const result = await run({ strategies: ['eni'], eni: { quotaPerVpc: 3 }, repetitions: 1, burst: { sizes: [5] }, workload: { requests: 20, warmup: 5, metrics: ['keepalive'] } });
    const burst = result.paths[0]!.repetitions[0]!.bursts[0]!;
    expect(burst.failures).toEqual({ 'eni-quota': 2 });
    expect(burst.instances.filter((i) => i.outcome === 'ok')).toHaveLength(3);
    expect(burst.resources).toMatchObject({ instances: 3, userVpcInterfaces: 3, userSubnetIps: 3 });
    expect(burst.instances.find((i) => i.reason === 'eni-quota')?.message).toMatch(/ENI quota reached: 3 of eni\.quotaPerVpc 3/);
    expect(result.paths[0]!.verification?.ok).toBe(true);
    expect(namespacesOf(result.tag)).toEqual([]);
  });

  it('records instances beyond the user subnet as failed with reason subnet-exhausted', async () => {
    const result = await run({
      strategies: ['eni'],
      user: { cidr: '198.19.0.0/16', subnet: '198.19.0.0/28' },
      repetitions: 1,
      burst: { sizes: [4] },
      workload: { requests: 20, warmup: 5, metrics: ['keepalive'], instances: 1 },
    });
    const burst = result.paths[0]!.repetitions[0]!.bursts[0]!;
    expect(burst.failures).toEqual({ 'subnet-exhausted': 2 });
    expect(namespacesOf(result.tag)).toEqual([]);
  });
});
