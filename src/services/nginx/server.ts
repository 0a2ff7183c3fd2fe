/**
 * The orchestrator's handle on one nginx in a service host's namespace.
 * Started as a Daemon (argv, no shell, in the ledger before it can do
 * anything), in its own directory inside the run's ledger directory — so a
 * run killed with SIGKILL leaves it where `coldpath clean` kills it (it runs
 * in the run's namespace) and removes its directory with the ledger's.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Bytes of the access log the checks have read. */
  private logOffset = 0;

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

  /**
   * The access log's complete lines written since the last call ('' when
   * none, or before the first request). Each block's check reads only what
   * was logged since the previous one: the log grows by every measured
   * request, and the block's witness lines are always after the last check.
   */
  private newLogLines(): string {
    let fd: number;
    try {
      fd = openSync(this.paths.accessLog, 'r');
    } catch {
      return '';
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.logOffset) return '';
      const buffer = Buffer.alloc(size - this.logOffset);
      const read = readSync(fd, buffer, 0, buffer.length, this.logOffset);
      // A line nginx is still writing stays for the next read.
      const end = buffer.subarray(0, read).lastIndexOf(0x0a) + 1;
      this.logOffset += end;
      return buffer.subarray(0, end).toString('utf8');
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The witness requests named `name` per source address, from nginx's own
   * access log; waits (briefly) until `expected` of them are there.
   */
  async witnessSources(name: string, expected: number): Promise<Record<string, number>> {
    const deadline = performance.now() + LOG_WAIT_MS;
    const sources: Record<string, number> = {};
    for (;;) {
      for (const [address, count] of Object.entries(witnessSources(parseAccessLog(this.newLogLines()), name))) sources[address] = (sources[address] ?? 0) + count;
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
