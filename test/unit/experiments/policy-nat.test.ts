/** The scaling policy, NAT limit rules and remedies, the probe's rate profile: arithmetic and plan text. */
import { describe, expect, it } from 'vitest';
import { exhaustedBy, failed, natLimitPlan, remedyFor } from '../../../src/experiments/nat/experiment.js';
import { desiredProxies } from '../../../src/experiments/scaling/policy.js';
import { parseConntrack, parseConntrackStats } from '../../../src/kernel/inspect.js';
import { singleProxy } from '../../../src/experiments/single-proxy.js';
import { scheduleOffset } from '../../../src/probes/load-loop.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { buildLayout } from '../../../src/topology/layout.js';

describe('scaling policy', () => {
  const policy = { targetPerProxy: 100, min: 1, max: 3 };
  it('wants ceil(load ÷ target) proxies within [min, max]', () => {
    expect(desiredProxies(0, policy)).toEqual({ unbounded: 1, desired: 1 });
    expect(desiredProxies(100, policy)).toEqual({ unbounded: 1, desired: 1 });
    expect(desiredProxies(100.5, policy)).toEqual({ unbounded: 2, desired: 2 });
    expect(desiredProxies(250, policy)).toEqual({ unbounded: 3, desired: 3 });
    expect(desiredProxies(900, policy)).toEqual({ unbounded: 9, desired: 3 });
    expect(desiredProxies(10, { ...policy, min: 2 })).toEqual({ unbounded: 1, desired: 2 });
  });
});

describe('NAT limits', () => {
  const scenario = parseScenario({});
  const layout = buildLayout(scenario, 'abcd');
  const sp = singleProxy({ scenario, layout, tunnel: { requested: 'vxlan', used: 'vxlan', reason: 'test' } });
  const spec = { ports: { first: 40000, count: 64 }, conntrackLimit: 500 };

  it("limits MASQUERADE to the port range, before the proxy's own NAT, with counters", () => {
    const op = natLimitPlan(sp, spec, undefined).ops[0];
    expect(op?.kind).toBe('nft.table');
    const body = op?.kind === 'nft.table' ? op.body : '';
    expect(body).toContain('type nat hook postrouting priority srcnat - 10; policy accept;');
    expect(body).toContain('oifname "eth1" meta l4proto tcp masquerade to :40000-40063');
    expect(body).toContain('iifname "cpabcdtun" ct state new ct count over 500 counter name "ct_refused" drop');
    expect(body).toContain('oifname "eth1" tcp flags syn ct state new counter name "syn_out"');
  });

  it('spreads over addresses per flow, not per source/destination pair', () => {
    const op = natLimitPlan(sp, { ports: spec.ports }, ['198.19.0.5', '198.19.0.6']).ops[0];
    const body = op?.kind === 'nft.table' ? op.body : '';
    expect(body).toContain('snat ip to numgen inc mod 2 map { 0 : 198.19.0.5 . 40000-40063, 1 : 198.19.0.6 . 40000-40063 }');
    expect(body).not.toContain('ct count');
  });

  it('judges what ran out and what the pool needs', () => {
    expect(exhaustedBy({ synIn: 100, synOut: 100, conntrackRefused: 0, insertFailed: 30 })).toBe('ports');
    expect(exhaustedBy({ synIn: 100, synOut: 60, conntrackRefused: 40, insertFailed: 0 })).toBe('conntrack');
    expect(failed({ requests: 40, failed: 10, held: { requested: 60, opened: 50, errors: {}, lost: 0 } })).toBe(0.2);
    expect(failed({ requests: 0, failed: 0, held: { requested: 0, opened: 0, errors: {}, lost: 0 } })).toBe(0);
    // (64 held + 32 in flight) × 1.25 ÷ 64 ports → 2 addresses; 80/s × 2 s TIME_WAIT × 1.25 ÷ 64 → 4.
    expect(remedyFor(20, 64, { ports: { first: 1, count: 64 }, timeWaitSeconds: 2, concurrency: 32 }).addressesNeeded).toBe(2);
    expect(remedyFor(80, 0, { ports: { first: 1, count: 64 }, timeWaitSeconds: 2, concurrency: 8 }).addressesNeeded).toBe(4);
  });

  it('reads conntrack tables and statistics', () => {
    const table = [
      'ipv4     2 tcp      6 431999 ESTABLISHED src=100.64.0.2 dst=198.19.0.4 sport=5 dport=8080 src=198.19.0.4 dst=100.127.0.128 sport=8080 dport=5 [ASSURED] mark=257 zone=0 use=2',
      'ipv4     2 tcp      6 1 TIME_WAIT src=100.64.0.2 dst=198.19.0.4 sport=6 dport=8080 src=198.19.0.4 dst=100.127.0.128 sport=8080 dport=6 [ASSURED] mark=257 zone=0 use=2',
      'ipv4     2 udp      17 20 src=198.18.0.16 dst=198.18.0.64 sport=1 dport=4789 [UNREPLIED] mark=0 zone=0 use=2',
    ].join('\n');
    expect(parseConntrack(table)).toEqual({ byState: { ESTABLISHED: 1, TIME_WAIT: 1 }, establishedByMark: { '0x101': 1 } });
    const stats =
      'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop\n00000003  00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 0000000a 00000001\n00000003  00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000005 00000000\n';
    expect(parseConntrackStats(stats)).toMatchObject({ clashres: 2, found: 1, insert_failed: 15, drop: 1 });
  });
});

describe('probe rate profile', () => {
  it("places requests at each stage's rate after the warm-up", () => {
    const stages = [
      { rate: 10, requests: 5 },
      { rate: 100, requests: 10 },
    ];
    expect(scheduleOffset(0, 2, 10, stages)).toBe(0);
    expect(scheduleOffset(2, 2, 10, stages)).toBe(200_000);
    expect(scheduleOffset(6, 2, 10, stages)).toBe(600_000);
    expect(scheduleOffset(7, 2, 10, stages)).toBe(700_000);
    expect(scheduleOffset(8, 2, 10, stages)).toBe(710_000);
    expect(scheduleOffset(3, 0, 50, undefined)).toBe(60_000);
  });
});
