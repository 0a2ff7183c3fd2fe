/**
 * One experiment's ExperimentContext: what it may use of the run, and the
 * resources it acquires through it — instances, daemons, teardown steps —
 * which `close` removes in a fixed order (instances, daemons, then the
 * registered steps last-first), tolerating what is already gone.
 */
import type { ExperimentContext, ExperimentInstance, TeardownStep } from '../experiments/context.js';
import type { KernelDriver } from '../kernel/driver.js';
import { applyTolerant, killAllIn } from '../kernel/tolerant-teardown.js';
import type { ControlPlaneModel } from '../model/control-plane.js';
import type { Scenario } from '../scenario/schema.js';
import { Daemon, type DaemonOptions } from '../services/daemon.js';
import type { ServiceProcess } from '../services/service-process.js';
import { baselineStrategy } from '../strategies/baseline.js';
import type { StrategyContext } from '../strategies/types.js';
import { ColdpathError } from '../errors.js';
import type { Layout, ServiceLayout } from '../topology/layout.js';
import type { EngineContext } from './context.js';
import { ExperimentInstances } from './experiment-instances.js';

export class ExperimentSession implements ExperimentContext {
  readonly scenario: Scenario;
  readonly layout: Layout;
  readonly driver: KernelDriver;
  readonly model: ControlPlaneModel;
  readonly signal: AbortSignal;
  private readonly instances: ExperimentInstances;
  private readonly daemons: Daemon[] = [];
  private readonly steps: Array<TeardownStep | (() => TeardownStep)> = [];

  constructor(
    private readonly engine: EngineContext,
    private readonly services: ReadonlyMap<string, ServiceProcess>,
    readonly strategy: StrategyContext,
  ) {
    this.scenario = engine.scenario;
    this.layout = engine.layout;
    this.driver = engine.driver;
    this.model = engine.model;
    this.signal = engine.signal;
    this.instances = new ExperimentInstances(engine, baselineStrategy(strategy));
  }

  get target(): { layout: ServiceLayout; process: ServiceProcess | undefined } {
    const layout = this.layout.userServices[0];
    if (layout === undefined) throw new ColdpathError('the scenario has no service', { kind: 'input', field: 'services' });
    return { layout, process: this.services.get(layout.node) };
  }

  say(message: string): void {
    this.engine.events.emit({ type: 'stage', message });
  }

  addInstances(count: number): Promise<ExperimentInstance[]> {
    return this.instances.add(count);
  }

  async startDaemon(options: DaemonOptions): Promise<Daemon> {
    const daemon = await Daemon.start(this.driver, options);
    this.daemons.push(daemon);
    return daemon;
  }

  removeAtEnd(step: TeardownStep | (() => TeardownStep)): void {
    this.steps.push(step);
  }

  /** Removes everything the experiment acquired; returns notes for its result (what had to be killed, what could not be removed). */
  async close(): Promise<string[]> {
    const notes: string[] = [];
    await this.instances.close().catch((error: unknown) => notes.push(`teardown: instances: ${error instanceof Error ? error.message : String(error)}`));
    await Promise.allSettled(this.daemons.splice(0).map((daemon) => daemon.stop()));
    for (const registered of this.steps.splice(0).reverse()) {
      const step = typeof registered === 'function' ? registered() : registered;
      const nodes = step.killIn ?? [];
      const killed = nodes.length === 0 ? 0 : await killAllIn(this.driver, nodes);
      if (killed > 0) notes.push(`${killed} process(es) still ran in ${nodes.join(', ')} at teardown and were killed`);
      for (const error of await applyTolerant(this.driver, step.plan)) notes.push(`teardown: ${error}`);
    }
    return notes;
  }
}
