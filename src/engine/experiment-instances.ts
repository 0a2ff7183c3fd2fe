/**
 * Function instances for experiments: container namespaces on the function
 * hosts with a probe in each, wired exactly like the engine's instances
 * (namespace, veth on the pod bridge, default route), ledgered, and removed
 * again. An experiment drives load through them with the probe protocol.
 */
import { ColdpathError } from '../errors.js';
import { ProbeProcess } from '../probes/probe-process.js';
import { containerLinkPlan, instanceDeletePlan, instanceLayout, namespacePlan, type InstanceLayout } from '../topology/instance-plan.js';
import type { ExperimentContext } from '../experiments/context.js';

/** Starting a probe costs ≈0.1 s alone; on a loaded 2-CPU host, much more. */
const READY_TIMEOUT_MS = 60_000;

export interface FleetInstance {
  layout: InstanceLayout;
  hostIndex: number;
  probe: ProbeProcess;
}

export class Fleet {
  readonly instances: FleetInstance[] = [];
  private readonly created: Array<{ layout: InstanceLayout; hostIndex: number }> = [];

  constructor(private readonly ctx: ExperimentContext) {}

  /** Adds `count` instances, spread round-robin over the function hosts. */
  async add(count: number): Promise<FleetInstance[]> {
    const { engine } = this.ctx;
    const added: FleetInstance[] = [];
    for (let i = 0; i < count; i++) {
      const allocation = engine.pods.allocate();
      if (allocation === undefined) {
        throw new ColdpathError('no free pod address on any function host for an experiment instance', {
          kind: 'input',
          field: 'platform.podPrefix',
          hint: 'use a larger pod subnet per host or more function hosts',
        });
      }
      const layout = instanceLayout(engine.layout, allocation.id, allocation.hostIndex, allocation.slot);
      this.created.push({ layout, hostIndex: allocation.hostIndex });
      await engine.driver.apply(namespacePlan(layout));
      await engine.driver.apply(containerLinkPlan(layout));
      const netns = engine.driver.netnsOf(layout.node);
      const probe = new ProbeProcess({
        netns,
        args: {},
        cpus: engine.placement.probes,
        onSpawn: engine.driver.ledger.recordSpawn(netns),
        label: `experiment probe in ${layout.node}`,
      });
      const instance = { layout, hostIndex: allocation.hostIndex, probe };
      this.instances.push(instance);
      added.push(instance);
    }
    await Promise.all(added.map((instance) => instance.probe.ready(READY_TIMEOUT_MS)));
    return added;
  }

  /** Stops every probe and deletes the instances' namespaces; safe to call twice. */
  async close(): Promise<void> {
    const { engine } = this.ctx;
    await Promise.allSettled(this.instances.map((instance) => instance.probe.stop()));
    const created = this.created.splice(0);
    this.instances.splice(0);
    if (created.length > 0) await engine.driver.apply(instanceDeletePlan(created.map((c) => c.layout)));
    for (const c of created) engine.pods.release(c.layout.id, c.hostIndex);
  }
}
