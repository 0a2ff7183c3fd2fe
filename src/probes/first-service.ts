/**
 * An instance's first request to a real server (`burst.firstRequest:
 * service`): what a cold function waits for before it can answer — its
 * database client loaded, a connection set up and the first query answered.
 * The same client and the same phase stamps as the warm `pg.connect` and
 * `redis.connect`: TCP connect, TLS handshake (PostgreSQL), authentication,
 * first query. Loaded by the probe only for such a first request, and the
 * client module with it, timed (`client-load`): the default cold path never
 * loads either.
 */
import { channel, type Channel } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { PhasedEnd } from '../metrics/connect-phases.js';
import { synRetransmits } from './operations.js';
import { errorKind, nowMicros, type FirstRequestEvent, type FirstRequestSpec } from './protocol.js';

export async function firstServiceRequest(spec: FirstRequestSpec): Promise<FirstRequestEvent> {
  const loadStart = nowMicros();
  // node-redis opens its socket with net.createConnection, which Node publishes here (pg's Connection says its own socket).
  const sockets: Channel = channel('net.client.socket');
  let socketAddress: string | undefined;
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    socket.once('connect', () => {
      socketAddress ??= socket.localAddress;
    });
  };
  try {
    let run: () => Promise<PhasedEnd>;
    const { postgres, redis } = spec;
    if (postgres !== undefined) {
      const client = await import('./pg-client.js');
      const target = { host: spec.host, port: spec.port, user: postgres.user, password: postgres.password, database: postgres.database, ca: postgres.ca, timeoutMs: spec.timeoutMs };
      run = () => client.pgConnectOnce(target, postgres.query);
    } else if (redis !== undefined) {
      const client = await import('./redis-client.js');
      const target = { host: spec.host, port: spec.port, password: redis.password, timeoutMs: spec.timeoutMs };
      run = () => client.redisConnectOnce(target, redis.key);
    } else {
      throw new Error('a first request to a real server needs its postgres or redis spec');
    }
    sockets.subscribe(onSocket);
    const imported = nowMicros();
    const phased = await run();
    // Loading the client ends once its client object is made (node-redis's first one builds its command class): the connect starts there.
    const loaded = Math.max(phased.created ?? imported, imported);
    const connectStart = loaded;
    // A stamp an event never set (0) or set early counts as a zero-length phase, as in the warm figures: spans never run backwards.
    let previous = connectStart;
    const stamps = phased.stamps.map((stamp) => {
      previous = Math.max(stamp, previous);
      return previous;
    });
    // pg: tcp, tls, auth, query; Redis: tcp, auth, query.
    const tcp = stamps[0] ?? phased.end;
    const tls = postgres !== undefined ? stamps[1] : undefined;
    const auth = stamps[stamps.length - 2] ?? tcp;
    return {
      event: 'first',
      ok: true,
      connectStart,
      connected: tcp,
      firstByte: phased.end,
      responseEnd: phased.end,
      localAddress: phased.localAddress ?? socketAddress ?? '',
      status: 0,
      synRetransmits: synRetransmits(),
      service: { loadStart, loaded, ...(tls === undefined ? {} : { tlsDone: tls }), authDone: auth },
    };
  } catch (error) {
    return { event: 'first', ok: false, at: nowMicros(), errorKind: errorKind(error), message: error instanceof Error ? error.message : String(error) };
  } finally {
    if (sockets.hasSubscribers) sockets.unsubscribe(onSocket);
  }
}
