/** The real-server registry: one plug-in per kind, the scenario's rules and the engine's plug-ins keyed alike. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { preflightRealServers, realServerPlugin } from '../../../src/engine/real-servers/index.js';
import { ColdpathError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { REAL_SERVER_KINDS, REAL_SERVERS, realServerKindOf, SERVICE_KINDS } from '../../../src/scenario/real-servers.js';
import { METRICS } from '../../../src/scenario/schema.js';

const PATH = process.env['PATH'];

describe('real-server registry', () => {
  afterEach(() => {
    process.env['PATH'] = PATH;
  });

  it('has a plug-in and scenario rules for every kind of service but builtin', () => {
    expect(SERVICE_KINDS).toEqual(['builtin', ...REAL_SERVER_KINDS]);
    for (const kind of REAL_SERVER_KINDS) {
      expect(realServerPlugin(kind).kind).toBe(kind);
      expect(REAL_SERVERS[kind].kind).toBe(kind);
    }
  });

  it('knows which kind each warm metric measures, and that the built-in metrics are no kind', () => {
    const kinds = Object.fromEntries(METRICS.map((metric) => [metric, realServerKindOf(metric) ?? 'builtin']));
    expect(kinds).toMatchObject({
      keepalive: 'builtin',
      newconn: 'builtin',
      echo: 'builtin',
      connect: 'builtin',
      'redis.get': 'redis',
      'redis.connect': 'redis',
      'pg.query': 'postgres',
      'pg.connect': 'postgres',
    });
    for (const metric of METRICS) {
      const kind = realServerKindOf(metric);
      if (kind !== undefined) expect(metric).toMatch(new RegExp(`^${REAL_SERVERS[kind].metrics.replace('.', '\\.').replace('*', '')}`));
    }
  });

  it('checks nothing for a scenario without real servers', () => {
    process.env['PATH'] = mkdtempSync(join(tmpdir(), 'coldpath-empty-path-'));
    expect(preflightRealServers(parseScenario({}))).toEqual([]);
  });

  it('names the first service of a kind that cannot run here (exit 3)', () => {
    process.env['PATH'] = mkdtempSync(join(tmpdir(), 'coldpath-empty-path-'));
    const scenario = parseScenario({
      services: [
        { name: 'a', kind: 'builtin' },
        { name: 'b', kind: 'redis', httpPort: 8081, echoPort: 9001 },
      ],
    });
    let error: unknown;
    try {
      preflightRealServers(scenario);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ColdpathError);
    expect((error as ColdpathError).field).toBe('services.1.kind');
    expect((error as ColdpathError).processExitCode).toBe(3);
  });
});
