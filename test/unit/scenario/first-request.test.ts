/** burst.firstRequest: http (default) or service (a real server's connection and first query on the cold path). */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { phasesPresent, NETWORK_PHASES, TIMELINE_PHASES } from '../../../src/results/types.js';
import { problem } from './problem.js';

describe('burst.firstRequest', () => {
  it('defaults to http; service is accepted for a postgres or redis services.0', () => {
    expect(parseScenario({}).burst.firstRequest).toBe('http');
    expect(parseScenario({ services: [{ name: 'db', kind: 'postgres' }], burst: { firstRequest: 'service' } }).burst.firstRequest).toBe('service');
    expect(parseScenario({ services: [{ name: 'cache', kind: 'redis' }], burst: { firstRequest: 'service' } }).burst.firstRequest).toBe('service');
  });

  const cases: Array<[string, unknown, RegExp, string]> = [
    [
      'service with a builtin services.0',
      { burst: { firstRequest: 'service' } },
      /burst\.firstRequest: service .*services\.0 \(.*\) is kind builtin, which has none in the probe; set services\.0\.kind: postgres or redis, or burst\.firstRequest: http/,
      'burst.firstRequest',
    ],
    ['service with an nginx services.0', { services: [{ name: 'web', kind: 'nginx' }], burst: { firstRequest: 'service' } }, /services\.0 \(web\) is kind nginx/, 'burst.firstRequest'],
    [
      'service when only a later service is postgres',
      { services: [{ name: 'api' }, { name: 'db', kind: 'postgres' }], burst: { firstRequest: 'service' } },
      /services\.0 \(api\) is kind builtin/,
      'burst.firstRequest',
    ],
    ['an unknown value', { burst: { firstRequest: 'tcp' } }, /burst\.firstRequest: got "tcp"; expected one of "http", "service"/, 'burst.firstRequest'],
  ];
  for (const [label, raw, pattern, field] of cases) {
    it(`rejects ${label}, naming ${field}`, () => {
      const error = problem(raw);
      expect(error.message).toMatch(pattern);
      expect(error.field).toBe(field);
    });
  }

  it('the first-request phases sit after runtime-start in timeline order; TLS, authentication and the query count as network, loading the client does not', () => {
    const order = TIMELINE_PHASES.slice(TIMELINE_PHASES.indexOf('runtime-start'));
    expect(order).toEqual(['runtime-start', 'client-load', 'first-connect', 'first-tls', 'first-auth', 'first-query', 'first-response']);
    for (const phase of ['first-connect', 'first-tls', 'first-auth', 'first-query'] as const) expect(NETWORK_PHASES).toContain(phase);
    expect(NETWORK_PHASES).not.toContain('client-load');
    // Shown only where recorded: a default run's phases (coldpath's container link, no OCI, no CNI) are what they were.
    expect(phasesPresent((phase) => phase === 'container-link')).toEqual(['queued', 'namespace', 'container-link', 'strategy-attach', 'runtime-start', 'first-connect', 'first-response']);
  });
});
