/** services[].kind nginx: defaults, and every bad nginx option an input error (exit 2) naming its field. */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { buildLayout } from '../../../src/topology/layout.js';
import { problem } from './problem.js';

describe('services[].kind nginx', () => {
  it('the layout carries its options, defaults filled in', () => {
    const scenario = parseScenario({ services: [{ name: 'web', kind: 'nginx' }], workload: { metrics: ['http.get', 'keepalive'] } });
    const layout = buildLayout(scenario, 'abcd');
    expect(layout.userServices[0]).toMatchObject({ kind: 'nginx', nginx: { port: 80, bodyBytes: 64 } });
    expect(layout.userServices[0]?.redis).toBeUndefined();
    expect(layout.platformServices[0]?.nginx).toEqual({ port: 80, bodyBytes: 64 });
    expect(buildLayout(parseScenario({}), 'abcd').userServices[0]?.nginx).toBeUndefined();
    const custom = parseScenario({ services: [{ name: 'web', kind: 'nginx', nginx: { port: 8443, bodyBytes: 0 } }] });
    expect(buildLayout(custom, 'abcd').userServices[0]?.nginx).toEqual({ port: 8443, bodyBytes: 0 });
  });

  const cases: Array<[string, unknown, RegExp, string]> = [
    ['a port out of range', { services: [{ name: 'web', kind: 'nginx', nginx: { port: 0 } }] }, /services\.0\.nginx\.port: got 0; expected ≥ 1/, 'services.0.nginx.port'],
    ['a body too large', { services: [{ name: 'web', kind: 'nginx', nginx: { bodyBytes: 65537 } }] }, /services\.0\.nginx\.bodyBytes: got 65537; expected ≤ 65536/, 'services.0.nginx.bodyBytes'],
    ['an unknown nginx option', { services: [{ name: 'web', kind: 'nginx', nginx: { workers: 4 } }] }, /services\.0\.nginx.*unknown field "workers"/, 'services.0.nginx'],
    [
      'nginx options on a builtin service',
      { services: [{ name: 'web', nginx: { port: 81 } }] },
      /services\.0\.nginx: given for a service of kind builtin; nginx options apply only with kind: nginx/,
      'services.0.nginx',
    ],
    ['nginx options on a postgres service', { services: [{ name: 'db', kind: 'postgres', nginx: { port: 81 } }] }, /services\.0\.nginx: given for a service of kind postgres/, 'services.0.nginx'],
    [
      'an nginx port taken by the built-in HTTP server',
      { services: [{ name: 'web', kind: 'nginx', nginx: { port: 8080 } }] },
      /services\.0\.nginx\.port: got 8080; services\.0\.httpPort uses it already — nginx needs a port of its own/,
      'services.0.nginx.port',
    ],
    [
      'an nginx port taken by the reference',
      { services: [{ name: 'web', kind: 'nginx', nginx: { port: 11111 } }] },
      /services\.0\.nginx\.port: got 11111; reference\.port uses it already/,
      'services.0.nginx.port',
    ],
    [
      'http.get against a builtin service',
      { workload: { metrics: ['http.get'] } },
      /workload\.metrics: http\.get measure a nginx server, but services\.0 \(svc\).*kind builtin; set services\.0\.kind: nginx/,
      'workload.metrics',
    ],
    [
      'http.get when only a later service is nginx',
      {
        services: [
          { name: 'db', kind: 'redis' },
          { name: 'web', kind: 'nginx' },
        ],
        workload: { metrics: ['http.get'] },
      },
      /workload\.metrics: http\.get measure a nginx server, but services\.0 \(db\).*kind redis/,
      'workload.metrics',
    ],
    ['an unknown metric', { workload: { metrics: ['http.post'] } }, /workload\.metrics\.0: got "http\.post"; expected one of .*"http\.get"/, 'workload.metrics.0'],
  ];
  for (const [label, raw, pattern, field] of cases) {
    it(`rejects ${label}, naming ${field}`, () => {
      const error = problem(raw);
      expect(error.message).toMatch(pattern);
      expect(error.field).toBe(field);
    });
  }
});
