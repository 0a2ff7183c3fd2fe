/** services[].kind redis: defaults, and every bad Redis option an input error (exit 2) naming its field. */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { buildLayout } from '../../../src/topology/layout.js';
import { serviceTarget } from '../../../src/strategies/target.js';
import { problem } from './problem.js';

describe('services[].kind', () => {
  it('is builtin by default, with no Redis options', () => {
    const scenario = parseScenario({ services: [{ name: 'db' }] });
    expect(scenario.services[0]?.kind).toBe('builtin');
    expect(scenario.services[0]?.redis).toBeUndefined();
    expect(parseScenario({}).services[0]?.kind).toBe('builtin');
    expect(buildLayout(scenario, 'abcd').userServices[0]?.redis).toBeUndefined();
  });

  it('redis: the layout and the target carry its options, defaults filled in', () => {
    const scenario = parseScenario({ services: [{ name: 'db', kind: 'redis' }], workload: { metrics: ['redis.get', 'redis.connect', 'keepalive'] } });
    const layout = buildLayout(scenario, 'abcd');
    expect(layout.userServices[0]).toMatchObject({ kind: 'redis', redis: { port: 6379, valueBytes: 64 } });
    expect(layout.platformServices[0]?.redis).toEqual({ port: 6379, valueBytes: 64 });
    expect(serviceTarget(layout.userServices[0]!).redisPort).toBe(6379);
    expect(serviceTarget(buildLayout(parseScenario({}), 'abcd').userServices[0]!).redisPort).toBeUndefined();
    const custom = parseScenario({ services: [{ name: 'db', kind: 'redis', redis: { port: 7000, valueBytes: 1024 } }] });
    expect(buildLayout(custom, 'abcd').userServices[0]?.redis).toEqual({ port: 7000, valueBytes: 1024 });
  });

  const cases: Array<[string, unknown, RegExp, string]> = [
    ['an unknown kind', { services: [{ name: 'db', kind: 'memcached' }] }, /services\.0\.kind: got "memcached"; expected one of "builtin", "redis", "postgres"/, 'services.0.kind'],
    ['a port out of range', { services: [{ name: 'db', kind: 'redis', redis: { port: 0 } }] }, /services\.0\.redis\.port: got 0; expected ≥ 1/, 'services.0.redis.port'],
    ['an unknown Redis option', { services: [{ name: 'db', kind: 'redis', redis: { prot: 7000 } }] }, /services\.0\.redis.*unknown field "prot"/, 'services.0.redis'],
    [
      'a value too large',
      { services: [{ name: 'db', kind: 'redis', redis: { valueBytes: 2 ** 21 } }] },
      /services\.0\.redis\.valueBytes: got 2097152; expected ≤ 1048576/,
      'services.0.redis.valueBytes',
    ],
    ['Redis options on a builtin service', { services: [{ name: 'db', redis: { port: 7000 } }] }, /services\.0\.redis: given for a service of kind builtin/, 'services.0.redis'],
    [
      'the Redis port on the HTTP port',
      { services: [{ name: 'db', kind: 'redis', redis: { port: 8080 } }] },
      /services\.0\.redis\.port: got 8080; services\.0\.httpPort uses it already/,
      'services.0.redis.port',
    ],
    [
      'the Redis port on the reference port',
      { services: [{ name: 'db', kind: 'redis', redis: { port: 11111 } }] },
      /services\.0\.redis\.port: got 11111; reference\.port uses it already/,
      'services.0.redis.port',
    ],
    [
      'Redis metrics against a builtin service',
      { workload: { metrics: ['keepalive', 'redis.get'] } },
      /workload\.metrics: redis\.get measure a Redis server, but services\.0 \(svc\).*kind builtin; set services\.0\.kind: redis/,
      'workload.metrics',
    ],
    ['an unknown metric', { workload: { metrics: ['redis.set'] } }, /workload\.metrics\.0: got "redis\.set"; expected one of .*"redis\.get", "redis\.connect"/, 'workload.metrics.0'],
  ];
  for (const [label, raw, pattern, field] of cases) {
    it(`rejects ${label}, naming ${field}`, () => {
      const error = problem(raw);
      expect(error.message).toMatch(pattern);
      expect(error.field).toBe(field);
    });
  }

  it('accepts the Redis port on the reference port when there is no reference', () => {
    expect(parseScenario({ reference: { tool: 'none' }, services: [{ name: 'db', kind: 'redis', redis: { port: 11111 } }] }).services[0]?.redis?.port).toBe(11111);
  });
});
