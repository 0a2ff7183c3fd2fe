/**
 * The orchestrator's handle on one PostgreSQL server in a service host's
 * namespace: a cluster of its own (initdb) in its own directory inside the
 * run's ledger directory, owned by the `postgres` system user, TLS with a
 * certificate made for it, scram-sha-256 for every connection. The server is
 * started as a Daemon (argv, no shell, in the ledger before it can do
 * anything) — so a run killed with SIGKILL leaves it where `coldpath clean`
 * kills it (it runs in the run's namespace) and removes its directory with
 * the ledger's.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColdpathError } from '../../errors.js';
import { runCommand } from '../../exec/run-command.js';
import type { KernelDriver } from '../../kernel/driver.js';
import { Daemon } from '../daemon.js';
import { activityQuery, parseActivity, type PostgresActivityEntry } from './activity.js';
import type { PostgresBinaries } from './binaries.js';
import {
  initdbArgv,
  opensslArgv,
  POSTGRES_ADMIN,
  POSTGRES_SYSTEM_USER,
  pgHbaText,
  pgpassLine,
  postgresArgv,
  postgresConfText,
  postgresPaths,
  psqlArgv,
  psqlConninfo,
  setupSql,
  type PostgresPaths,
} from './config.js';

const READY_TIMEOUT_MS = 30_000;
const INITDB_TIMEOUT_MS = 60_000;
const PSQL_TIMEOUT_MS = 15_000;

export interface PostgresServerOptions {
  /** Node whose namespace it runs in (the service host). */
  node: string;
  /** The service's address there. */
  address: string;
  port: number;
  /** Its directory (created here, removed by `stop`). */
  dir: string;
  binaries: PostgresBinaries;
  /** The role and database the pg.* metrics use (created once it is up). */
  user: string;
  database: string;
  /** The scenario field of its port, for the error when the port is taken. */
  portField: string;
  /** CPUs to start it on. Default: unpinned. */
  cpus?: readonly number[];
}

/** uid and gid of a system user, from /etc/passwd. */
export function systemUser(name: string, passwd = readFileSync('/etc/passwd', 'utf8')): { uid: number; gid: number } | undefined {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

export class PostgresServer {
  private daemon: Daemon | undefined;
  private readonly paths: PostgresPaths;
  /** The function role's password (the metrics authenticate with it). */
  readonly password = randomBytes(16).toString('hex');
  private readonly adminPassword = randomBytes(16).toString('hex');
  private readonly netns: string;
  /** The server's certificate (PEM), the only one the clients trust. */
  ca = '';

  private constructor(
    private readonly driver: KernelDriver,
    readonly options: PostgresServerOptions,
  ) {
    this.paths = postgresPaths(options.dir);
    this.netns = driver.netnsOf(options.node);
  }

  static async start(driver: KernelDriver, options: PostgresServerOptions): Promise<PostgresServer> {
    const server = new PostgresServer(driver, options);
    try {
      await server.create();
      await server.run();
      await server.psql(setupSql(options.user, options.database, server.password), 'postgres');
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** The directory, the certificate and the cluster, all the postgres user's. */
  private async create(): Promise<void> {
    const owner = systemUser(POSTGRES_SYSTEM_USER);
    if (owner === undefined) {
      throw new ColdpathError(`there is no ${POSTGRES_SYSTEM_USER} system user to run PostgreSQL as (it refuses root)`, {
        kind: 'environment',
        hint: 'apt-get install -y postgresql (its postgresql-common creates the user)',
      });
    }
    const { paths } = this;
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    chownSync(paths.dir, owner.uid, owner.gid);
    await runCommand(opensslArgv(this.options.address, paths), { timeoutMs: PSQL_TIMEOUT_MS, hint: 'openssl (Debian package openssl) makes the server’s certificate' });
    for (const file of [paths.cert, paths.key]) chownSync(file, owner.uid, owner.gid);
    chmodSync(paths.key, 0o600);
    this.ca = readFileSync(paths.cert, 'utf8');
    writeFileSync(paths.pwfile, `${this.adminPassword}\n`, { mode: 0o600 });
    chownSync(paths.pwfile, owner.uid, owner.gid);
    try {
      await runCommand(initdbArgv(this.options.binaries.initdb, paths), { timeoutMs: INITDB_TIMEOUT_MS, hint: 'initdb failed: see its output above' });
    } finally {
      rmSync(paths.pwfile, { force: true });
    }
    appendFileSync(join(paths.data, 'postgresql.conf'), postgresConfText({ listen: this.options.address, port: this.options.port, paths }));
    writeFileSync(join(paths.data, 'pg_hba.conf'), pgHbaText());
    // psql runs as root: its password file is root's, 0600 (libpq ignores one others can read).
    writeFileSync(paths.passfile, pgpassLine(this.options.address, this.options.port, this.adminPassword), { mode: 0o600 });
  }

  private async run(): Promise<void> {
    const { options } = this;
    const daemon = new Daemon(this.driver, {
      node: options.node,
      argv: postgresArgv(options.binaries.postgres, this.paths),
      label: `postgres in ${this.netns}`,
      keepLines: 200,
      ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    });
    this.daemon = daemon;
    const ready = await daemon.waitFor((line) => /database system is ready to accept connections/.test(line.text), READY_TIMEOUT_MS);
    if (ready !== undefined) return;
    const tail = daemon.tail();
    const inUse = /Address already in use|could not bind/.test(tail);
    throw new ColdpathError(`postgres in ${options.node} did not start${daemon.exit === undefined ? '' : ` (${daemon.exit})`}`, {
      kind: inUse ? 'input' : 'runtime',
      ...(inUse ? { field: options.portField } : {}),
      stderr: tail,
      hint: inUse ? `port ${options.port} is taken inside the service host; choose another ${options.portField}` : 'see the server’s output above',
    });
  }

  get pid(): number | undefined {
    return this.daemon?.pid;
  }

  get address(): string {
    return this.options.address;
  }

  get port(): number {
    return this.options.port;
  }

  /**
   * Runs SQL with psql inside the service host's namespace, as the cluster's
   * superuser over TLS and SCRAM to the service's own address: the server's
   * view, asked from the server's side. Returns psql's output.
   */
  async psql(sql: string, database = this.options.database): Promise<string> {
    const conninfo = psqlConninfo({ address: this.address, port: this.port, database, user: POSTGRES_ADMIN, paths: this.paths });
    const argv = ['ip', 'netns', 'exec', this.netns, ...psqlArgv(this.options.binaries.psql, conninfo)];
    const result = await runCommand(argv, { input: sql, reject: false, timeoutMs: PSQL_TIMEOUT_MS });
    if (result.exitCode !== 0) {
      throw new ColdpathError(`psql in ${this.options.node}: ${result.stderr.split('\n')[0] ?? `exit ${result.exitCode}`}`, {
        kind: 'runtime',
        command: argv,
        exitCode: result.exitCode,
        stderr: result.stderr,
        hint: 'is the PostgreSQL server still running? see its output and `coldpath doctor`',
      });
    }
    return result.stdout;
  }

  /** The backends named `applicationName`, as the server lists them. */
  async activity(applicationName: string): Promise<PostgresActivityEntry[]> {
    return parseActivity(await this.psql(activityQuery(applicationName)));
  }

  /**
   * Stops the server — SIGINT first (a fast shutdown: clients are
   * disconnected; SIGTERM would wait for them), SIGKILL after a grace — and
   * removes its directory.
   */
  async stop(): Promise<void> {
    try {
      if (this.daemon !== undefined && !this.daemon.hasExited) {
        await this.daemon.signal('SIGINT');
        await this.daemon.exited(5000);
        await this.daemon.stop();
      }
    } finally {
      rmSync(this.options.dir, { recursive: true, force: true });
    }
  }
}
