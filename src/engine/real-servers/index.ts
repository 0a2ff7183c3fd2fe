/** The real-server plug-ins, by kind, and what the engine does with all of them at once. */
import { pinThreads } from '../../exec/pin-threads.js';
import { REAL_SERVER_KINDS, type RealServerKind } from '../../scenario/real-servers.js';
import type { Scenario } from '../../scenario/schema.js';
import type { ServiceLayout } from '../../topology/layout.js';
import type { EngineContext } from '../context.js';
import { nginxPlugin } from './nginx.js';
import { postgresPlugin } from './postgres.js';
import { redisPlugin } from './redis.js';
import type { RealServer, RealServerPlugin, RealServerStarter } from './types.js';

/** Every kind has one (a kind without a plug-in does not compile), as strategies do in src/strategies/index.ts. */
const PLUGINS: Record<RealServerKind, RealServerPlugin> = {
  redis: redisPlugin,
  postgres: postgresPlugin,
  nginx: nginxPlugin,
};

/** The plug-in of a kind. */
export function realServerPlugin(kind: RealServerKind): RealServerPlugin {
  return PLUGINS[kind];
}

/** A kind the scenario uses, checked and ready to start. */
export interface PreparedRealServers {
  kind: RealServerKind;
  starter: RealServerStarter;
}

/**
 * Every kind the scenario's services use, in the order of REAL_SERVER_KINDS,
 * checked before anything exists (exit 3 naming the first service of the kind
 * and the Debian package).
 */
export function preflightRealServers(scenario: Scenario): PreparedRealServers[] {
  return REAL_SERVER_KINDS.flatMap((kind) => {
    const index = scenario.services.findIndex((service) => service.kind === kind);
    return index < 0 ? [] : [{ kind, starter: PLUGINS[kind].preflight(`services.${index}.kind`) }];
  });
}

/**
 * Starts a real server for every service layout of a prepared kind, into
 * `servers` (by node) as each comes up, so the caller stops those that
 * started when a later one fails; each is pinned like the services.
 */
export async function startRealServers(ctx: EngineContext, prepared: readonly PreparedRealServers[], services: readonly ServiceLayout[], servers: Map<string, RealServer>): Promise<void> {
  for (const { kind, starter } of prepared) {
    ctx.events.emit({ type: 'stage', message: `starting ${starter.title} beside the services of kind ${kind}` });
    for (const service of services) {
      if (service.kind !== kind) continue;
      const server = await starter.start(ctx, service);
      servers.set(service.node, server);
      if (server.pid !== undefined) await pinThreads(server.pid, ctx.placement.services, ctx.placement.helpers ?? []);
    }
  }
}

export type { RealServer, RealServerPlugin, RealServerStarter } from './types.js';
