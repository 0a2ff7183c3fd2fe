/** One warm measurement: builds the client for the metric and runs the load loop. */
import { Client, Pool, type Dispatcher } from 'undici';
import { CONNECT_PHASES_OF } from '../metrics/connect-phases.js';
import { encodeHistogram } from '../metrics/histogram.js';
import { runLoop, type Operation } from './load-loop.js';
import { connectOnce, EchoClient, exchangeOnce, httpGet, KeepAliveClient } from './operations.js';
import { nowMicros, type MeasureResultEvent, type MeasureSpec } from './protocol.js';

export async function measure(id: number, spec: MeasureSpec, signal: AbortSignal): Promise<MeasureResultEvent> {
  const path = spec.path ?? '/';
  const origin = `http://${spec.host}:${spec.port}`;
  let operation: Operation;
  let close: () => Promise<void> = async () => {};
  // Connection opens/closes (HTTP metrics, traced runs): which connections survived a failover.
  const connections: Array<[number, number, number]> = [];
  const slots = new Map<unknown, number>();
  const slotOf = (targets: unknown): number => {
    // undici passes [pool, client]: the client is the slot, reconnecting after a loss.
    const client = Array.isArray(targets) ? targets[targets.length - 1] : targets;
    let slot = slots.get(client);
    if (slot === undefined) {
      slot = slots.size;
      slots.set(client, slot);
    }
    return slot;
  };
  switch (spec.metric) {
    case 'connect':
      operation = () => connectOnce(spec.host, spec.port, spec.timeoutMs);
      break;
    case 'newconn': {
      const body = spec.method === 'POST' ? Buffer.alloc(spec.uploadBytes ?? 0, 0x75) : undefined;
      // Trace slots: the lowest slot not in flight, as a connection pool would number them.
      const inFlight = new Set<number>();
      operation = () => {
        let slot = 0;
        while (inFlight.has(slot)) slot++;
        inFlight.add(slot);
        return exchangeOnce({
          host: spec.host,
          port: spec.port,
          path,
          timeoutMs: spec.timeoutMs,
          ...(body === undefined ? {} : { body }),
          ...(spec.closer === undefined ? {} : { closer: spec.closer }),
          ...(spec.trace === true ? { onConnect: () => connections.push([nowMicros(), 1, slot]), onClose: () => connections.push([nowMicros(), -1, slot]) } : {}),
        }).finally(() => inFlight.delete(slot));
      };
      break;
    }
    case 'keepalive': {
      const body = spec.method === 'POST' ? Buffer.alloc(spec.uploadBytes ?? 0, 0x75) : undefined;
      if (spec.httpClient !== 'undici') {
        ({ operation, close } = oneRequestPerConnection(
          spec.concurrency,
          () => new KeepAliveClient(spec.host, spec.port, path, spec.timeoutMs, body),
          (client) => client.request(),
        ));
        break;
      }
      const dispatcher = keptDispatcher(origin, spec);
      if (spec.trace === true) {
        dispatcher.on('connect', (_origin, targets) => connections.push([nowMicros(), 1, slotOf(targets)]));
        dispatcher.on('disconnect', (_origin, targets) => connections.push([nowMicros(), -1, slotOf(targets)]));
      }
      operation = () => httpGet(dispatcher, path, spec.timeoutMs, false, body);
      close = () => dispatcher.close();
      break;
    }
    case 'http.get': {
      // nginx (a service of kind nginx): GETs with undici, the HTTP client of Node.js functions, on kept connections.
      const dispatcher = keptDispatcher(origin, spec);
      operation = () => httpGet(dispatcher, path, spec.timeoutMs, false);
      close = () => dispatcher.close();
      break;
    }
    case 'redis.get':
    case 'redis.connect': {
      const redis = spec.redis;
      if (redis === undefined) throw new Error(`${spec.metric} needs the server's password and key (spec.redis)`);
      // Loaded here only: measurements without Redis never load the client.
      const client = await import('./redis-client.js');
      const target = { host: spec.host, port: spec.port, password: redis.password, timeoutMs: spec.timeoutMs };
      if (spec.metric === 'redis.connect') {
        operation = () => client.redisConnectOnce(target, redis.key);
        break;
      }
      ({ operation, close } = oneRequestPerConnection(
        spec.concurrency,
        () => new client.RedisGetClient(target, redis.key),
        (connection) => connection.get(),
      ));
      break;
    }
    case 'pg.query':
    case 'pg.connect': {
      const postgres = spec.postgres;
      if (postgres === undefined) throw new Error(`${spec.metric} needs the server's credentials and certificate (spec.postgres)`);
      // Loaded here only: measurements without PostgreSQL never load the client.
      const client = await import('./pg-client.js');
      const target = { host: spec.host, port: spec.port, user: postgres.user, password: postgres.password, database: postgres.database, ca: postgres.ca, timeoutMs: spec.timeoutMs };
      if (spec.metric === 'pg.connect') {
        operation = () => client.pgConnectOnce(target, postgres.query);
        break;
      }
      ({ operation, close } = oneRequestPerConnection(
        spec.concurrency,
        () => new client.PgQueryClient(target, postgres.query),
        (connection) => connection.run(),
      ));
      break;
    }
    case 'echo': {
      const payload = Buffer.alloc(spec.payloadBytes ?? 64, 0x61);
      ({ operation, close } = oneRequestPerConnection(
        spec.concurrency,
        () => new EchoClient(spec.host, spec.port, spec.timeoutMs),
        (client) => client.roundTrip(payload),
      ));
      break;
    }
  }
  try {
    // A new connection per request (pg.connect, redis.connect): its set-up's phases too.
    const phases = CONNECT_PHASES_OF[spec.metric];
    const result = await runLoop(phases === undefined ? spec : { ...spec, phases }, operation, signal);
    const trace =
      result.trace === undefined ? undefined : { ...result.trace, connections: connections.map(([at, delta, slot]): [number, number, number] => [Math.round(at - result.startedAt), delta, slot]) };
    return {
      event: 'result',
      id,
      outcome: result.aborted ? 'aborted' : 'completed',
      metric: spec.metric,
      histogram: encodeHistogram(result.histogram),
      ...(result.raw === undefined ? {} : { raw: encodeHistogram(result.raw) }),
      errors: result.errors,
      startedAt: result.startedAt,
      durationUs: result.durationUs,
      warmup: result.warmup,
      ...(trace === undefined ? {} : { trace }),
      ...(result.phases === undefined ? {} : { phases: Object.fromEntries(Object.entries(result.phases).map(([phase, histogram]) => [phase, encodeHistogram(histogram)])) }),
    };
  } finally {
    await close();
  }
}

/**
 * `concurrency` kept connections; each request takes a free one, so no
 * connection ever carries two requests at once (the load loop never has more
 * than `concurrency` in flight).
 */
function oneRequestPerConnection<C extends { close(): void }>(concurrency: number, open: () => C, use: (client: C) => Promise<void>): { operation: Operation; close: () => Promise<void> } {
  const clients = Array.from({ length: concurrency }, open);
  const free = [...clients];
  return {
    operation: async () => {
      const client = free.pop();
      if (client === undefined) throw new Error('no free connection');
      try {
        await use(client);
      } finally {
        free.push(client);
      }
    },
    close: async () => {
      for (const client of clients) client.close();
    },
  };
}

/** undici on `concurrency` kept connections: one needs no pool; several are pooled, one request on each at a time. */
function keptDispatcher(origin: string, spec: MeasureSpec): Dispatcher {
  const options = { keepAliveTimeout: 60_000, connectTimeout: spec.timeoutMs };
  return spec.concurrency === 1 ? new Client(origin, { ...options, pipelining: 1 }) : new Pool(origin, { ...options, connections: spec.concurrency, pipelining: 1 });
}
