/**
 * Named connections a probe keeps open on request — Redis (CLIENT SETNAME),
 * PostgreSQL (application_name), HTTP (one GET whose path names it) — so the
 * engine can ask the server which source address it sees for them (CLIENT
 * LIST, pg_stat_activity, nginx's access log, from the server's side), then
 * releases them. Each closes by itself after `holdMs` should the release
 * never come.
 */
import { Client } from 'undici';
import { httpGet } from './operations.js';
import { closeFromServer, connectRedis, destroy } from './redis-client.js';
import type { ProbeEvent, WitnessSpec } from './protocol.js';

export class Witnesses {
  private readonly releases = new Map<number, () => Promise<void>>();

  constructor(private readonly send: (event: ProbeEvent) => void) {}

  /** Opens the connection, names it, answers `witnessing` (ok or why not). */
  async start(id: number, spec: WitnessSpec): Promise<void> {
    let close: () => Promise<void> = async () => {};
    try {
      if (spec.postgres !== undefined || spec.http !== undefined) {
        close = spec.postgres !== undefined ? await this.postgres(spec, spec.postgres) : await this.http(spec, spec.http?.path ?? '/');
        this.keep(id, close, spec.holdMs);
        this.send({ event: 'witnessing', id, ok: true });
        return;
      }
      const client = await connectRedis({ host: spec.host, port: spec.port, password: spec.password, timeoutMs: spec.timeoutMs });
      close = () => closeFromServer(client, spec.timeoutMs);
      try {
        await client.sendCommand(['CLIENT', 'SETNAME', spec.name]);
      } catch (error) {
        destroy(client);
        throw error;
      }
      this.keep(id, close, spec.holdMs);
      this.send({ event: 'witnessing', id, ok: true });
    } catch (error) {
      this.keep(id, async () => {}, spec.holdMs);
      this.send({ event: 'witnessing', id, ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** A PostgreSQL connection named by `application_name`, one query done (so the server lists it as settled); returns its close. */
  private async postgres(spec: WitnessSpec, postgres: NonNullable<WitnessSpec['postgres']>): Promise<() => Promise<void>> {
    // Loaded on first use: probes without a PostgreSQL service never load pg.
    const { connectPg, endPg } = await import('./pg-client.js');
    const client = await connectPg({
      host: spec.host,
      port: spec.port,
      user: postgres.user,
      password: postgres.password,
      database: postgres.database,
      ca: postgres.ca,
      timeoutMs: spec.timeoutMs,
      applicationName: spec.name,
    });
    try {
      await client.query(postgres.query);
    } catch (error) {
      await endPg(client, spec.timeoutMs);
      throw error;
    }
    return () => endPg(client, spec.timeoutMs);
  }

  /** An HTTP connection (undici, as `http.get` uses) that has made one GET of `path`; returns its close. */
  private async http(spec: WitnessSpec, path: string): Promise<() => Promise<void>> {
    const client = new Client(`http://${spec.host}:${spec.port}`, { keepAliveTimeout: spec.holdMs, connectTimeout: spec.timeoutMs, pipelining: 1 });
    try {
      await httpGet(client, path, spec.timeoutMs, false);
    } catch (error) {
      await client.destroy().catch(() => {});
      throw error;
    }
    return () => client.close().catch(() => {});
  }

  /** Closes witness `id` (the server closes first) and answers `released`. */
  async release(id: number): Promise<void> {
    await this.releases.get(id)?.();
  }

  private keep(id: number, close: () => Promise<void>, holdMs: number): void {
    let done = false;
    const release = async (): Promise<void> => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.releases.delete(id);
      await close();
      this.send({ event: 'released', id });
    };
    const timer = setTimeout(() => void release(), holdMs);
    this.releases.set(id, release);
  }
}
