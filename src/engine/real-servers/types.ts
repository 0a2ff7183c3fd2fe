/**
 * A real server beside a service node's built-in server (issue 13): one
 * plug-in per kind, as strategies are (`src/strategies/`). The engine knows
 * servers only through these interfaces: it checks each kind before anything
 * exists, starts one server per service node of the kind, measures the
 * kind's metrics with what `requestSpec` gives the probes, asks the server
 * for its own view of each path, and stops it at teardown.
 */
import type { MeasureSpec, WitnessSpec } from '../../probes/protocol.js';
import type { RealServerKind } from '../../scenario/real-servers.js';
import type { ServiceLayout } from '../../topology/layout.js';
import type { EngineContext } from '../context.js';

/** What a probe needs to reach a real server besides host and port: credentials, the key, the certificate. */
export type ServerRequestSpec = Pick<MeasureSpec, 'redis' | 'postgres'>;

/** One running server in a service host's namespace. */
export interface RealServer {
  readonly kind: RealServerKind;
  /** The process the ledger recorded (pinned after start). */
  readonly pid: number | undefined;
  /** The service's address, where the server listens. */
  readonly address: string;
  readonly port: number;
  /** What a warm measurement of the kind's metrics sends to the probe beside host and port. */
  requestSpec(): ServerRequestSpec;
  /** The connection each warm instance opens for the server-view check, named `name` so the server's listing can tell it apart. */
  witnessSpec(name: string, timeoutMs: number, holdMs: number): WitnessSpec;
  /**
   * The connections named `name` as the server itself lists them, per source
   * address — asked from the server's side, never through a probe. `opened`
   * is how many the probes hold: a server that records them asynchronously
   * (a log) may wait until it has them all, briefly.
   */
  observedSources(name: string, opened: number): Promise<Record<string, number>>;
  /** Stops the server and removes its directory; never throws for a server already gone. */
  stop(): Promise<void>;
}

/** Starts a kind's servers with what its preflight found (so nothing is looked up twice). */
export interface RealServerStarter {
  /** The server in the run's stage line, e.g. `PostgreSQL 15`. */
  readonly title: string;
  /** Starts the server of one service layout of the kind; on failure nothing of it is left running. */
  start(ctx: EngineContext, service: ServiceLayout): Promise<RealServer>;
}

/** A kind's plug-in. */
export interface RealServerPlugin {
  readonly kind: RealServerKind;
  /**
   * Exit 3 before anything is created when the kind cannot run here, naming
   * `field` (the first service of the kind) and the Debian package; else how
   * to start its servers.
   */
  preflight(field: string): RealServerStarter;
}

/** What every server process class exposes; the adapters below read it through. */
interface ServerProcess {
  readonly pid: number | undefined;
  readonly address: string;
  readonly port: number;
}

/** The part of a `RealServer` that only reads the server process through; each kind adds its specs, view and stop. */
export abstract class RealServerAdapter<S extends ServerProcess> {
  constructor(protected readonly server: S) {}

  get pid(): number | undefined {
    return this.server.pid;
  }
  get address(): string {
    return this.server.address;
  }
  get port(): number {
    return this.server.port;
  }
}
