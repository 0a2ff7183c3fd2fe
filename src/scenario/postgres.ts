/**
 * A PostgreSQL server as a service of the user VPC (issue 13, second slice):
 * Debian's PostgreSQL, its own cluster per run, TLS with a certificate made
 * for the run and `scram-sha-256` authentication, started by coldpath beside
 * the built-in server in the service host's namespace, measured with `pg`.
 */
import { z } from 'zod';

/** Warm metrics against a `kind: postgres` service (the first service, which every path targets). */
export const POSTGRES_METRICS = ['pg.query', 'pg.connect'] as const;
export type PostgresMetric = (typeof POSTGRES_METRICS)[number];

export const isPostgresMetric = (metric: string): metric is PostgresMetric => (POSTGRES_METRICS as readonly string[]).includes(metric);

/** The database and the role every pg.* metric connects as (created when the server starts). */
export const POSTGRES_DATABASE = 'coldpath';
export const POSTGRES_USER = 'coldpath';

/** The query `pg.query` and the first query of `pg.connect` send: one row, no table. */
export const POSTGRES_QUERY = 'SELECT 1';

export const postgresOptionsSchema = z
  .object({
    /** TCP port of the PostgreSQL server on the service's address. Default 5432. */
    port: z.number().int().min(1).max(65535).default(5432).describe('TCP port of the PostgreSQL server on the service address.'),
  })
  .strict()
  .describe('Options of a kind: postgres service (its own cluster per run, TLS with a certificate made for the run, scram-sha-256 authentication with a generated password; nothing persists).');

export type PostgresOptions = z.output<typeof postgresOptionsSchema>;

/** A service's PostgreSQL options with every default filled in (absent options are the defaults). */
export function postgresOptionsOf(service: { postgres?: PostgresOptions | undefined }): PostgresOptions {
  return service.postgres ?? postgresOptionsSchema.parse({});
}
