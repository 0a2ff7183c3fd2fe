/**
 * PostgreSQL servers of a run (services of kind postgres, issue 13's second
 * slice): checked before anything exists, one server beside each such
 * service's built-in server (in the platform VPC for baseline, in the user
 * VPC for the other paths), each a cluster of its own in a directory inside
 * the run's ledger directory, pinned like the services.
 */
import { join } from 'node:path';
import { ColdpathError } from '../errors.js';
import { pinThreads } from '../exec/pin-threads.js';
import { which } from '../env/tools.js';
import { POSTGRES_DATABASE, POSTGRES_USER } from '../scenario/postgres.js';
import type { Scenario } from '../scenario/schema.js';
import { findPostgresBinaries, postgresLibDir, type PostgresBinaries } from '../services/postgres/binaries.js';
import { POSTGRES_SYSTEM_USER } from '../services/postgres/config.js';
import { PostgresServer, systemUser } from '../services/postgres/server.js';
import type { ServiceLayout } from '../topology/layout.js';
import type { EngineContext } from './context.js';

/**
 * Exit 3 before anything is created when a service of kind postgres cannot
 * run here, naming the Debian package: the server binaries (postgresql), the
 * postgres system user it creates, openssl for the certificate, setpriv
 * (util-linux) to drop root. Returns the binaries found.
 */
export function postgresPreflight(scenario: Scenario): PostgresBinaries | undefined {
  const index = scenario.services.findIndex((service) => service.kind === 'postgres');
  if (index < 0) return undefined;
  const field = `services.${index}.kind`;
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

/**
 * Starts a PostgreSQL server for every service layout of kind postgres, into
 * `servers` (by node) as each comes up, so the caller stops those that
 * started when a later one fails.
 */
export async function startPostgresServers(ctx: EngineContext, binaries: PostgresBinaries, services: readonly ServiceLayout[], servers: Map<string, PostgresServer>): Promise<void> {
  for (const service of services) {
    if (service.postgres === undefined) continue;
    const server = await PostgresServer.start(ctx.driver, {
      node: service.node,
      address: service.address,
      port: service.postgres.port,
      // Inside the ledger's directory: removed with the ledger, by teardown or by `coldpath clean`.
      dir: join(ctx.driver.ledger.dir, `postgres-${service.node}`),
      binaries,
      user: POSTGRES_USER,
      database: POSTGRES_DATABASE,
      portField: `services.${service.index}.postgres.port`,
      cpus: ctx.placement.services,
    });
    servers.set(service.node, server);
    if (server.pid !== undefined) await pinThreads(server.pid, ctx.placement.services, ctx.placement.helpers ?? []);
  }
}
