/** One warm measurement: builds the client for the metric and runs the load loop. */
import { Pool } from 'undici';
import { encodeHistogram } from '../metrics/histogram.js';
import { runLoop, type Operation } from './load-loop.js';
import { connectOnce, EchoClient, httpGet } from './operations.js';
import type { MeasureResultEvent, MeasureSpec } from './protocol.js';

export async function measure(id: number, spec: MeasureSpec, signal: AbortSignal): Promise<MeasureResultEvent> {
  const path = spec.path ?? '/';
  const origin = `http://${spec.host}:${spec.port}`;
  let operation: Operation;
  let close: () => Promise<void> = async () => {};
  switch (spec.metric) {
    case 'connect':
      operation = () => connectOnce(spec.host, spec.port, spec.timeoutMs);
      break;
    case 'keepalive':
    case 'newconn': {
      const pool = new Pool(origin, {
        connections: spec.concurrency,
        pipelining: 1,
        keepAliveTimeout: 60_000,
        connectTimeout: spec.timeoutMs,
      });
      const reset = spec.metric === 'newconn';
      operation = () => httpGet(pool, path, spec.timeoutMs, reset);
      close = () => pool.close();
      break;
    }
    case 'echo': {
      const clients = Array.from({ length: spec.concurrency }, () => new EchoClient(spec.host, spec.port, spec.timeoutMs));
      const payload = Buffer.alloc(spec.payloadBytes ?? 64, 0x61);
      let next = 0;
      // Each closed-loop worker takes the next free client: one request per connection at a time.
      const free = [...clients];
      operation = async () => {
        const client = free.pop() ?? clients[next++ % clients.length];
        if (client === undefined) throw new Error('no echo client');
        try {
          await client.roundTrip(payload);
        } finally {
          free.push(client);
        }
      };
      close = async () => clients.forEach((client) => client.close());
      break;
    }
  }
  try {
    const result = await runLoop(spec, operation, signal);
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
    };
  } finally {
    await close();
  }
}
