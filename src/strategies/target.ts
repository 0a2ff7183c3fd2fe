/** What a path's traffic is aimed at: a service of the layout, as the engine and verification need it. */
import type { ServiceLayout } from '../topology/layout.js';
import type { Target } from './types.js';

export function serviceTarget(service: ServiceLayout): Target {
  return {
    address: service.address,
    httpPort: service.httpPort,
    echoPort: service.echoPort,
    serviceNode: service.node,
    serviceName: service.name,
    ...(service.redis === undefined ? {} : { redisPort: service.redis.port }),
    ...(service.postgres === undefined ? {} : { postgresPort: service.postgres.port }),
  };
}
