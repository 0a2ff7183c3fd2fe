/**
 * The built-in target's servers: HTTP (a body of a set size, `/bytes/N`,
 * uploads) and TCP echo, counting each connection's source address — how
 * tests prove which path traffic took (ENI address, pod address, or the
 * proxy's eth1). Injected regressions are busy-waits, a real CPU cost like a
 * slower service: before every response, or before the first response of
 * each connection. The process around it is user-service.ts.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { ServiceCommand, ServiceEvent, ServiceStats, UserServiceArgs } from './protocol.js';

const MAX_BODY = 16 * 1024 * 1024;

export interface UserServer {
  http: HttpServer;
  echo: Server;
  /** Binds both servers (`args.httpPort`, `args.echoPort`; 0 picks a free port). */
  listen(): Promise<{ httpPort: number; echoPort: number }>;
  /** Answers a control command with its event. */
  control(command: ServiceCommand): ServiceEvent;
  close(): Promise<void>;
}

function busyWait(micros: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.round(micros * 1000));
  while (process.hrtime.bigint() < until) {
    // A real CPU cost, like a slower service; timers cannot wait microseconds.
  }
}

export function createUserServer(args: UserServiceArgs): UserServer {
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

  const body = (size: number): Buffer => {
    let cached = bodies.get(size);
    if (cached === undefined) {
      cached = Buffer.alloc(size, 0x78);
      if (bodies.size < 64) bodies.set(size, cached);
    }
    return cached;
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
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
  };

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

  const listenOn = (server: Server | HttpServer, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: args.bind, port, backlog: 4096 }, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });

  return {
    http,
    echo,
    async listen() {
      const httpPort = await listenOn(http, args.httpPort);
      const echoPort = await listenOn(echo, args.echoPort);
      return { httpPort, echoPort };
    },
    control(command) {
      switch (command.op) {
        case 'stats':
          return { event: 'stats', ...stats, sources: { ...stats.sources } };
        case 'reset':
          stats.sources = {};
          stats.unidentified = 0;
          stats.httpConnections = 0;
          stats.echoConnections = 0;
          stats.requests = 0;
          return { event: 'ack', op: 'reset' };
        case 'delay':
          delayMicros = Math.max(0, command.micros);
          return { event: 'ack', op: 'delay' };
      }
    },
    async close() {
      http.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => http.close(() => resolve())), new Promise<void>((resolve) => echo.close(() => resolve()))]);
    },
  };
}
