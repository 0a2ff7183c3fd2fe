/** Line protocol of the built-in user service (stdin commands, stdout events). */

export interface UserServiceArgs {
  name: string;
  /** Address to listen on (the host's own address, or 0.0.0.0). */
  bind: string;
  httpPort: number;
  echoPort: number;
  responseBytes: number;
  /** Busy-wait before each HTTP response, µs (an injected regression). */
  delayMicros: number;
  /** Busy-wait before the first HTTP response on each connection, µs (an injected per-connection cost). */
  connectionDelayMicros?: number;
}

export type ServiceCommand =
  | { op: 'stats' }
  | { op: 'reset' }
  /** Busy-wait this long before each HTTP response: an injected regression. */
  | { op: 'delay'; micros: number };

export interface ServiceStats {
  /** Connections accepted per peer address, HTTP and echo together. */
  sources: Record<string, number>;
  /** Connections already reset when accepted (the `connect` metric's), whose peer the kernel no longer reports. */
  unidentified: number;
  httpConnections: number;
  echoConnections: number;
  requests: number;
}

export type ServiceEvent =
  | { event: 'ready'; pid: number; httpPort: number; echoPort: number }
  | ({ event: 'stats' } & ServiceStats)
  | { event: 'ack'; op: string }
  | { event: 'fatal'; code: string; message: string };
