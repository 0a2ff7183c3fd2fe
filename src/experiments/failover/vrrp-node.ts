/**
 * One proxy of the HA pair at run time: real keepalived in the proxy's
 * namespace (generated configuration, foreground, ledgered) and an
 * `ip monitor address` beside it, so VIP moves are seen as the kernel saw
 * them, independently of what keepalived says (a frozen or killed daemon
 * says nothing; its addresses stay).
 */
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColdpathError } from '../../errors.js';
import { runCommand } from '../../exec/run-command.js';
import { which } from '../../env/tools.js';
import { keepalivedArgv, parseTransition } from './keepalived.js';
import type { ProxyLayout } from '../../topology/layout.js';
import type { Daemon } from '../../services/daemon.js';
import type { ExperimentContext } from '../context.js';
import type { VrrpTransition } from '../types.js';

export interface VipEvent {
  /** Monotonic µs of arrival. */
  at: number;
  address: string;
  added: boolean;
}

/** The keepalived executable, or an environment error naming the Debian package. */
export function findKeepalived(binary: string, field: string): string {
  if (binary.includes('/')) {
    try {
      accessSync(binary, constants.X_OK);
      return binary;
    } catch {
      // fall through to the error
    }
  } else {
    const found = which(binary);
    if (found !== undefined) return found;
  }
  throw new ColdpathError(`keepalived not found (${JSON.stringify(binary)}): the failover experiment runs real keepalived (VRRP) on the proxy pair`, {
    kind: 'environment',
    field,
    hint: `install the Debian package keepalived (apt-get install -y keepalived), or set ${field} to its path`,
  });
}

export class VrrpNode {
  /** State changes keepalived logged; `atUs` is the monotonic arrival time (made relative by the caller). */
  readonly transitions: VrrpTransition[] = [];
  readonly vipEvents: VipEvent[] = [];
  private keepalived: Daemon | undefined;
  private monitor: Daemon | undefined;
  private readonly files: { config: string; pid: string; vrrpPid: string };

  constructor(
    private readonly ctx: ExperimentContext,
    readonly proxy: ProxyLayout,
    readonly role: 'active' | 'standby',
  ) {
    const dir = ctx.driver.ledger.dir;
    this.files = {
      config: join(dir, `keepalived-${proxy.node}.conf`),
      pid: join(dir, `keepalived-${proxy.node}.pid`),
      vrrpPid: join(dir, `keepalived-${proxy.node}-vrrp.pid`),
    };
  }

  get netns(): string {
    return this.ctx.driver.netnsOf(this.proxy.node);
  }

  get daemon(): Daemon | undefined {
    return this.keepalived;
  }

  /** Kernel address events in the proxy's namespace, from now on. */
  startMonitor(): void {
    this.monitor = this.ctx.startDaemon({ node: this.proxy.node, argv: ['ip', '-o', 'monitor', 'address'], label: `ip monitor in ${this.proxy.node}` });
    this.monitor.onLine((line) => {
      const match = /^(Deleted )?\d+:\s+\S+\s+inet\s+([\d.]+)\//.exec(line.text);
      if (match !== null) this.vipEvents.push({ at: line.at, address: match[2] ?? '', added: match[1] === undefined });
    });
  }

  /** Writes the configuration, checks it with `keepalived -t` inside the namespace, starts the daemon. */
  async start(binary: string, config: string): Promise<void> {
    writeFileSync(this.files.config, config);
    const check = await runCommand(['ip', 'netns', 'exec', this.netns, binary, '-t', '-f', this.files.config], { reject: false, timeoutMs: 10_000 });
    if (check.exitCode !== 0) {
      throw new ColdpathError(`keepalived rejected the generated configuration for ${this.proxy.node} (exit ${check.exitCode})`, {
        kind: 'runtime',
        command: check.argv,
        stderr: `${check.stderr}\n-- ${this.files.config} --\n${config}`,
        hint: 'a keepalived older than 2.x may not know an option; see its message above',
      });
    }
    const daemon = this.ctx.startDaemon({ node: this.proxy.node, argv: keepalivedArgv(binary, this.files), label: `keepalived on ${this.proxy.node}` });
    this.keepalived = daemon;
    daemon.onLine((line) => {
      const change = parseTransition(line.text);
      if (change !== undefined) this.transitions.push({ node: this.proxy.node, role: this.role, instance: change.instance, state: change.state, atUs: line.at });
    });
  }

  /** Waits until every VRRP instance logged `state` (e.g. both MASTER); false on timeout or exit. */
  async waitForState(state: VrrpTransition['state'], instances: readonly string[], timeoutMs: number): Promise<boolean> {
    const daemon = this.keepalived;
    if (daemon === undefined) return false;
    const deadline = Date.now() + timeoutMs;
    for (const instance of instances) {
      const line = await daemon.waitFor(
        (l) => {
          const change = parseTransition(l.text);
          return change?.instance === instance && change.state === state;
        },
        Math.max(1, deadline - Date.now()),
      );
      if (line === undefined) return false;
    }
    return true;
  }

  /** The VRRP child's pid (from its pid file, else the parent's only child). */
  vrrpChildPid(children: (pid: number) => number[]): number | undefined {
    try {
      const pid = Number(readFileSync(this.files.vrrpPid, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) return pid;
    } catch {
      // not written yet
    }
    const parent = this.keepalived?.pid;
    return parent === undefined ? undefined : children(parent)[0];
  }

  /** First time (monotonic µs) at or after `fromUs` that `address` was added / removed here. */
  vipChange(address: string, added: boolean, fromUs: number): number | undefined {
    return this.vipEvents.find((event) => event.address === address && event.added === added && event.at >= fromUs)?.at;
  }
}
