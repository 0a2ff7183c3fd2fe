/**
 * The built-in target: an HTTP server and a TCP echo server, started inside a
 * service host's namespace. It records each connection's source address, which
 * is how tests prove which path traffic took (ENI address, pod address, or the
 * proxy's eth1). Exits when its stdin closes.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { ServiceCommand, ServiceEvent, ServiceStats, UserServiceArgs } from './protocol.js';

const MAX_BODY = 16 * 1024 * 1024;
const send = (event: ServiceEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const args = JSON.parse(process.argv[2] ?? '{}') as UserServiceArgs;
const stats: ServiceStats = { sources: {}, unidentified: 0, httpConnections: 0, echoConnections: 0, requests: 0 };
let delayMicros = args.delayMicros ?? 0;
const connectionDelayMicros = args.connectionDelayMicros ?? 0;
/** Connections that have had their first response (the per-connection delay is paid once). */
const served = new WeakSet<Socket>();
const bodies = new Map<number, Buffer>();

const countSource = (socket: Socket): void => {
  const address = socket.remoteAddress;
  if (address === undefined) stats.unidentified++;
  else stats.sources[address] = (stats.sources[address] ?? 0) + 1;
};

function body(size: number): Buffer {
  let cached = bodies.get(size);
  if (cached === undefined) {
    cached = Buffer.alloc(size, 0x78);
    if (bodies.size < 64) bodies.set(size, cached);
  }
  return cached;
}

function busyWait(micros: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.round(micros * 1000));
  while (process.hrtime.bigint() < until) {
    // A real CPU cost, like a slower service; timers cannot wait microseconds.
  }
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  stats.requests++;
  const match = /^\/bytes\/(\d+)$/.exec(request.url ?? '/');
  const size = match === null ? args.responseBytes : Math.min(Number(match[1]), MAX_BODY);
  request.resume();
  request.on('end', () => {
    if (connectionDelayMicros > 0 && !served.has(request.socket)) {
      served.add(request.socket);
      busyWait(connectionDelayMicros);
    }
    if (delayMicros > 0) busyWait(delayMicros);
    const payload = body(size);
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': payload.length });
    response.end(payload);
  });
}

const http = createHttpServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, handle);
http.on('connection', (socket: Socket) => {
  stats.httpConnections++;
  countSource(socket);
  socket.setNoDelay(true);
});

const echo: Server = createTcpServer((socket) => {
  stats.echoConnections++;
  countSource(socket);
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: args.bind, port, backlog: 4096 }, () => resolve());
  });
}

function control(command: ServiceCommand): void {
  switch (command.op) {
    case 'stats':
      send({ event: 'stats', ...stats, sources: { ...stats.sources } });
      return;
    case 'reset':
      stats.sources = {};
      stats.unidentified = 0;
      stats.httpConnections = 0;
      stats.echoConnections = 0;
      stats.requests = 0;
      send({ event: 'ack', op: 'reset' });
      return;
    case 'delay':
      delayMicros = Math.max(0, command.micros);
      send({ event: 'ack', op: 'delay' });
      return;
  }
}

try {
  await listen(http, args.httpPort);
  await listen(echo, args.echoPort);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
  send({ event: 'fatal', code, message: (error as Error).message });
  process.exit(1);
}
send({ event: 'ready', pid: process.pid, httpPort: args.httpPort, echoPort: args.echoPort });

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    control(JSON.parse(line) as ServiceCommand);
  } catch (error) {
    send({ event: 'fatal', code: 'BAD_COMMAND', message: (error as Error).message });
  }
});
lines.on('close', () => process.exit(0));
