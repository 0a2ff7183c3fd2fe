/** A service of kind postgres on a machine without PostgreSQL: exit 3 naming the Debian package, before anything exists. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresPreflight } from '../../../src/engine/real-servers/postgres.js';
import { ColdpathError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/load.js';

const DIR = process.env['COLDPATH_POSTGRES_DIR'];

describe('postgresPreflight', () => {
  afterEach(() => {
    if (DIR === undefined) delete process.env['COLDPATH_POSTGRES_DIR'];
    else process.env['COLDPATH_POSTGRES_DIR'] = DIR;
  });

  it('asks nothing of a scenario without PostgreSQL', () => {
    process.env['COLDPATH_POSTGRES_DIR'] = mkdtempSync(join(tmpdir(), 'coldpath-no-pg-'));
    expect(postgresPreflight(parseScenario({}))).toBeUndefined();
  });

  it('names the Debian package postgresql when the server is missing (exit 3)', () => {
    process.env['COLDPATH_POSTGRES_DIR'] = mkdtempSync(join(tmpdir(), 'coldpath-no-pg-'));
    const scenario = parseScenario({ services: [{ name: 'db', kind: 'postgres' }] });
    let error: unknown;
    try {
      postgresPreflight(scenario);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ColdpathError);
    const e = error as ColdpathError;
    expect(e.processExitCode).toBe(3);
    expect(e.field).toBe('services.0.kind');
    expect(e.message).toMatch(/Debian package postgresql/);
    expect(e.hint).toBe('apt-get install -y postgresql');
  });
});
