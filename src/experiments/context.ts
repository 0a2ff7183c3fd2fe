/**
 * What the engine gives an experiment: the run's topology and tunnel, the
 * kernel driver to apply plans with, and resources whose life cycle the
 * engine owns — function instances, daemons, and what to remove at the end.
 * An experiment never tears down itself: it registers what it built, and
 * the engine removes it after the experiment, whether it completed, failed
 * or was interrupted. Defined here, implemented by engine/experiment-session.ts.
 */
import type { KernelDriver } from '../kernel/driver.js';
import type { ControlPlaneModel } from '../model/control-plane.js';
import type { ProbeProcess } from '../probes/probe-process.js';
import type { Scenario } from '../scenario/schema.js';
import type { Daemon, DaemonOptions } from '../services/daemon.js';
import type { ServiceProcess } from '../services/service-process.js';
import type { StrategyContext } from '../strategies/types.js';
import type { Layout, ServiceLayout } from '../topology/layout.js';
import type { InstanceLayout } from '../topology/instance-plan.js';
import type { Plan } from '../topology/ops.js';

/** A function instance: its namespace on a function host, wired like every instance, with a probe in it. */
export interface ExperimentInstance {
  layout: InstanceLayout;
  probe: ProbeProcess;
}

/** Something to remove when the experiment ends. */
export interface TeardownStep {
  /** Applied op by op; objects already gone are fine. */
  plan: Plan;
  /** Nodes whose processes are killed first (a namespace is only freed when its last process has exited). */
  killIn?: readonly string[];
}

export interface ExperimentContext {
  readonly scenario: Scenario;
  readonly layout: Layout;
  /** What strategy plan functions take (scenario, layout, the tunnel this run chose). */
  readonly strategy: StrategyContext;
  readonly driver: KernelDriver;
  readonly model: ControlPlaneModel;
  /** Aborted on Ctrl-C: stop soon, the engine records the experiment as aborted. */
  readonly signal: AbortSignal;
  /** The first user service, every experiment's target, and its running process. */
  readonly target: { layout: ServiceLayout; process: ServiceProcess | undefined };
  /** A progress line on the console. */
  say(message: string): void;
  /** Adds function instances (round robin over the function hosts); the engine removes them at the end. */
  addInstances(count: number): Promise<ExperimentInstance[]>;
  /** Starts a daemon in a node's namespace, on the node's machine (ledgered there); the engine stops it at the end. */
  startDaemon(options: DaemonOptions): Promise<Daemon>;
  /**
   * Registers what to remove at the end: steps run last-registered first,
   * after instances and daemons are stopped. A function is called then, for
   * steps whose extent is only known at the end (a pool that grew).
   */
  removeAtEnd(step: TeardownStep | (() => TeardownStep)): void;
}
