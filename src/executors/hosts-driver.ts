/**
 * The engine's `KernelDriver` across machines: one agent per inventory host,
 * each node of the scenario placed on one host. A plan is split into one plan
 * per host (what crosses machines rewritten onto their NICs, topology/
 * host-plans.ts) and the parts are applied in parallel — after the rewrite no
 * kernel object of one machine depends on another's. Everything about a node
 * (its `ip` session, commands, processes, its clock) goes to its host's agent
 * through that host's `AgentKernelDriver`, so one host behaves exactly as the
 * local agent does.
 */
import type { ApplyResult, InNode, KernelDriver, NodeClock, NodeProcess } from '../kernel/kernel-driver.js';
import type { Ledger } from '../kernel/ledger.js';
import type { NodeSignal, SignalsSent } from '../kernel/node-signals.js';
import type { AgentClock } from '../results/types.js';
import { netnsName } from '../topology/naming.js';
import type { Plan } from '../topology/ops.js';
import { nowMicros } from '../clock.js';
import { ColdpathError } from '../errors.js';
import type { AgentKernelDriver } from './agent-driver.js';

/** Where nodes live and how a plan lands on the hosts (topology/placement.ts and host-plans.ts). */
export interface HostPlacement {
  /** The inventory host a node lives on; throws for a node the scenario does not have. */
  hostOf(node: string): string;
  /** The plan's ops per host, in order, rewritten for real machines; hosts with nothing to do left out. */
  split(plan: Plan): Array<{ host: string; plan: Plan }>;
}

export class HostsKernelDriver implements KernelDriver {
  readonly tag: string;
  readonly ledger: Ledger;
  readonly netnsOf = (node: string): string => netnsName(this.tag, node);
  private readonly drivers: ReadonlyMap<string, AgentKernelDriver>;
  private readonly placement: HostPlacement;
  private tornDown: Promise<string[]> | undefined;

  /** `drivers`: one per inventory host, by host name, each over its host's connection. */
  constructor(drivers: ReadonlyMap<string, AgentKernelDriver>, placement: HostPlacement, ledger: Ledger) {
    this.drivers = drivers;
    this.placement = placement;
    this.ledger = ledger;
    this.tag = ledger.tag;
  }

  /** Every host's part at once; the plan's timing spans the earliest start to the latest end (coordinator clock). */
  async apply(plan: Plan): Promise<ApplyResult> {
    const parts = this.placement.split(plan);
    const settled = await Promise.allSettled(parts.map(({ host, plan: part }) => this.driverOfHost(host).apply(part)));
    const failed = settled.flatMap((outcome, i) => (outcome.status === 'rejected' ? [{ host: parts[i]?.host ?? '?', error: outcome.reason as unknown }] : []));
    if (failed.length > 0) {
      const [first] = failed;
      if (failed.length === 1) throw first?.error;
      throw new ColdpathError(`${plan.title}: failed on ${failed.length} hosts: ${failed.map((f) => `${f.host}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ')}`, {
        kind: 'runtime',
        cause: first?.error,
      });
    }
    const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    if (results.length === 0) {
      // Nothing for any host (a path with no attach step): an empty span now, as the local driver gives.
      const now = nowMicros();
      return { steps: 0, startUs: now, endUs: now, queuedUs: 0 };
    }
    return {
      steps: results.reduce((sum, r) => sum + r.steps, 0),
      startUs: Math.min(...results.map((r) => r.startUs)),
      endUs: Math.max(...results.map((r) => r.endUs)),
      queuedUs: Math.max(...results.map((r) => r.queuedUs)),
    };
  }

  openRootSessions(count: number): void {
    for (const driver of this.drivers.values()) driver.openRootSessions(count);
  }

  openSession(node: string): void {
    this.driverOf(node).openSession(node);
  }

  closeSession(node: string): Promise<void> {
    return this.driverOf(node).closeSession(node);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((driver) => driver.closeAll()));
  }

  inNode(node: string): InNode {
    return this.driverOf(node).inNode(node);
  }

  spawnIn<Event>(node: string, argv: readonly string[], options: { label: string; cpus?: readonly number[] }): Promise<NodeProcess<Event>> {
    return this.driverOf(node).spawnIn<Event>(node, argv, options);
  }

  signalIn(node: string, pids: readonly number[], signal: NodeSignal): Promise<SignalsSent> {
    return this.driverOf(node).signalIn(node, pids, signal);
  }

  clockOf(node: string): NodeClock {
    return this.driverOf(node).clockOf(node);
  }

  async liveNodes(): Promise<string[]> {
    const perHost = await Promise.all([...this.drivers.values()].map((driver) => driver.liveNodes()));
    return perHost.flat();
  }

  async agentClocks(): Promise<AgentClock[]> {
    const perHost = await Promise.all([...this.drivers.values()].map((driver) => driver.agentClocks()));
    return perHost.flat();
  }

  /** Every host's teardown in parallel (one host that cannot finish does not keep the others' namespaces); once. */
  teardown(): Promise<string[]> {
    this.tornDown ??= Promise.all([...this.drivers.entries()].map(async ([host, driver]) => (await driver.teardown()).map((error) => `${host}: ${error}`))).then((errors) => errors.flat());
    return this.tornDown;
  }

  private driverOf(node: string): AgentKernelDriver {
    return this.driverOfHost(this.placement.hostOf(node));
  }

  private driverOfHost(host: string): AgentKernelDriver {
    const driver = this.drivers.get(host);
    if (driver === undefined) throw new ColdpathError(`no agent connection for host ${host}`, { kind: 'runtime' });
    return driver;
  }
}
