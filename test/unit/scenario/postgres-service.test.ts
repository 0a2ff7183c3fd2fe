/** services[].kind postgres: defaults, and every bad PostgreSQL option an input error (exit 2) naming its field. */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { serviceTarget } from '../../../src/strategies/target.js';
import { buildLayout } from '../../../src/topology/layout.js';
import { problem } from './problem.js';

describe('services[].kind postgres', () => {
  it('the layout and the target carry its options, defaults filled in', () => {
    const scenario = parseScenario({ services: [{ name: 'db', kind: 'postgres' }], workload: { metrics: ['pg.query', 'pg.connect', 'keepalive'] } });
    const layout = buildLayout(scenario, 'abcd');
    expect(layout.userServices[0]).toMatchObject({ kind: 'postgres', postgres: { port: 5432 } });
    expect(layout.userServices[0]?.redis).toBeUndefined();
    expect(layout.platformServices[0]?.postgres).toEqual({ port: 5432 });
    expect(serviceTarget(layout.userServices[0]!).postgresPort).toBe(5432);
    expect(serviceTarget(buildLayout(parseScenario({}), 'abcd').userServices[0]!).postgresPort).toBeUndefined();
    const custom = parseScenario({ services: [{ name: 'db', kind: 'postgres', postgres: { port: 6432 } }] });
    expect(buildLayout(custom, 'abcd').userServices[0]?.postgres).toEqual({ port: 6432 });
  });

  const cases: Array<[string, unknown, RegExp, string]> = [
    ['a port out of range', { services: [{ name: 'db', kind: 'postgres', postgres: { port: 70000 } }] }, /services\.0\.postgres\.port: got 70000; expected ≤ 65535/, 'services.0.postgres.port'],
    ['an unknown PostgreSQL option', { services: [{ name: 'db', kind: 'postgres', postgres: { prot: 6432 } }] }, /services\.0\.postgres.*unknown field "prot"/, 'services.0.postgres'],
    ['PostgreSQL options on a builtin service', { services: [{ name: 'db', postgres: { port: 6432 } }] }, /services\.0\.postgres: given for a service of kind builtin/, 'services.0.postgres'],
    [
      'PostgreSQL options on a redis service',
      { services: [{ name: 'db', kind: 'redis', postgres: { port: 6432 } }] },
      /services\.0\.postgres: given for a service of kind redis/,
      'services.0.postgres',
    ],
    [
      'a PostgreSQL port taken by the echo server',
      { services: [{ name: 'db', kind: 'postgres', postgres: { port: 9000 } }] },
      /services\.0\.postgres\.port: got 9000; services\.0\.echoPort uses it already/,
      'services.0.postgres.port',
    ],
    [
      'a PostgreSQL port taken by the reference',
      { services: [{ name: 'db', kind: 'postgres', postgres: { port: 11111 } }] },
      /services\.0\.postgres\.port: got 11111; reference\.port uses it already/,
      'services.0.postgres.port',
    ],
    [
      'PostgreSQL metrics against a redis service',
      { services: [{ name: 'db', kind: 'redis' }], workload: { metrics: ['pg.query'] } },
      /workload\.metrics: pg\.query measure a PostgreSQL server, but services\.0 \(db\).*kind redis; set services\.0\.kind: postgres/,
      'workload.metrics',
    ],
    ['an unknown metric', { workload: { metrics: ['pg.insert'] } }, /workload\.metrics\.0: got "pg\.insert"; expected one of .*"pg\.query", "pg\.connect"/, 'workload.metrics.0'],
  ];
  for (const [label, raw, pattern, field] of cases) {
    it(`rejects ${label}, naming ${field}`, () => {
      const error = problem(raw);
      expect(error.message).toMatch(pattern);
      expect(error.field).toBe(field);
    });
  }
});
