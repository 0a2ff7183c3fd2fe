/** The orchestrator's handle on a built-in user service running in a namespace. */
import { ColdpathError } from '../errors.js';
import { LineProcess } from '../exec/line-process.js';
import { compiledScript } from '../paths.js';
import type { ServiceEvent, ServiceStats, UserServiceArgs } from './protocol.js';

const READY_TIMEOUT_MS = 15_000;

export class ServiceProcess {
  private constructor(
    readonly name: string,
    private readonly process: LineProcess<ServiceEvent>,
  ) {}

  static async start(options: { netns: string; args: UserServiceArgs; cpus: readonly number[]; onSpawn: (pid: number, argv: string[]) => void }): Promise<ServiceProcess> {
    const process = new LineProcess<ServiceEvent>({
      netns: options.netns,
      argv: [globalThis.process.execPath, compiledScript('services/user-service.js'), JSON.stringify(options.args)],
      cpus: options.cpus,
      onSpawn: options.onSpawn,
      label: `user service ${options.args.name} in ${options.netns}`,
    });
    const first = await process.next((event) => event.event === 'ready' || event.event === 'fatal', READY_TIMEOUT_MS);
    if (first.event === 'fatal') {
      await process.stop();
      const inUse = first.code === 'EADDRINUSE';
      throw new ColdpathError(`user service ${options.args.name}: ${first.message}`, {
        kind: 'input',
        field: 'services',
        hint: inUse ? `port in use inside ${options.netns}; give services.httpPort and services.echoPort different values` : 'see the message above',
      });
    }
    return new ServiceProcess(options.args.name, process);
  }

  get pid(): number | undefined {
    return this.process.pid;
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
    return this.process.stop();
  }
}
