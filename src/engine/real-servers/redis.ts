/**
 * The Redis plug-in (services of kind redis, issue 13's first slice): one
 * `redis-server` beside each such service's built-in server (in the platform
 * VPC for baseline, in the user VPC for the other paths), in its own
 * directory inside the run's ledger directory; its view of a path is
 * `CLIENT LIST` of the block's named connections.
 */
import { join } from 'node:path';
import { ColdpathError } from '../../errors.js';
import { installHint, toolsForServiceKind, which } from '../../env/tools.js';
import { REDIS_KEY } from '../../scenario/redis.js';
import type { Scenario } from '../../scenario/schema.js';
import { sourcesOf } from '../../services/redis/client-list.js';
import { RedisServer } from '../../services/redis/server.js';
import type { ServiceLayout } from '../../topology/layout.js';
import type { EngineContext } from '../context.js';
import { RealServerAdapter, type RealServer, type RealServerPlugin, type RealServerStarter } from './types.js';

/** Exit 3 when redis-server or redis-cli is missing, naming `field` and the Debian package. */
function checkRedis(field: string): void {
  const missing = toolsForServiceKind('redis').filter((tool) => which(tool.command) === undefined);
  if (missing.length === 0) return;
  throw new ColdpathError(`${field}: redis needs ${missing.map((tool) => `${tool.command} (Debian package ${tool.debian})`).join(' and ')}, which is not installed`, {
    kind: 'environment',
    field,
    hint: `${installHint(missing.some((tool) => tool.debian === 'redis-server') ? missing.filter((tool) => tool.debian === 'redis-server') : missing)} (redis-server brings redis-tools with it)`,
  });
}

/** Exit 3 before anything is created when a service of kind redis cannot run here; names the Debian package. */
export function redisPreflight(scenario: Scenario): void {
  const index = scenario.services.findIndex((service) => service.kind === 'redis');
  if (index >= 0) checkRedis(`services.${index}.kind`);
}

/** A running redis-server as the engine sees every real server. */
class RedisRealServer extends RealServerAdapter<RedisServer> implements RealServer {
  readonly kind = 'redis';

  requestSpec() {
    return { redis: { password: this.server.password, key: REDIS_KEY } };
  }

  witnessSpec(name: string, timeoutMs: number, holdMs: number) {
    return { host: this.address, port: this.port, password: this.server.password, key: REDIS_KEY, name, timeoutMs, holdMs };
  }

  async observedSources(name: string): Promise<Record<string, number>> {
    return sourcesOf((await this.server.clientList()).filter((entry) => entry.name === name));
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

const starter: RealServerStarter = {
  title: 'redis-server',
  async start(ctx: EngineContext, service: ServiceLayout): Promise<RealServer> {
    const options = service.redis;
    if (options === undefined) throw new Error(`service ${service.node} is not of kind redis`);
    const server = await RedisServer.start(ctx.driver, {
      node: service.node,
      address: service.address,
      port: options.port,
      // Inside the ledger's directory: removed with the ledger, by teardown or by `coldpath clean`.
      dir: join(ctx.driver.ledger.dir, `redis-${service.node}`),
      valueBytes: options.valueBytes,
      key: REDIS_KEY,
      portField: `services.${service.index}.redis.port`,
      cpus: ctx.placement.services,
    });
    return new RedisRealServer(server);
  },
};

/** Services of kind redis: checked once per run (redis-server, redis-cli), then one redis-server per service node. */
export const redisPlugin: RealServerPlugin = {
  kind: 'redis',
  preflight(field) {
    checkRedis(field);
    return starter;
  },
};
