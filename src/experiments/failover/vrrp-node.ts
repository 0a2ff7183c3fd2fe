/**
 * One proxy of the HA pair at run time: real keepalived in the proxy's
 * namespace (generated configuration, foreground, ledgered) and an
 * `ip monitor address` beside it, so VIP moves are seen as the kernel saw
 * them, independently of what keepalived says (a frozen or killed daemon
 * says nothing; its addresses stay). Both run on the proxy's machine, through
 * the driver; keepalived's files are there too, in the run's ledger directory
 * of that machine (kernel/node-files.ts), and its pids are that machine's, so
 * it is signalled there (`signal`).
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { nowMicros } from '../../clock.js';
import { ColdpathError } from '../../errors.js';
import { which } from '../../env/tools.js';
import { childPids } from '../../kernel/inspect.js';
import type { InNode } from '../../kernel/kernel-driver.js';
import { readFileOn, runDirOn, writeFileOn } from '../../kernel/node-files.js';
import type { NodeSignal } from '../../kernel/node-signals.js';
import { keepalivedArgv, parseTransition } from './keepalived.js';
import type { ProxyLayout } from '../../topology/layout.js';
import type { Daemon } from '../../services/daemon.js';
import type { ExperimentContext } from '../context.js';
import type { VrrpTransition } from '../types.js';

/** When signals went out (coordinator µs): within [fromUs, toUs], give or take `clockUs`. */
export interface SignalWindow {
  fromUs: number;
  toUs: number;
  clockUs: number;
}

export interface VipEvent {
  /** When the line was read, coordinator monotonic µs. */
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

/**
 * What to run on the proxies: the path found here (one machine, or a coordinator that has it too), else the
 * name as given, found by the proxy's machine itself (across machines the coordinator need not have keepalived;
 * a machine without it fails `keepalived -t` with the hint to install it).
 */
export function keepalivedFor(binary: string, field: string): string {
  try {
    return findKeepalived(binary, field);
  } catch {
    return binary;
  }
}

export class VrrpNode {
  /** State changes keepalived logged; `atUs` is when the line was read, coordinator clock (made relative by the caller). */
  readonly transitions: VrrpTransition[] = [];
  readonly vipEvents: VipEvent[] = [];
  private keepalived: Daemon | undefined;
  private monitor: Daemon | undefined;
  private files: { config: string; pid: string; vrrpPid: string } | undefined;

  constructor(
    private readonly ctx: ExperimentContext,
    readonly proxy: ProxyLayout,
    readonly role: 'active' | 'standby',
  ) {}

  /** Commands in the proxy's namespace, on its machine. */
  get inNode(): InNode {
    return this.ctx.driver.inNode(this.proxy.node);
  }

  get daemon(): Daemon | undefined {
    return this.keepalived;
  }

  /** Kernel address events in the proxy's namespace, from now on. */
  async startMonitor(): Promise<void> {
    this.monitor = await this.ctx.startDaemon({ node: this.proxy.node, argv: ['ip', '-o', 'monitor', 'address'], label: `ip monitor in ${this.proxy.node}` });
    this.monitor.onLine((line) => {
      const match = /^(Deleted )?\d+:\s+\S+\s+inet\s+([\d.]+)\//.exec(line.text);
      if (match !== null) this.vipEvents.push({ at: line.at, address: match[2] ?? '', added: match[1] === undefined });
    });
  }

  /** Writes the configuration on the proxy's machine, checks it with `keepalived -t` inside the namespace, starts the daemon. */
  async start(binary: string, config: string): Promise<void> {
    const dir = await runDirOn(this.inNode, this.ctx.driver.tag, this.proxy.node);
    const files = {
      config: join(dir, `keepalived-${this.proxy.node}.conf`),
      pid: join(dir, `keepalived-${this.proxy.node}.pid`),
      vrrpPid: join(dir, `keepalived-${this.proxy.node}-vrrp.pid`),
    };
    this.files = files;
    await writeFileOn(this.inNode, files.config, config);
    const check = await this.inNode([binary, '-t', '-f', files.config], { timeoutMs: 10_000 });
    if (check.exitCode !== 0) {
      throw new ColdpathError(`keepalived rejected the generated configuration for ${this.proxy.node} (exit ${check.exitCode})`, {
        kind: 'runtime',
        command: check.argv,
        stderr: `${check.stderr}\n-- ${files.config} --\n${config}`,
        hint: `a keepalived older than 2.x may not know an option, or it is not installed on ${this.proxy.node}'s machine (apt-get install -y keepalived); see its message above`,
      });
    }
    const daemon = await this.ctx.startDaemon({ node: this.proxy.node, argv: keepalivedArgv(binary, files), label: `keepalived on ${this.proxy.node}` });
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

  /** The VRRP child's pid on the proxy's machine (from its pid file, else the parent's only child). */
  async vrrpChildPid(): Promise<number | undefined> {
    const text = this.files === undefined ? undefined : await readFileOn(this.inNode, this.files.vrrpPid);
    const pid = Number(text?.trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
    const parent = this.keepalived?.pid;
    return parent === undefined ? undefined : (await childPids(this.inNode, parent))[0];
  }

  /**
   * Sends `signal` to these pids (in this order) on the proxy's machine, from a process already running there
   * (this one, or the machine's agent): when they went out, on the coordinator's clock, give or take `clockUs`
   * (the machine's clock estimate; 0 on this machine).
   */
  async signal(signal: NodeSignal, pids: ReadonlyArray<number | undefined>): Promise<SignalWindow> {
    const live = pids.filter((pid): pid is number => pid !== undefined);
    const clockUs = this.ctx.driver.clockOf(this.proxy.node).uncertaintyUs;
    if (live.length === 0) {
      const now = nowMicros();
      return { fromUs: now, toUs: now, clockUs };
    }
    const sent = await this.ctx.driver.signalIn(this.proxy.node, live, signal);
    return { fromUs: sent.startUs, toUs: sent.endUs, clockUs };
  }

  /** First time (monotonic µs) at or after `fromUs` that `address` was added / removed here. */
  vipChange(address: string, added: boolean, fromUs: number): number | undefined {
    return this.vipEvents.find((event) => event.address === address && event.added === added && event.at >= fromUs)?.at;
  }
}
