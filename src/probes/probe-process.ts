/** The orchestrator's handle on one probe (one function instance's runtime). */
import type { LineChannel } from '../exec/line-channel.js';
import { LineProcess } from '../exec/line-process.js';
import { compiledScript } from '../paths.js';
import type { FirstRequestEvent, FirstRequestSpec, HoldingEvent, HoldResultEvent, HoldSpec, MeasureResultEvent, MeasureSpec, ProbeArgs, ProbeEvent, WitnessEvent, WitnessSpec } from './protocol.js';

/** The probe's command line: the same Node.js and script whether it runs as a process or in a container. */
export const probeArgv = (args: ProbeArgs): string[] => [process.execPath, compiledScript('probes/agent.js'), JSON.stringify(args)];

/** A probe some runtime started (an OCI container): its channel, its pid on this host, and how to stop it. */
export interface StartedProbe {
  channel: LineChannel<ProbeEvent>;
  pid: number | undefined;
  stop: () => Promise<void>;
}

/** A probe started as a process in a namespace (`runtime: process`). */
export interface ProbeProcessOptions {
  netns: string;
  args: ProbeArgs;
  cpus: readonly number[];
  onSpawn: (pid: number, argv: string[]) => void;
  label: string;
}

export class ProbeProcess {
  private nextId = 1;
  readonly process: LineChannel<ProbeEvent>;
  private readonly started: StartedProbe;

  /** Starts the probe as a process (`ip netns exec`), or wraps one a runtime started. */
  constructor(options: ProbeProcessOptions | StartedProbe) {
    if ('channel' in options) {
      this.started = options;
    } else {
      const child = new LineProcess<ProbeEvent>({ netns: options.netns, argv: probeArgv(options.args), cpus: options.cpus, onSpawn: options.onSpawn, label: options.label });
      this.started = { channel: child, pid: child.pid, stop: () => child.stop(1000) };
    }
    this.process = this.started.channel;
  }

  /** When spawn was called, µs monotonic. */
  get spawnedAt(): number {
    return this.process.spawnedAt;
  }

  get pid(): number | undefined {
    return this.started.pid;
  }

  /** Resolves with the time the probe reported itself running. */
  async ready(timeoutMs: number): Promise<number> {
    const event = await this.process.next((e): e is Extract<ProbeEvent, { event: 'ready' }> => e.event === 'ready', timeoutMs);
    return event.at;
  }

  /** The first request: sent now if `spec` is given, else the one started with the probe. */
  first(timeoutMs: number, spec?: FirstRequestSpec): Promise<FirstRequestEvent> {
    if (spec !== undefined) this.process.send({ id: this.nextId++, op: 'first', spec });
    return this.process.next((e): e is FirstRequestEvent => e.event === 'first', timeoutMs);
  }

  measure(spec: MeasureSpec, timeoutMs: number): Promise<MeasureResultEvent> {
    const id = this.nextId++;
    this.process.send({ id, op: 'measure', spec });
    return this.process.next((e): e is MeasureResultEvent => e.event === 'result' && e.id === id, timeoutMs);
  }

  /**
   * Holds idle connections open beside any measurement (NAT limit experiments): resolves once every connect
   * has settled; they stay open until the returned `release` (which resolves with what the hold saw).
   */
  async hold(spec: HoldSpec, timeoutMs: number): Promise<{ holding: HoldingEvent; release: () => Promise<HoldResultEvent> }> {
    const id = this.nextId++;
    this.process.send({ id, op: 'hold', spec });
    const holding = await this.process.next((e): e is HoldingEvent => e.event === 'holding' && e.id === id, timeoutMs);
    const release = (): Promise<HoldResultEvent> => {
      this.process.send({ id, op: 'release' });
      return this.process.next((e): e is HoldResultEvent => e.event === 'held' && e.id === id, timeoutMs);
    };
    return { holding, release };
  }

  /**
   * Opens a named Redis (or, with `spec.postgres`, PostgreSQL) connection and keeps it until the returned `release`
   * (which resolves once the probe has closed it).
   */
  async witness(spec: WitnessSpec, timeoutMs: number): Promise<{ event: WitnessEvent; release: () => Promise<void> }> {
    const id = this.nextId++;
    this.process.send({ id, op: 'witness', spec });
    const event = await this.process.next((e): e is WitnessEvent => e.event === 'witnessing' && e.id === id, timeoutMs);
    const release = async (): Promise<void> => {
      this.process.send({ id, op: 'release' });
      await this.process.next((e) => e.event === 'released' && e.id === id, timeoutMs);
    };
    return { event, release };
  }

  abort(): void {
    this.process.send({ id: 0, op: 'abort' });
  }

  stop(): Promise<void> {
    return this.started.stop();
  }
}
