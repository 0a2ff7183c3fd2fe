/** Everything the run engine's parts share for one run. */
import type { ControlPlaneModel } from '../model/control-plane.js';
import type { KernelDriver } from '../kernel/driver.js';
import type { Fingerprint } from '../results/types.js';
import type { Scenario } from '../scenario/schema.js';
import { Ipam } from '../strategies/ipam.js';
import type { Layout } from '../topology/layout.js';
import type { RunEvents } from './events.js';

export interface EngineContext {
  scenario: Scenario;
  layout: Layout;
  driver: KernelDriver;
  model: ControlPlaneModel;
  placement: Fingerprint['cpuPlacement'];
  events: RunEvents;
  signal: AbortSignal;
  pods: PodSlots;
}

/** Pod addresses per function host, and instance numbering. */
export class PodSlots {
  private readonly perHost: Ipam[];
  private nextId = 0;

  constructor(hosts: number, slotsPerHost: number) {
    this.perHost = Array.from({ length: hosts }, () => new Ipam(0, slotsPerHost - 1));
  }

  /** A new instance id, its host (round robin) and a free pod slot there. */
  allocate(): { id: number; hostIndex: number; slot: number } | undefined {
    const id = this.nextId++;
    for (let attempt = 0; attempt < this.perHost.length; attempt++) {
      const hostIndex = (id + attempt) % this.perHost.length;
      const slot = this.perHost[hostIndex]?.allocate(id);
      if (slot !== undefined) return { id, hostIndex, slot };
    }
    return undefined;
  }

  release(id: number, hostIndex: number): void {
    this.perHost[hostIndex]?.release(id);
  }
}
