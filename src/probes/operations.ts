/**
 * The requests a probe makes. Keep-alive HTTP goes through undici (what a
 * Node.js function's HTTP client does); a new connection per request, connect
 * and echo use raw sockets so they measure the network rather than client
 * bookkeeping (comparable with netperf TCP_CRR / TCP_RR and sockperf;
 * measured on loopback, undici with `reset` adds ≈ 100–180 µs per request).
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { errorKind, nowMicros, type FirstRequestEvent, type FirstRequestSpec, type HoldingEvent, type HoldResultEvent, type HoldSpec } from './protocol.js';

class ProbeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * One TCP handshake, then a reset; resolves with the time the handshake
 * completed, so the close (its segment goes out inside the call) is not timed.
 */
export function connectOnce(host: string, port: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    socket.setTimeout(timeoutMs, () => socket.destroy(new ProbeError('ETIMEDOUT', `connect to ${host}:${port} timed out`)));
    socket.once('connect', () => {
      const connected = nowMicros();
      // A reset leaves no TIME_WAIT behind: the container's ephemeral ports stay free (see exchangeOnce).
      socket.resetAndDestroy();
      resolve(connected);
    });
    socket.once('error', reject);
  });
}

/**
 * An HTTP GET (or, with `body`, a POST of that body) through an undici
 * dispatcher, on its low-level handler API: no response stream is built per
 * request, so the figure is the network and the server, not client plumbing
 * (measured on loopback: 43 µs against 54 µs with `request()` and a dumped body).
 * `reset` closes the connection after the response.
 */
export function httpGet(dispatcher: Dispatcher, path: string, timeoutMs: number, reset: boolean, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let status = 0;
    // The callback handler a Client dispatches to directly (undici 7 wraps the newer one only in composed dispatchers).
    dispatcher.dispatch(
      { path, method: body === undefined ? 'GET' : 'POST', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, reset, ...(body === undefined ? {} : { body }) },
      {
        onConnect: () => {},
        onHeaders: (statusCode) => {
          status = statusCode;
          return true;
        },
        onData: () => true,
        onComplete: () => {
          if (status === 200) resolve();
          else reject(new ProbeError(`HTTP_${status}`, `HTTP ${status}`));
        },
        onError: reject,
      },
    );
  });
}

/**
 * Reads one reply of an exchange chunk by chunk: undefined while it is
 * incomplete, null once it is complete, an Error when it is complete but wrong.
 */
type ReplyReader = (chunk: Buffer) => Error | null | undefined;

/**
 * One TCP connection kept for many exchanges, one at a time: send a request,
 * read its reply. Reconnects on the next exchange after a loss.
 */
class KeptConnection {
  private socket: Socket | undefined;
  private pending: { read: ReplyReader; resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  private open(): Promise<Socket> {
    if (this.socket !== undefined && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true });
      const timer = setTimeout(() => socket.destroy(new ProbeError('ETIMEDOUT', `connect to ${this.host}:${this.port} timed out`)), this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('data', (chunk: Buffer) => {
        const outcome = this.pending?.read(chunk);
        if (outcome !== undefined) this.settle(outcome ?? undefined);
      });
      // A connection given up after a timeout closes later: it must not fail the next exchange.
      socket.on('close', () => {
        if (this.socket === socket) this.settle(new ProbeError('ECONNRESET', 'connection closed before the reply was complete'));
      });
      this.socket = socket;
    });
  }

  private settle(error?: Error): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    if (error === undefined) pending.resolve();
    else pending.reject(error);
  }

  async exchange(request: Buffer, read: ReplyReader): Promise<void> {
    const socket = await this.open();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(new ProbeError('ETIMEDOUT', `no reply from ${this.host}:${this.port} within ${this.timeoutMs} ms`));
        socket.destroy();
      }, this.timeoutMs);
      this.pending = { read, resolve, reject, timer };
      socket.write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
  }
}

/** A persistent TCP connection that sends `payload` and waits for it to come back. */
export class EchoClient {
  private readonly connection: KeptConnection;

  constructor(host: string, port: number, timeoutMs: number) {
    this.connection = new KeptConnection(host, port, timeoutMs);
  }

  roundTrip(payload: Buffer): Promise<void> {
    let received = 0;
    return this.connection.exchange(payload, (chunk) => {
      received += chunk.length;
      return received >= payload.length ? null : undefined;
    });
  }

  close(): void {
    this.connection.close();
  }
}

/**
 * HTTP/1.1 requests on one kept connection, with the least client work a
 * request can take (what wrk does): a prepared request, the response read
 * until its Content-Length is in.
 */
export class KeepAliveClient {
  private readonly connection: KeptConnection;
  private readonly prepared: Buffer;

  constructor(host: string, port: number, path: string, timeoutMs: number, body?: Buffer) {
    this.connection = new KeptConnection(host, port, timeoutMs);
    const head = body === undefined ? `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n` : `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${body.length}\r\n\r\n`;
    this.prepared = body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
  }

  request(): Promise<void> {
    const reader = new ResponseReader();
    return this.connection.exchange(this.prepared, (chunk) => {
      const status = reader.push(chunk);
      if (status === undefined) return undefined;
      return status === 200 ? null : new ProbeError(`HTTP_${status}`, `HTTP ${status}`);
    });
  }

  close(): void {
    this.connection.close();
  }
}

/** Accumulates an HTTP/1.1 response until its Content-Length is complete. */
class ResponseReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds a chunk; returns the status once the whole response is in, else undefined. */
  push(chunk: Buffer): number | undefined {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headerEnd = this.buffered.indexOf('\r\n\r\n');
    if (headerEnd < 0) return undefined;
    const head = this.buffered.subarray(0, headerEnd).toString('latin1');
    const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
    if (this.buffered.length - headerEnd - 4 < length) return undefined;
    return Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? '0');
  }
}

export interface ExchangeSpec {
  host: string;
  port: number;
  path: string;
  timeoutMs: number;
  /** A POST of this body instead of a GET (uploads). */
  body?: Buffer;
  /** Called when the connection is up and when it is closed (connection traces). */
  onConnect?: () => void;
  onClose?: () => void;
  /** Who closes first (see MeasureSpec.closer); default server. */
  closer?: 'client' | 'server';
}

/**
 * Connect, one request, the whole response, close: netperf TCP_CRR with an
 * HTTP payload. Resolves with the time the response was complete. By default
 * the server closes first (`Connection: close`), as HTTP/1.1 servers do, and
 * the probe closes when it sees that FIN: TIME_WAIT stays with the server, so
 * thousands of requests do not use up the container's ephemeral ports (a port
 * search that slows every later connect is the harness's load, not the path's).
 */
export function exchangeOnce(spec: ExchangeSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    const reader = new ResponseReader();
    let connected = false;
    let completeAt: number | undefined;
    let ended = false;
    const socket = connect({ host: spec.host, port: spec.port, noDelay: true });
    const timer = setTimeout(() => socket.destroy(new ProbeError('ETIMEDOUT', `no response from ${spec.host}:${spec.port} within ${spec.timeoutMs} ms`)), spec.timeoutMs);
    const done = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (connected) spec.onClose?.();
      connected = false;
      if (error !== undefined) reject(error);
      else resolve(completeAt ?? nowMicros());
    };
    socket.once('connect', () => {
      connected = true;
      spec.onConnect?.();
      const head =
        spec.body === undefined
          ? `GET ${spec.path} HTTP/1.1\r\nHost: ${spec.host}\r\nConnection: close\r\n\r\n`
          : `POST ${spec.path} HTTP/1.1\r\nHost: ${spec.host}\r\nConnection: close\r\nContent-Length: ${spec.body.length}\r\n\r\n`;
      socket.write(spec.body === undefined ? head : Buffer.concat([Buffer.from(head, 'latin1'), spec.body]));
    });
    socket.on('data', (chunk: Buffer) => {
      if (completeAt !== undefined) return;
      const status = reader.push(chunk);
      if (status === undefined) return;
      if (status !== 200) {
        done(new ProbeError(`HTTP_${status}`, `HTTP ${status}`));
        return;
      }
      completeAt = nowMicros();
      if (ended || spec.closer === 'client') done();
    });
    socket.once('error', (error) => done(error));
    socket.once('end', () => {
      ended = true;
      if (completeAt !== undefined) done();
      else done(new ProbeError('ECONNRESET', 'connection closed before the response was complete'));
    });
  });
}

/**
 * The instance's very first connection and request, timed step by step on a
 * raw socket: handshake, then request until the first response byte, then the
 * whole response.
 */
export function firstRequest(spec: FirstRequestSpec): Promise<FirstRequestEvent> {
  return new Promise((resolve) => {
    const connectStart = nowMicros();
    let connected = 0;
    let firstByte = 0;
    const reader = new ResponseReader();
    let settled = false;
    const socket = connect({ host: spec.host, port: spec.port, noDelay: true });
    const finish = (event: FirstRequestEvent): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(event);
    };
    const timer = setTimeout(
      () => finish({ event: 'first', ok: false, at: nowMicros(), errorKind: 'timeout', message: `no response from ${spec.host}:${spec.port} within ${spec.timeoutMs} ms` }),
      spec.timeoutMs,
    );
    socket.once('connect', () => {
      connected = nowMicros();
      socket.write(`GET ${spec.path} HTTP/1.1\r\nHost: ${spec.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (firstByte === 0) firstByte = nowMicros();
      const status = reader.push(chunk);
      if (status === undefined) return;
      finish({
        event: 'first',
        ok: true,
        connectStart,
        connected,
        firstByte,
        responseEnd: nowMicros(),
        localAddress: socket.localAddress ?? '',
        status,
        synRetransmits: synRetransmits(),
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ event: 'first', ok: false, at: nowMicros(), errorKind: error.code?.toLowerCase() ?? 'other', message: error.message }));
  });
}

/** TcpExt TCPSynRetrans of this process's network namespace (0 when unreadable). */
export function synRetransmits(): number {
  try {
    const lines = readFileSync('/proc/self/net/netstat', 'utf8').split('\n');
    const names = lines.find((line) => line.startsWith('TcpExt:') && /[A-Za-z]/.test(line.slice(7)))?.split(/\s+/);
    const values = lines.filter((line) => line.startsWith('TcpExt:'))[1]?.split(/\s+/);
    const index = names?.indexOf('TCPSynRetrans') ?? -1;
    return index > 0 ? Number(values?.[index] ?? 0) : 0;
  } catch {
    return 0;
  }
}

/**
 * Opens connections and keeps them idle (see HoldSpec): `onHolding` once every connect has settled,
 * then until `release` aborts or `durationMs` has passed.
 */
export async function holdConnections(id: number, spec: HoldSpec, release: AbortSignal, onHolding: (event: HoldingEvent) => void): Promise<HoldResultEvent> {
  const startedAt = nowMicros();
  const errors: Record<string, number> = {};
  const sockets: Socket[] = [];
  let lost = 0;
  let over = false;
  const openOne = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ host: spec.host, port: spec.port, noDelay: true });
      const timer = setTimeout(() => socket.destroy(new ProbeError('ETIMEDOUT', 'connect timed out')), spec.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        sockets.push(socket);
        socket.once('close', () => {
          if (!over) lost++;
        });
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        const kind = errorKind(error);
        if (!sockets.includes(socket)) errors[kind] = (errors[kind] ?? 0) + 1;
        resolve();
      });
    });
  await Promise.all(Array.from({ length: spec.connections }, openOne));
  onHolding({ event: 'holding', id, opened: sockets.length, errors: { ...errors }, at: nowMicros() });
  await releasedOrAfter(release, spec.durationMs);
  over = true;
  const opened = sockets.length;
  for (const socket of sockets) socket.destroy();
  return { event: 'held', id, opened, errors, lost, startedAt };
}

function releasedOrAfter(release: AbortSignal, ms: number): Promise<void> {
  if (release.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      release.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    release.addEventListener('abort', done, { once: true });
  });
}
