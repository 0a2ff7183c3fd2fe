/**
 * A new connection's set-up in phases (issue 13): TCP connect, TLS handshake,
 * authentication, first query. A measured request that opens a connection
 * stamps the end of each phase on the probe's clock (`nowMicros`, integer
 * µs); a phase lasts from the previous stamp (the first from the request's
 * send) to its own. The parts therefore add up to the request's total
 * exactly, before each is rounded into its histogram (values below 1 µs are
 * recorded as 1, the histograms' lowest value).
 */

/** Every phase a connection's set-up can have, in order. */
export const CONNECT_PHASES = ['tcp', 'tls', 'auth', 'query'] as const;
export type ConnectPhase = (typeof CONNECT_PHASES)[number];

/**
 * The phases each metric that opens a connection per request records. Redis
 * has no TLS here (redis-server is set up without it): connect, AUTH, GET.
 */
export const CONNECT_PHASES_OF: Readonly<Record<string, readonly ConnectPhase[]>> = {
  'pg.connect': ['tcp', 'tls', 'auth', 'query'],
  'redis.connect': ['tcp', 'auth', 'query'],
};

/** What an operation that times its phases resolves with: the end of each phase (the last is the request's end). */
export interface PhasedEnd {
  end: number;
  /** Monotonic µs, one per phase in order; the last equals `end`. */
  stamps: readonly number[];
  /** The connection's local address, where the client could tell. */
  localAddress?: string;
  /**
   * When the client object was made, before it connected: within the first
   * phase (`tcp`) for the warm figures; the cold path puts it in
   * `client-load` (node-redis's first createClient builds its client class
   * with every command, ≈ 50 ms here; later ones take < 1 ms).
   */
  created?: number;
}

/**
 * Each phase's duration from its stamps: phase i lasts from stamp i − 1 (the
 * first from `start`) to stamp i. The durations add up to
 * `stamps[last] − start`. A stamp earlier than the one before (which one
 * clock cannot produce) counts as a zero-length phase, not a negative one.
 */
export function phaseDurations(start: number, stamps: readonly number[]): number[] {
  let previous = start;
  return stamps.map((stamp) => {
    const at = Math.max(stamp, previous);
    const duration = at - previous;
    previous = at;
    return duration;
  });
}

/** Whether an operation's result carries phase stamps. */
export const isPhasedEnd = (value: unknown): value is PhasedEnd => typeof value === 'object' && value !== null && 'stamps' in value && 'end' in value;
