/**
 * The orchestrator's handle on one `redis-server` in a service host's
 * namespace. Started as a Daemon (argv, no shell, in the ledger before it can
 * do anything), in its own directory inside the run's ledger directory — so
 * a run killed with SIGKILL leaves it where `coldpath clean` removes it with
 * the ledger, after killing the process the ledger recorded.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { ColdpathError } from '../../errors.js';
import { runCommand } from '../../exec/run-command.js';
import type { KernelDriver } from '../../kernel/driver.js';
import { Daemon } from '../daemon.js';
import { parseClientList, type RedisClientEntry } from './client-list.js';
import { configPath, redisCliInput, redisConfigText, redisServerArgv } from './config.js';

const READY_TIMEOUT_MS = 15_000;
const CLI_TIMEOUT_MS = 10_000;

export interface RedisServerOptions {
  /** Node whose namespace it runs in (the service host). */
  node: string;
  /** The service's address there. */
  address: string;
  port: number;
  /** Its directory (created here, removed by `stop`). */
  dir: string;
  /** Bytes of the value set under `key` once it is up. */
  valueBytes: number;
  key: string;
  /** The scenario field of its port, for the error when the port is taken. */
  portField: string;
  /** CPUs to start it on. Default: unpinned. */
  cpus?: readonly number[];
}

export class RedisServer {
  readonly password: string;
  private constructor(
    readonly options: RedisServerOptions,
    private readonly daemon: Daemon,
    private readonly netns: string,
    password: string,
  ) {
    this.password = password;
  }

  static async start(driver: KernelDriver, options: RedisServerOptions): Promise<RedisServer> {
    // A fresh password per server and run: authentication is real work on every new connection.
    const password = randomBytes(16).toString('hex');
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    writeFileSync(configPath(options.dir), redisConfigText({ bind: options.address, port: options.port, dir: options.dir, password }), { mode: 0o600 });
    const daemon = new Daemon(driver, {
      node: options.node,
      argv: redisServerArgv(options.dir),
      label: `redis-server in ${driver.netnsOf(options.node)}`,
      keepLines: 200,
      ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    });
    const server = new RedisServer(options, daemon, driver.netnsOf(options.node), password);
    const ready = await daemon.waitFor((line) => /Ready to accept connections/.test(line.text), READY_TIMEOUT_MS);
    if (ready === undefined) {
      const tail = daemon.tail();
      await server.stop();
      const inUse = /Address already in use/.test(tail);
      throw new ColdpathError(`redis-server in ${options.node} did not start${daemon.exit === undefined ? '' : ` (${daemon.exit})`}`, {
        kind: inUse ? 'input' : 'runtime',
        ...(inUse ? { field: options.portField } : {}),
        stderr: tail,
        hint: inUse ? `port ${options.port} is taken inside the service host; choose another ${options.portField}` : 'see redis-server’s output above',
      });
    }
    try {
      await server.cli([['SET', options.key, 'x'.repeat(options.valueBytes)]]);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get pid(): number | undefined {
    return this.daemon.pid;
  }

  get address(): string {
    return this.options.address;
  }

  get port(): number {
    return this.options.port;
  }

  /**
   * Runs commands with redis-cli inside the service host's namespace, over
   * its own address: the server's view, asked from the server's side.
   * Returns redis-cli's output (the AUTH reply first).
   */
  async cli(commands: ReadonlyArray<readonly string[]>): Promise<string> {
    const argv = ['ip', 'netns', 'exec', this.netns, 'redis-cli', '-h', this.address, '-p', String(this.port)];
    const result = await runCommand(argv, { input: redisCliInput(this.password, commands), reject: false, timeoutMs: CLI_TIMEOUT_MS });
    const error = /^(ERR|WRONGPASS|NOAUTH|Could not connect)[^\n]*/m.exec(`${result.stdout}\n${result.stderr}`);
    if (result.exitCode !== 0 || error !== null) {
      throw new ColdpathError(`redis-cli in ${this.options.node}: ${error?.[0] ?? `exit ${result.exitCode}`}`, {
        kind: 'runtime',
        command: argv,
        exitCode: result.exitCode,
        stderr: result.stderr,
        hint: 'is redis-server still running? see `coldpath doctor` for redis-cli (Debian package redis-tools)',
      });
    }
    return result.stdout;
  }

  /** Every client connected now, as the server lists them. */
  async clientList(): Promise<RedisClientEntry[]> {
    return parseClientList(await this.cli([['CLIENT', 'LIST']]));
  }

  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory. */
  async stop(): Promise<void> {
    try {
      await this.daemon.stop();
    } finally {
      rmSync(this.options.dir, { recursive: true, force: true });
    }
  }
}
