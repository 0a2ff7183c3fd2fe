/** services/postgres: the cluster's files and argv (no password in argv), psql's output parsed, the binaries found. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ColdpathError } from '../../../src/errors.js';
import { activityQuery, activitySources, parseActivity } from '../../../src/services/postgres/activity.js';
import { findPostgresBinaries } from '../../../src/services/postgres/binaries.js';
import { initdbArgv, opensslArgv, pgHbaText, pgpassLine, postgresArgv, postgresConfText, postgresPaths, psqlArgv, psqlConninfo, setupSql } from '../../../src/services/postgres/config.js';
import { systemUser } from '../../../src/services/postgres/server.js';

const paths = postgresPaths('/run/coldpath/ab12/postgres-us-db');
const PASSWORD = '0123456789abcdef0123456789abcdef';

describe('PostgreSQL configuration', () => {
  it('runs initdb and the server as the postgres user (setpriv execs), the password in a file', () => {
    const initdb = initdbArgv('/usr/lib/postgresql/15/bin/initdb', paths);
    expect(initdb.slice(0, 5)).toEqual(['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--']);
    expect(initdb).toContain('--auth=scram-sha-256');
    expect(initdb).toContain(`--pwfile=${paths.pwfile}`);
    expect(initdb).toContain(paths.data);
    expect(postgresArgv('/usr/lib/postgresql/15/bin/postgres', paths)).toEqual([
      'setpriv',
      '--reuid=postgres',
      '--regid=postgres',
      '--init-groups',
      '--',
      '/usr/lib/postgresql/15/bin/postgres',
      '-D',
      '/run/coldpath/ab12/postgres-us-db/data',
    ]);
  });

  it('listens on the service address only, with TLS and SCRAM, no Unix socket, nothing durable', () => {
    const conf = postgresConfText({ listen: '198.19.0.5', port: 5432, paths });
    expect(conf).toContain("listen_addresses = '198.19.0.5'");
    expect(conf).toContain('port = 5432');
    expect(conf).toContain("unix_socket_directories = ''");
    expect(conf).toContain('ssl = on');
    expect(conf).toContain(`ssl_cert_file = '${paths.cert}'`);
    expect(conf).toContain(`ssl_key_file = '${paths.key}'`);
    expect(conf).toContain("password_encryption = 'scram-sha-256'");
    expect(conf).toContain('fsync = off');
    expect(conf).toContain("dynamic_shared_memory_type = 'mmap'");
    // pg_hba: TLS and scram-sha-256, no other line (plain TCP matches none and is refused).
    const rules = pgHbaText()
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(rules).toEqual(['hostssl  all      all  0.0.0.0/0 scram-sha-256']);
  });

  it('makes a certificate for the service address (subjectAltName IP) and verifies it from psql', () => {
    const openssl = opensslArgv('198.19.0.5', paths);
    expect(openssl).toContain('subjectAltName=IP:198.19.0.5');
    expect(openssl).toContain('-nodes');
    const conninfo = psqlConninfo({ address: '198.19.0.5', port: 5432, database: 'coldpath', user: 'coldpath_admin', paths });
    expect(conninfo).toContain('sslmode=verify-full');
    expect(conninfo).toContain(`sslrootcert=${paths.cert}`);
    expect(conninfo).toContain(`passfile=${paths.passfile}`);
    expect(conninfo).not.toContain('password');
    expect(psqlArgv('/usr/lib/postgresql/15/bin/psql', conninfo)).toEqual(['/usr/lib/postgresql/15/bin/psql', '-X', '-A', '-t', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-q', '-d', conninfo]);
  });

  it('keeps passwords out of argv: in the pgpass line and the setup SQL (stdin) only', () => {
    expect(pgpassLine('198.19.0.5', 5432, PASSWORD)).toBe(`198.19.0.5:5432:*:coldpath_admin:${PASSWORD}\n`);
    expect(setupSql('coldpath', 'coldpath', PASSWORD)).toBe(`CREATE ROLE coldpath LOGIN PASSWORD '${PASSWORD}';\nCREATE DATABASE coldpath OWNER coldpath;\n`);
    for (const argv of [initdbArgv('initdb', paths), postgresArgv('postgres', paths), opensslArgv('198.19.0.5', paths)]) expect(argv.join(' ')).not.toContain(PASSWORD);
  });

  it('refuses a directory it would have to quote, as an environment problem with a hint', () => {
    let error: unknown;
    try {
      postgresConfText({ listen: '198.19.0.5', port: 5432, paths: postgresPaths("/tmp/it's here") });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ColdpathError);
    expect((error as ColdpathError).hint).toMatch(/COLDPATH_STATE_DIR/);
  });
});

describe('pg_stat_activity from psql', () => {
  it('asks for the named connections only, and parses psql -A -t -F "|" output', () => {
    expect(activityQuery('coldpath-r0-gre-proxy')).toBe("SELECT application_name, host(client_addr) FROM pg_stat_activity WHERE application_name = 'coldpath-r0-gre-proxy';");
    expect(() => activityQuery("x'; DROP TABLE y; --")).toThrow(/letters, digits/);
    const entries = parseActivity('coldpath-r0-baseline|100.64.0.2\ncoldpath-r0-baseline|100.64.1.2\n\n');
    expect(entries).toEqual([
      { applicationName: 'coldpath-r0-baseline', clientAddr: '100.64.0.2' },
      { applicationName: 'coldpath-r0-baseline', clientAddr: '100.64.1.2' },
    ]);
    expect(activitySources([...entries, { applicationName: 'coldpath-r0-baseline', clientAddr: '100.64.0.2' }])).toEqual({ '100.64.0.2': 2, '100.64.1.2': 1 });
    expect(parseActivity('')).toEqual([]);
  });
});

describe('the PostgreSQL installation', () => {
  it('finds the newest version directory that has postgres, initdb and psql', () => {
    const root = mkdtempSync(join(tmpdir(), 'coldpath-pglib-'));
    const install = (major: string, binaries: readonly string[]): void => {
      mkdirSync(join(root, major, 'bin'), { recursive: true });
      for (const name of binaries) writeFileSync(join(root, major, 'bin', name), '#!/bin/sh\n', { mode: 0o755 });
    };
    expect(findPostgresBinaries(root)).toBeUndefined();
    install('13', ['postgres', 'initdb', 'psql']);
    install('16', ['postgres', 'psql']); // incomplete: no initdb
    install('15', ['postgres', 'initdb', 'psql']);
    expect(findPostgresBinaries(root)).toMatchObject({ major: 15, initdb: join(root, '15', 'bin', 'initdb') });
    expect(findPostgresBinaries(join(root, 'nowhere'))).toBeUndefined();
  });

  it('reads the postgres system user from /etc/passwd', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n';
    expect(systemUser('postgres', passwd)).toEqual({ uid: 101, gid: 104 });
    expect(systemUser('nobody-here', passwd)).toBeUndefined();
  });
});
