/**
 * The orchestrator's handle on one nginx in a service host's namespace.
 * Started as a Daemon (argv, no shell, in the ledger before it can do
 * anything), in its own directory inside the run's ledger directory — so a
 * run killed with SIGKILL leaves it where `coldpath clean` kills it (it runs
 * in the run's namespace) and removes its directory with the ledger's.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ColdpathError } from '../../errors.js';
import type { KernelDriver } from '../../kernel/driver.js';
import { Daemon } from '../daemon.js';
import { parseAccessLog, witnessSources } from './access-log.js';
import { NGINX_WORKER_USER, nginxArgv, nginxConfigText, nginxPaths, type NginxPaths } from './config.js';

const READY_TIMEOUT_MS = 15_000;
/** How long the check waits for the witnesses' lines: nginx writes one after its response, so it can trail the client by microseconds. */
const LOG_WAIT_MS = 2000;

export interface NginxServerOptions {
  /** Node whose namespace it runs in (the service host). */
  node: string;
  /** The service's address there. */
  address: string;
  port: number;
  /** Its directory (created here, removed by `stop`). */
  dir: string;
  /** The nginx binary (Debian: /usr/sbin/nginx). */
  binary: string;
  bodyBytes: number;
  /** The scenario field of its port, for the error when the port is taken. */
  portField: string;
  /** CPUs to start it on (the worker inherits them). Default: unpinned. */
  cpus?: readonly number[];
}

export class NginxServer {
  private readonly paths: NginxPaths;

  private constructor(
    readonly options: NginxServerOptions,
    private readonly daemon: Daemon,
  ) {
    this.paths = nginxPaths(options.dir);
  }

  static async start(driver: KernelDriver, options: NginxServerOptions): Promise<NginxServer> {
    const paths = nginxPaths(options.dir);
    mkdirSync(paths.temp, { recursive: true, mode: 0o700 });
    writeFileSync(paths.conf, nginxConfigText({ listen: options.address, port: options.port, dir: options.dir, bodyBytes: options.bodyBytes, user: NGINX_WORKER_USER }), { mode: 0o600 });
    const daemon = new Daemon(driver, {
      node: options.node,
      argv: nginxArgv(options.binary, options.dir),
      label: `nginx in ${driver.netnsOf(options.node)}`,
      keepLines: 200,
      ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    });
    const server = new NginxServer(options, daemon);
    // The master binds and opens the log before it forks: once the worker is announced, connections are served.
    const ready = await daemon.waitFor((line) => /start worker process \d+/.test(line.text), READY_TIMEOUT_MS);
    if (ready === undefined) {
      const tail = daemon.tail();
      await server.stop();
      const inUse = /Address already in use/.test(tail);
      throw new ColdpathError(`nginx in ${options.node} did not start${daemon.exit === undefined ? '' : ` (${daemon.exit})`}`, {
        kind: inUse ? 'input' : 'runtime',
        ...(inUse ? { field: options.portField } : {}),
        stderr: tail,
        hint: inUse ? `port ${options.port} is taken inside the service host; choose another ${options.portField}` : 'see nginx’s output above',
      });
    }
    return server;
  }

  /** The master's pid (the worker is its child). */
  get pid(): number | undefined {
    return this.daemon.pid;
  }

  get address(): string {
    return this.options.address;
  }

  get port(): number {
    return this.options.port;
  }

  /** The access log as nginx wrote it; '' before the first request. */
  accessLog(): string {
    try {
      return readFileSync(this.paths.accessLog, 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * The witness requests named `name` per source address, from nginx's own
   * access log; waits (briefly) until `expected` of them are there.
   */
  async witnessSources(name: string, expected: number): Promise<Record<string, number>> {
    const deadline = performance.now() + LOG_WAIT_MS;
    for (;;) {
      const sources = witnessSources(parseAccessLog(this.accessLog()), name);
      const logged = Object.values(sources).reduce((sum, count) => sum + count, 0);
      if (logged >= expected || performance.now() > deadline) return sources;
      await sleep(20);
    }
  }

  /** Stops nginx (SIGTERM: the master stops its worker at once; SIGKILL after a grace) and removes its directory. */
  async stop(): Promise<void> {
    try {
      await this.daemon.stop();
    } finally {
      rmSync(this.options.dir, { recursive: true, force: true });
    }
  }
}
