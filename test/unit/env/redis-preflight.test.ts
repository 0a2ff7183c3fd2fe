/** A service of kind redis on a machine without redis-server: exit 3 naming the Debian package, before anything exists. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { redisPreflight } from '../../../src/engine/real-servers/redis.js';
import { ColdpathError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/load.js';

const PATH = process.env['PATH'];

describe('redisPreflight', () => {
  afterEach(() => {
    process.env['PATH'] = PATH;
  });

  it('asks nothing of a scenario without Redis', () => {
    process.env['PATH'] = mkdtempSync(join(tmpdir(), 'coldpath-empty-path-'));
    expect(() => redisPreflight(parseScenario({}))).not.toThrow();
  });

  it('names the Debian package redis-server when it is missing (exit 3)', () => {
    process.env['PATH'] = mkdtempSync(join(tmpdir(), 'coldpath-empty-path-'));
    const scenario = parseScenario({ services: [{ name: 'db', kind: 'redis' }] });
    let error: unknown;
    try {
      redisPreflight(scenario);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ColdpathError);
    const e = error as ColdpathError;
    expect(e.processExitCode).toBe(3);
    expect(e.field).toBe('services.0.kind');
    expect(e.message).toMatch(/redis-server \(Debian package redis-server\)/);
    expect(e.hint).toMatch(/^apt-get install -y redis-server/);
  });
});
