/**
 * The reference client of a path's warm measurement: a sockperf ping-pong
 * client started ahead of its measurement and held in its start-up sleep.
 * sockperf 3.7 connects, sends its warm-up messages and then sleeps a fixed
 * 2 s before it measures; a client started when it is needed costs 3.2 s for
 * 1 s of round trips. Started while the path's warm instances are up and
 * stopped as soon as it is in that sleep, it measures nothing until it is
 * continued after coldpath's own measurement: the sleep keeps counting while
 * the process is stopped, so the client starts measuring at once, and the two
 * instruments never overlap. The holding is done beside sockperf, on the
 * instance's machine (probes/sockperf-client.ts, started through the kernel
 * driver like a probe); this side only asks for `held` and `measure`.
 */
import { compiledScript } from '../paths.js';
import type { SockperfClientArgs, SockperfClientEvent } from '../probes/sockperf-client.js';
import type { ReferenceResult } from '../results/types.js';
import type { EngineContext } from './context.js';
import { MESSAGE_BYTES } from './reference.js';

/** Longest wait for the client to be held: Node.js starting, then sockperf connecting through the path (10 s) and its warm-up. */
const HELD_TIMEOUT_MS = 20_000;

export interface HeldReference {
  /** Continues the client, waits for its round trips and returns them. */
  measure(): Promise<ReferenceResult>;
  /** Kills the client without measuring (the block failed or the run was interrupted). */
  discard(): Promise<void>;
}

/** The held client's command line: Node.js running probes/sockperf-client.js with its arguments. */
export const sockperfClientArgv = (args: SockperfClientArgs): string[] => [process.execPath, compiledScript('probes/sockperf-client.js'), JSON.stringify(args)];

/**
 * Starts a sockperf client in `node`'s namespace against `address` and resolves once it is held
 * in its start-up sleep. A client that cannot get there (refused connection, early exit) is not
 * an error here: `measure()` reports it as an errored reference.
 */
export async function holdReference(ctx: EngineContext, node: string, address: string): Promise<HeldReference> {
  const { port, seconds } = ctx.scenario.reference;
  const started = performance.now();
  const errored = (message: string): ReferenceResult => ({ tool: 'sockperf', outcome: 'errored', message, durationUs: Math.round((performance.now() - started) * 1000) });
  let client: Awaited<ReturnType<typeof ctx.driver.spawnIn<SockperfClientEvent>>>;
  try {
    client = await ctx.driver.spawnIn<SockperfClientEvent>(node, sockperfClientArgv({ address, port, seconds, messageBytes: MESSAGE_BYTES }), {
      cpus: ctx.placement.probes,
      label: `sockperf client in ${node}`,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { measure: async () => errored(message), discard: async () => {} };
  }
  const { channel } = client;
  await channel.next((event) => event.type === 'held', HELD_TIMEOUT_MS).catch(() => undefined);
  return {
    measure: async () => {
      try {
        channel.send({ type: 'measure' });
        const event = await channel.next((e): e is Extract<SockperfClientEvent, { type: 'reference' }> => e.type === 'reference', (seconds + 40) * 1000);
        return event.result;
      } catch (error) {
        return errored(error instanceof Error ? error.message : String(error));
      } finally {
        await client.stop();
      }
    },
    // End of input kills sockperf there; stop() kills the holder after its grace if it lingers.
    discard: () => client.stop(),
  };
}
