/**
 * How coldpath sets up a PostgreSQL cluster for one run: every file lives in
 * the server's own directory (`postgres-<node>/` inside the ledger's), owned
 * by the `postgres` system user (the server refuses to run as root). Passwords
 * are in files (mode 0600) or on psql's standard input, never in argv, so
 * they are neither in `ps` nor in the ledger.
 */
import { join } from 'node:path';
import { ColdpathError } from '../../errors.js';

/** The unprivileged user the server and initdb run as (created by Debian's postgresql-common). */
export const POSTGRES_SYSTEM_USER = 'postgres';

/** The cluster's superuser: the orchestrator's psql only (pg_stat_activity shows every client's address to it). */
export const POSTGRES_ADMIN = 'coldpath_admin';

export interface PostgresPaths {
  dir: string;
  /** The cluster (initdb's target). */
  data: string;
  cert: string;
  key: string;
  /** The superuser's password, for initdb; removed once the cluster exists. */
  pwfile: string;
  /** The superuser's password for psql (root's, 0600). */
  passfile: string;
}

export const postgresPaths = (dir: string): PostgresPaths => ({
  dir,
  data: join(dir, 'data'),
  cert: join(dir, 'server.crt'),
  key: join(dir, 'server.key'),
  pwfile: join(dir, 'pwfile'),
  passfile: join(dir, 'pgpass'),
});

/** A value that needs no quoting in postgresql.conf, a conninfo string or SQL. */
const PLAIN = /^[A-Za-z0-9._:/@+-]+$/;

function plain(field: string, value: string): string {
  if (!PLAIN.test(value)) {
    throw new ColdpathError(`postgres ${field} ${JSON.stringify(value)} has characters coldpath does not quote`, {
      kind: 'environment',
      hint: field === 'dir' ? 'set COLDPATH_STATE_DIR to a path of letters, digits and . _ - / only' : 'see src/services/postgres/config.ts',
    });
  }
  return value;
}

/** argv prefix that runs a command as the postgres system user (setpriv execs: the pid stays the server's). */
export const asPostgresUser = (): string[] => ['setpriv', `--reuid=${POSTGRES_SYSTEM_USER}`, `--regid=${POSTGRES_SYSTEM_USER}`, '--init-groups', '--'];

/**
 * initdb: scram-sha-256 for every connection from the start, the superuser's
 * password from a file, no locale (C: nothing depends on the machine's), and
 * no fsync (the cluster lives for one run).
 */
export function initdbArgv(initdb: string, paths: PostgresPaths): string[] {
  return [
    ...asPostgresUser(),
    initdb,
    '-D',
    plain('dir', paths.data),
    '-U',
    POSTGRES_ADMIN,
    `--pwfile=${plain('dir', paths.pwfile)}`,
    '--auth=scram-sha-256',
    '--no-locale',
    '-E',
    'UTF8',
    '--no-sync',
  ];
}

export interface PostgresServerConfig {
  /** The service host's own address: the server listens there only. */
  listen: string;
  port: number;
  paths: PostgresPaths;
}

/**
 * Settings appended to initdb's postgresql.conf (the last setting wins):
 * TCP on the service address only (no Unix socket, so every connection —
 * psql's too — is TLS and SCRAM over the namespace's network), TLS with the
 * run's certificate, scram-sha-256 for stored passwords, nothing durable
 * (the cluster is removed with the run), dynamic shared memory in the data
 * directory (so a kill -9 leaves nothing in /dev/shm), logs to stderr (the
 * daemon's line reader waits for "ready to accept connections").
 */
export function postgresConfText(config: PostgresServerConfig): string {
  return [
    '',
    '# written by coldpath for one run; removed with the run',
    `listen_addresses = '${plain('listen', config.listen)}'`,
    `port = ${config.port}`,
    "unix_socket_directories = ''",
    'ssl = on',
    `ssl_cert_file = '${plain('dir', config.paths.cert)}'`,
    `ssl_key_file = '${plain('dir', config.paths.key)}'`,
    "ssl_min_protocol_version = 'TLSv1.2'",
    "password_encryption = 'scram-sha-256'",
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    "dynamic_shared_memory_type = 'mmap'",
    'logging_collector = off',
    "log_destination = 'stderr'",
    '',
  ].join('\n');
}

/** pg_hba.conf: TLS connections with scram-sha-256 only; anything else (plain TCP) matches no line and is refused. */
export function pgHbaText(): string {
  return ['# written by coldpath for one run: TLS and scram-sha-256, nothing else', '# TYPE   DATABASE USER ADDRESS   METHOD', 'hostssl  all      all  0.0.0.0/0 scram-sha-256', ''].join('\n');
}

/** The server in the foreground: the data directory, nothing else (the settings are in its postgresql.conf). */
export function postgresArgv(postgres: string, paths: PostgresPaths): string[] {
  return [...asPostgresUser(), postgres, '-D', plain('dir', paths.data)];
}

/**
 * A self-signed certificate for the service's address (subjectAltName IP),
 * valid two days: the client trusts it alone, so `verify-full` holds.
 * EC P-256, as a modern server's would be.
 */
export function opensslArgv(address: string, paths: PostgresPaths): string[] {
  return [
    'openssl',
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=coldpath-postgres',
    '-addext',
    `subjectAltName=IP:${plain('address', address)}`,
    '-keyout',
    plain('dir', paths.key),
    '-out',
    plain('dir', paths.cert),
  ];
}

/** psql's connection string: over TLS verified against the run's certificate, password from `passfile` (not argv). */
export function psqlConninfo(config: { address: string; port: number; database: string; user: string; paths: PostgresPaths }): string {
  return [
    `host=${plain('address', config.address)}`,
    `port=${config.port}`,
    `dbname=${plain('database', config.database)}`,
    `user=${plain('user', config.user)}`,
    'sslmode=verify-full',
    `sslrootcert=${plain('dir', config.paths.cert)}`,
    `passfile=${plain('dir', config.paths.passfile)}`,
    'connect_timeout=10',
  ].join(' ');
}

/** psql: unaligned, tuples only, `|` between fields, no .psqlrc, stop at the first error; SQL on stdin. */
export function psqlArgv(psql: string, conninfo: string): string[] {
  return [psql, '-X', '-A', '-t', '-F', '|', '-v', 'ON_ERROR_STOP=1', '-q', '-d', conninfo];
}

/** A ~/.pgpass line: host:port:database:user:password. */
export function pgpassLine(address: string, port: number, password: string): string {
  return `${plain('address', address)}:${port}:*:${POSTGRES_ADMIN}:${plain('password', password)}\n`;
}

/** The function's role and database, created by the superuser once the server is up. */
export function setupSql(user: string, database: string, password: string): string {
  return [`CREATE ROLE ${plain('user', user)} LOGIN PASSWORD '${plain('password', password)}';`, `CREATE DATABASE ${plain('database', database)} OWNER ${user};`, ''].join('\n');
}
