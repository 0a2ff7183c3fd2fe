import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { problem } from './problem.js';

/** Parses and returns the input error, or fails the test. */

describe('scenario validation', () => {
  it('accepts an empty scenario and fills every default', () => {
    const scenario = parseScenario({});
    expect(scenario.strategies).toEqual(['baseline', 'eni', 'peering', 'gre-proxy']);
    expect(scenario.burst.sizes).toEqual([1, 8]);
    expect(scenario.order).toBe('rotate');
    expect(scenario.workload.metrics).toEqual(['keepalive', 'newconn', 'echo']);
    expect(scenario.workload.steadyState).toEqual({ enabled: true, window: 250, windows: 4, tolerance: 0.05, timeLimitMs: 3000 });
    expect(scenario.reference).toMatchObject({ tool: 'auto', port: 11111, repetitions: 2 });
    expect(scenario.settle).toEqual({ timeoutMs: 2000, quietPercent: 20 });
    expect(scenario.workload.loop).toBe('closed');
    expect(scenario.proxy.ipMasqAgent.masqLinkLocal).toBe(false);
    expect(scenario.services[0]?.name).toBe('svc');
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['unknown top-level field', { strategys: ['eni'] }, /\(top level\): unknown field "strategys"/],
    ['unknown strategy', { strategies: ['eni', 'vpn'] }, /strategies\.1: got "vpn"; expected one of "baseline", "eni", "peering", "gre-proxy"/],
    ['empty strategies', { strategies: [] }, /strategies: got \[\]; expected at least 1 item/],
    ['duplicate strategies', { strategies: ['eni', 'eni'] }, /strategies: .* lists a path twice/],
    ['wrong type', { repetitions: 'three' }, /repetitions: got "three"; expected number/],
    ['negative', { repetitions: 0 }, /repetitions: got 0; expected ≥ 1/],
    ['not a CIDR', { platform: { cidr: '198.18.0.0/33' } }, /platform\.cidr: got "198\.18\.0\.0\/33"; expected an IPv4 CIDR/],
    ['IPv6 CIDR', { user: { cidr: 'fd00::/64' } }, /user\.cidr: got "fd00::\/64"/],
    ['tunnel', { tunnel: 'wireguard' }, /tunnel: got "wireguard"; expected one of "auto", "gre", "ipip", "vxlan"/],
    ['open loop without rate', { workload: { loop: 'open' } }, /workload\.rate: missing; an open loop needs a rate/],
    ['rate with closed loop', { workload: { rate: 100 } }, /workload\.rate: got 100; a rate applies only with workload\.loop: open/],
    ['subnet outside VPC', { user: { cidr: '198.19.0.0/16', subnet: '198.20.0.0/24' } }, /user\.subnet: 198\.20\.0\.0\/24 is not inside user\.cidr 198\.19\.0\.0\/16/],
    ['service name too long for an interface', { services: [{ name: 'database1' }] }, /services\.0\.name: got "database1"; expected 1–6 lowercase letters .*15-character interface names/],
    ['same http and echo port', { services: [{ name: 'db', httpPort: 9000, echoPort: 9000 }] }, /services\.0\.echoPort: got 9000; it must differ from httpPort/],
    ['port out of range', { services: [{ name: 'db', httpPort: 70000 }] }, /services\.0\.httpPort: got 70000; expected ≤ 65535/],
    [
      'burst too large for pod subnets',
      { burst: { sizes: [300] } },
      /burst\.sizes: a burst of 300 beside 4 warm instance\(s\) \(workload\.instances per path\) needs 304 pod addresses; 1 host\(s\) with \/24 pod subnets hold 253/,
    ],
    ['reference port taken by a service', { reference: { port: 8080 } }, /reference\.port: got 8080; services\.0 \(svc\) listens there already/],
    ['unknown path order', { order: 'random' }, /order: got "random"; expected one of "rotate", "shuffle", "listed"/],
    ['steady-state tolerance out of range', { workload: { steadyState: { tolerance: 2 } } }, /workload\.steadyState\.tolerance: got 2; expected ≤ 1/],
    ['too many hosts for pod CIDR', { functionHosts: 3, platform: { podCidr: '100.64.0.0/23' } }, /functionHosts: got 3; platform\.podCidr 100\.64\.0\.0\/23 holds only 2/],
    ['platform too small', { platform: { cidr: '198.18.0.0/26' } }, /platform\.cidr: got \/26; expected \/24 or larger/],
    ['pods overlap platform', { platform: { podCidr: '198.18.0.0/16' } }, /platform\.podCidr 198\.18\.0\.0\/16 overlaps platform\.cidr/],
    ['tunnel overlaps pods', { platform: { tunnelCidr: '100.64.0.0/24' } }, /platform\.tunnelCidr 100\.64\.0\.0\/24 overlaps platform\.podCidr/],
    ['unknown nested field', { workload: { request: 5 } }, /workload: unknown field "request"/],
    ['bad loop', { workload: { loop: 'half-open' } }, /workload\.loop: got "half-open"/],
    ['bad cpu placement', { cpu: { placement: 'numa' } }, /cpu\.placement: got "numa"/],
  ];
  for (const [name, raw, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(problem(raw).message).toMatch(message);
    });
  }

  it('names both CIDRs when peering cannot connect overlapping networks', () => {
    const error = problem({ strategies: ['peering'], user: { cidr: '198.18.0.0/16', subnet: '198.18.200.0/24' } });
    expect(error.message).toMatch(/VPC peering cannot connect overlapping networks: user\.cidr 198\.18\.0\.0\/16 overlaps platform\.cidr 198\.18\.0\.0\/20/);
    expect(error.field).toBe('user.cidr');
  });

  it('reports every problem at once', () => {
    const error = problem({ repetitions: 0, tunnel: 'x', workload: { loop: 'open' } });
    expect(error.message).toMatch(/invalid \(2 problems\)/);
    expect(error.message).toMatch(/repetitions/);
    expect(error.message).toMatch(/tunnel/);
  });

  it('points at the JSON Schema in its hint', () => {
    expect(problem({ tunnel: 1 }).hint).toMatch(/coldpath schema/);
  });
});
