/**
 * The probe: runs inside a container namespace for the life of an instance.
 * Starts light (only `node:net`), makes the instance's first request at once,
 * then serves measurement commands from stdin; exits when stdin closes, so a
 * killed orchestrator never leaves probes behind.
 */
import { createInterface } from 'node:readline';
import { firstRequest, holdConnections } from './operations.js';
import type { Witnesses } from './witness.js';
import { nowMicros, type FirstRequestEvent, type FirstRequestSpec, type MeasureResultEvent, type MeasureSpec, type ProbeArgs, type ProbeCommand, type ProbeEvent } from './protocol.js';

const send = (event: ProbeEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ProbeArgs;
  // A function runtime has initialised its socket code before it serves; without this the
  // first connect would carry ≈2–3 ms of Node.js lazy initialisation, not network time.
  await warmUpSockets();
  send({ event: 'ready', pid: process.pid, at: nowMicros() });
  if (args.first !== undefined) send(await firstOf(args.first));

  let current: AbortController | undefined;
  let witnesses: Promise<Witnesses> | undefined;
  const holds = new Map<number, AbortController>();
  const queue: Array<{ id: number; spec: MeasureSpec }> = [];
  let running = false;
  const drain = async (): Promise<void> => {
    if (running) return;
    running = true;
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      current = new AbortController();
      send(await measureSafely(next.id, next.spec, current.signal));
    }
    current = undefined;
    running = false;
  };

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let command: ProbeCommand;
    try {
      command = JSON.parse(line) as ProbeCommand;
    } catch {
      send({ event: 'fatal', message: `not JSON: ${line.slice(0, 80)}` });
      return;
    }
    if (command.op === 'abort') {
      current?.abort();
      return;
    }
    if (command.op === 'first') {
      void firstOf(command.spec).then(send);
      return;
    }
    if (command.op === 'hold') {
      const { id } = command;
      const release = new AbortController();
      holds.set(id, release);
      void holdConnections(id, command.spec, release.signal, send).then((held) => {
        holds.delete(id);
        send(held);
      });
      return;
    }
    if (command.op === 'release' && holds.has(command.id)) {
      holds.get(command.id)?.abort();
      return;
    }
    if (command.op === 'witness' || command.op === 'release') {
      // Loaded on first use, like measurements: the Redis and PostgreSQL clients are not part of the cold path.
      witnesses ??= import('./witness.js').then(({ Witnesses }) => new Witnesses(send));
      const { op, id } = command;
      const spec = command.op === 'witness' ? command.spec : undefined;
      void witnesses.then((all) => (op === 'witness' && spec !== undefined ? all.start(id, spec) : all.release(id)));
      return;
    }
    queue.push({ id: command.id, spec: command.spec });
    void drain();
  });
  lines.on('close', () => {
    current?.abort();
    process.exit(0);
  });
}

/**
 * The first request: HTTP on a raw socket, or — a real server's first
 * request — its client, loaded here only: the default cold path never loads it.
 */
async function firstOf(spec: FirstRequestSpec): Promise<FirstRequestEvent> {
  if (spec.postgres === undefined && spec.redis === undefined) return firstRequest(spec);
  const { firstServiceRequest } = await import('./first-service.js');
  return firstServiceRequest(spec);
}

/** One connection over loopback (inside the container): TCP handle, connect, write, read. */
async function warmUpSockets(): Promise<void> {
  const { createServer, connect } = await import('node:net');
  await new Promise<void>((resolve) => {
    const server = createServer((socket) => socket.end('x'));
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () => socket.write('x'));
      const done = (): void => {
        socket.destroy();
        server.close();
        resolve();
      };
      socket.once('data', done);
      socket.once('error', done);
    });
    server.once('error', () => resolve());
  });
}

async function measureSafely(id: number, spec: MeasureSpec, signal: AbortSignal): Promise<MeasureResultEvent> {
  const startedAt = nowMicros();
  try {
    // Loaded on first use: the cold path (first request) must not pay for them.
    const { measure } = await import('./measure.js');
    return await measure(id, spec, signal);
  } catch (error) {
    const { createHistogram, encodeHistogram } = await import('../metrics/histogram.js');
    return {
      event: 'result',
      id,
      outcome: 'errored',
      metric: spec.metric,
      histogram: encodeHistogram(createHistogram('latency')),
      errors: {},
      startedAt,
      durationUs: nowMicros() - startedAt,
      warmup: { mode: 'fixed', requests: 0, durationUs: 0 },
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

main().catch((error: unknown) => {
  send({ event: 'fatal', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
