/**
 * The PostgreSQL plug-in (services of kind postgres, issue 13's second
 * slice): one server beside each such service's built-in server (in the
 * platform VPC for baseline, in the user VPC for the other paths), each a
 * cluster of its own in a directory inside the run's ledger directory; its
 * view of a path is `pg_stat_activity` of the block's named connections.
 */
import { join } from 'node:path';
import { ColdpathError } from '../../errors.js';
import { which } from '../../env/tools.js';
import { POSTGRES_DATABASE, POSTGRES_QUERY, POSTGRES_USER } from '../../scenario/postgres.js';
import type { Scenario } from '../../scenario/schema.js';
import { activitySources } from '../../services/postgres/activity.js';
import { findPostgresBinaries, postgresLibDir, type PostgresBinaries } from '../../services/postgres/binaries.js';
import { POSTGRES_SYSTEM_USER } from '../../services/postgres/config.js';
import { PostgresServer, systemUser } from '../../services/postgres/server.js';
import type { ServiceLayout } from '../../topology/layout.js';
import type { EngineContext } from '../context.js';
import { RealServerAdapter, type RealServer, type RealServerPlugin, type RealServerStarter } from './types.js';

/**
 * Exit 3 when PostgreSQL cannot run here, naming `field` and the Debian
 * package: the server binaries (postgresql), the postgres system user it
 * creates, openssl for the certificate, setpriv (util-linux) to drop root.
 * Returns the binaries found.
 */
function checkPostgres(field: string): PostgresBinaries {
  const binaries = findPostgresBinaries();
  if (binaries === undefined || systemUser(POSTGRES_SYSTEM_USER) === undefined) {
    throw new ColdpathError(
      `${field}: postgres needs the PostgreSQL server (Debian package postgresql: initdb, postgres and psql under ${postgresLibDir()}/<version>/bin, and the ${POSTGRES_SYSTEM_USER} system user), which is not installed`,
      { kind: 'environment', field, hint: 'apt-get install -y postgresql' },
    );
  }
  const missing = [
    ['openssl', 'openssl'],
    ['setpriv', 'util-linux'],
  ].filter(([command]) => which(command ?? '') === undefined);
  if (missing.length > 0) {
    throw new ColdpathError(`${field}: postgres needs ${missing.map(([command, debian]) => `${command} (Debian package ${debian})`).join(' and ')}, which is not installed`, {
      kind: 'environment',
      field,
      hint: `apt-get install -y ${missing.map(([, debian]) => debian).join(' ')}`,
    });
  }
  return binaries;
}

/** Exit 3 before anything is created when a service of kind postgres cannot run here; returns the binaries found (undefined without such a service). */
export function postgresPreflight(scenario: Scenario): PostgresBinaries | undefined {
  const index = scenario.services.findIndex((service) => service.kind === 'postgres');
  return index < 0 ? undefined : checkPostgres(`services.${index}.kind`);
}

/** A running PostgreSQL server as the engine sees every real server. */
class PostgresRealServer extends RealServerAdapter<PostgresServer> implements RealServer {
  readonly kind = 'postgres';

  requestSpec() {
    return { postgres: { user: POSTGRES_USER, password: this.server.password, database: POSTGRES_DATABASE, ca: this.server.ca, query: POSTGRES_QUERY } };
  }

  witnessSpec(name: string, timeoutMs: number, holdMs: number) {
    // `password` and `key` are Redis's; a PostgreSQL witness authenticates with `postgres`.
    return { host: this.address, port: this.port, password: '', key: '', ...this.requestSpec(), name, timeoutMs, holdMs };
  }

  async observedSources(name: string): Promise<Record<string, number>> {
    return activitySources(await this.server.activity(name));
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

function starter(binaries: PostgresBinaries): RealServerStarter {
  return {
    title: `PostgreSQL ${binaries.major}`,
    async start(ctx: EngineContext, service: ServiceLayout): Promise<RealServer> {
      const options = service.postgres;
      if (options === undefined) throw new Error(`service ${service.node} is not of kind postgres`);
      const server = await PostgresServer.start(ctx.driver, {
        node: service.node,
        address: service.address,
        port: options.port,
        // Inside the ledger's directory: removed with the ledger, by teardown or by `coldpath clean`.
        dir: join(ctx.driver.ledger.dir, `postgres-${service.node}`),
        binaries,
        user: POSTGRES_USER,
        database: POSTGRES_DATABASE,
        portField: `services.${service.index}.postgres.port`,
        cpus: ctx.placement.services,
      });
      return new PostgresRealServer(server);
    },
  };
}

/** Services of kind postgres: checked once per run (binaries, system user, openssl, setpriv), then a cluster per service node with the binaries found. */
export const postgresPlugin: RealServerPlugin = {
  kind: 'postgres',
  preflight: (field) => starter(checkPostgres(field)),
};
