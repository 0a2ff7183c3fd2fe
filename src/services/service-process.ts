/** The orchestrator's handle on a built-in user service running in a namespace. */
import { ColdpathError } from '../errors.js';
import type { KernelDriver, NodeProcess } from '../kernel/kernel-driver.js';
import { compiledScript } from '../paths.js';
import type { ServiceEvent, ServiceStats, UserServiceArgs } from './protocol.js';

const READY_TIMEOUT_MS = 15_000;

export class ServiceProcess {
  private constructor(
    readonly name: string,
    private readonly started: NodeProcess<ServiceEvent>,
  ) {}

  /** Starts the service in `node` (wherever the driver runs it) and waits for it to listen. */
  static async start(options: { driver: Pick<KernelDriver, 'spawnIn'>; node: string; args: UserServiceArgs; cpus: readonly number[] }): Promise<ServiceProcess> {
    const argv = [globalThis.process.execPath, compiledScript('services/user-service.js'), JSON.stringify(options.args)];
    const started = await options.driver.spawnIn<ServiceEvent>(options.node, argv, { cpus: options.cpus, label: `user service ${options.args.name} in ${options.node}` });
    const first = await started.channel.next((event) => event.event === 'ready' || event.event === 'fatal', READY_TIMEOUT_MS);
    if (first.event === 'fatal') {
      await started.stop();
      const inUse = first.code === 'EADDRINUSE';
      throw new ColdpathError(`user service ${options.args.name}: ${first.message}`, {
        kind: 'input',
        field: 'services',
        hint: inUse ? `port in use inside node ${options.node}; give services.httpPort and services.echoPort different values` : 'see the message above',
      });
    }
    return new ServiceProcess(options.args.name, started);
  }

  get pid(): number | undefined {
    return this.started.pid;
  }

  private get process() {
    return this.started.channel;
  }

  async stats(): Promise<ServiceStats> {
    this.process.send({ op: 'stats' });
    const event = await this.process.next((e) => e.event === 'stats', 5000);
    if (event.event !== 'stats') throw new Error('unreachable');
    const { event: _event, ...stats } = event;
    return stats;
  }

  async reset(): Promise<void> {
    this.process.send({ op: 'reset' });
    await this.process.next((e) => e.event === 'ack' && e.op === 'reset', 5000);
  }

  /** Injects a busy-wait before each HTTP response (a regression of known size). */
  async setDelay(micros: number): Promise<void> {
    this.process.send({ op: 'delay', micros });
    await this.process.next((e) => e.event === 'ack' && e.op === 'delay', 5000);
  }

  stop(): Promise<void> {
    return this.started.stop();
  }
}
