/**
 * Redis servers of a run (services of kind redis, issue 13's first slice):
 * checked before anything exists, one `redis-server` beside each such
 * service's built-in server (in the platform VPC for baseline, in the user
 * VPC for the other paths), each in its own directory inside the run's
 * ledger directory, pinned like the services.
 */
import { join } from 'node:path';
import { ColdpathError } from '../errors.js';
import { pinThreads } from '../exec/pin-threads.js';
import { installHint, toolsForServiceKind, which } from '../env/tools.js';
import { REDIS_KEY } from '../scenario/redis.js';
import type { Scenario } from '../scenario/schema.js';
import { RedisServer } from '../services/redis/server.js';
import type { ServiceLayout } from '../topology/layout.js';
import type { EngineContext } from './context.js';

/** Exit 3 before anything is created when a service of kind redis cannot run here; names the Debian package. */
export function redisPreflight(scenario: Scenario): void {
  const index = scenario.services.findIndex((service) => service.kind === 'redis');
  if (index < 0) return;
  const missing = toolsForServiceKind('redis').filter((tool) => which(tool.command) === undefined);
  if (missing.length === 0) return;
  throw new ColdpathError(`services.${index}.kind: redis needs ${missing.map((tool) => `${tool.command} (Debian package ${tool.debian})`).join(' and ')}, which is not installed`, {
    kind: 'environment',
    field: `services.${index}.kind`,
    hint: `${installHint(missing.some((tool) => tool.debian === 'redis-server') ? missing.filter((tool) => tool.debian === 'redis-server') : missing)} (redis-server brings redis-tools with it)`,
  });
}

/**
 * Starts a redis-server for every service layout of kind redis, into
 * `servers` (by node) as each comes up, so the caller stops those that
 * started when a later one fails.
 */
export async function startRedisServers(ctx: EngineContext, services: readonly ServiceLayout[], servers: Map<string, RedisServer>): Promise<void> {
  for (const service of services) {
    if (service.redis === undefined) continue;
    const server = await RedisServer.start(ctx.driver, {
      node: service.node,
      address: service.address,
      port: service.redis.port,
      // Inside the ledger's directory: removed with the ledger, by teardown or by `coldpath clean`.
      dir: join(ctx.driver.ledger.dir, `redis-${service.node}`),
      valueBytes: service.redis.valueBytes,
      key: REDIS_KEY,
      portField: `services.${service.index}.redis.port`,
      cpus: ctx.placement.services,
    });
    servers.set(service.node, server);
    if (server.pid !== undefined) await pinThreads(server.pid, ctx.placement.services, ctx.placement.helpers ?? []);
  }
}
