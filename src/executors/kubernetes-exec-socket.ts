/**
 * The websocket under client-node's `Exec`, opened by coldpath rather than by
 * client-node's own handler, for three reasons: a refused upgrade keeps the
 * API's `Status` body (`pods "x" is forbidden: …`, which `ws` otherwise
 * reduces to "Unexpected server response: 403"); the socket's close code and
 * reason are kept for the message when the stream drops; and a v5 close frame
 * from the server ends our stream, not the coordinator's own stdout (which
 * client-node's handler would end). Only the `v5.channel.k8s.io` and
 * `v4.channel.k8s.io` subprotocols are offered: older ones carry no exit
 * status.
 */
import type { Exec, KubeConfig } from '@kubernetes/client-node';
import WebSocket from 'ws';

/** What `Exec` needs from a transport (client-node's `WebSocketInterface`, not exported by name). */
type WebSocketInterface = NonNullable<ConstructorParameters<typeof Exec>[1]>;

/** Offered in this order; the API server picks the first it speaks (v5 from Kubernetes 1.30). */
export const EXEC_SUBPROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

/** v5's close-a-channel frame: `[255, channel]`. */
export const CLOSE_CHANNEL = 255;

/** The API server answered the upgrade with an HTTP error instead of switching protocols. */
export class ExecRefused extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
  ) {
    super(`HTTP ${statusCode}`);
  }
}

/** How the socket ended: the websocket close code (1006: dropped without a close frame) and reason. */
export interface SocketEnd {
  code: number;
  reason: string;
}

export interface ExecSocketOptions {
  /** How long the upgrade may take (ms) before the socket is abandoned. */
  timeoutMs: number;
  /** A v5 close frame from the server for `channel` (1 stdout, 2 stderr). */
  onChannelClosed: (channel: number) => void;
}

/** One exec's websocket; `ended` resolves when it closes, however that happens (never rejects). */
export class ExecSocket implements WebSocketInterface {
  socket: WebSocket | undefined;
  readonly ended: Promise<SocketEnd>;
  private markEnded: (end: SocketEnd) => void = () => {};

  constructor(
    private readonly config: KubeConfig,
    private readonly options: ExecSocketOptions,
  ) {
    this.ended = new Promise((resolve) => {
      this.markEnded = resolve;
    });
  }

  /** Opens `path` on the current cluster's server; resolves once the upgrade succeeded, rejects with ExecRefused or the network error. */
  async connect(path: string, textHandler: ((text: string) => boolean) | null, binaryHandler: ((stream: number, buff: Buffer) => boolean) | null): Promise<WebSocket> {
    const cluster = this.config.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig names no cluster');
    // Appended, not resolved: a server URL with a path (an API proxy's `/k8s/clusters/ID`) keeps it, as client-node's own handler does.
    const url = `${cluster.server.replace(/\/+$/, '').replace(/^http(s?):\/\//, 'ws$1://')}${path}`;
    const options: WebSocket.ClientOptions = {};
    // Credentials and TLS as the REST calls use them (token, client certificate, CA, skip-verify).
    await this.config.applyToHTTPSOptions(options);
    const socket = new WebSocket(url, [...EXEC_SUBPROTOCOLS], options);
    this.socket = socket;
    socket.on('close', (code, reason) => this.markEnded({ code, reason: reason.toString('utf8') }));
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) {
        if (textHandler !== null && !textHandler(data.toString('utf8'))) socket.close();
        return;
      }
      const channel = data.readUInt8(0);
      if (channel === CLOSE_CHANNEL) {
        if (data.length > 1) this.options.onChannelClosed(data.readUInt8(1));
        return;
      }
      if (binaryHandler !== null && !binaryHandler(channel, data.subarray(1))) socket.close();
    });
    return new Promise<WebSocket>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the exec upgrade took longer than ${this.options.timeoutMs} ms`));
        socket.terminate();
      }, this.options.timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      // After the upgrade, errors surface as a close (kept in `ended`); before it, they reject.
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('unexpected-response', (_request, response) => {
        clearTimeout(timer);
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', () => undefined);
        response.on('end', () => {
          reject(new ExecRefused(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          socket.terminate();
        });
      });
    });
  }
}
