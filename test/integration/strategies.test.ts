/**
 * Every strategy end to end, with proof of the path taken: the user service
 * records each connection's source address.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RunEvents } from '../../src/engine/events.js';
import { runScenario } from '../../src/engine/run.js';
import type { PathResult, RunResult } from '../../src/results/types.js';
import { parseScenario } from '../../src/scenario/load.js';
import { namespacesOf, rootNamespaceState } from './helpers.js';

describe('strategies end to end', () => {
  let run: RunResult;
  let before: string;
  const path = (name: string): PathResult => {
    const found = run.paths.find((p) => p.strategy === name);
    if (found === undefined) throw new Error(`no ${name} path`);
    return found;
  };

  beforeAll(async () => {
    before = rootNamespaceState();
    const scenario = parseScenario({
      strategies: ['eni', 'peering', 'gre-proxy'],
      functionHosts: 2,
      repetitions: 1,
      burst: { sizes: [3] },
      workload: { requests: 100, warmup: 50, metrics: ['keepalive', 'newconn'] },
    });
    run = await runScenario({ scenario, scenarioSource: 'test', events: new RunEvents(), signal: new AbortController().signal });
  });

  it('completes every path', () => {
    expect(run.outcome).toBe('completed');
    expect(run.paths.map((p) => [p.strategy, p.outcome])).toEqual([
      ['eni', 'completed'],
      ['peering', 'completed'],
      ['gre-proxy', 'completed'],
    ]);
  });

  it('eni: the service sees only ENI addresses from the user subnet', () => {
    const verification = path('eni').verification!;
    expect(verification.ok).toBe(true);
    const sources = Object.keys(verification.observedSources);
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const source of sources) expect(source).toMatch(/^198\.19\.0\./);
    const instances = path('eni').repetitions[0]!.bursts[0]!.instances;
    expect(instances.map((i) => i.modeled.map((s) => s.phase))).toEqual(instances.map(() => ['eni.create', 'eni.attach']));
    expect(instances.every((i) => i.modeledTotalUs > 0)).toBe(true);
  });

  it('peering: the service sees pod addresses, routed back from the user VPC', () => {
    const verification = path('peering').verification!;
    expect(verification.ok).toBe(true);
    for (const source of Object.keys(verification.observedSources)) expect(source).toMatch(/^100\.64\.[01]\./);
    expect(path('peering').prewarm.modeled.map((s) => s.phase)).toEqual(['peering.create', 'peering.accept', 'peering.routes']);
  });

  it("gre-proxy: the service sees only the proxy's eth1, and the proxy's counters moved", () => {
    const verification = path('gre-proxy').verification!;
    expect(verification.ok).toBe(true);
    expect(Object.keys(verification.observedSources)).toEqual(['198.19.0.5']);
    expect(verification.proxyCounters!.out).toBeGreaterThan(0);
    expect(verification.proxyCounters!.back).toBeGreaterThan(0);
    expect(run.tunnel?.used).toBe(run.fingerprint.tunnelUsed);
    const burst = path('gre-proxy').repetitions[0]!.bursts[0]!;
    expect(burst.resources.conntrackEntries).toBeGreaterThan(0);
    expect(burst.resources.proxies).toBe(1);
  });

  it('leaves nothing behind', () => {
    expect(namespacesOf(run.tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(before);
  });
});
