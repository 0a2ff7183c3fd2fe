/**
 * A Redis server as a service of the user VPC (issue 13, first slice):
 * Debian's `redis-server`, started by coldpath beside the built-in server in
 * the service host's namespace, measured with a real client (node-redis).
 */
import { z } from 'zod';

/** Warm metrics against a `kind: redis` service (the first service, which every path targets). */
export const REDIS_METRICS = ['redis.get', 'redis.connect'] as const;
export type RedisMetric = (typeof REDIS_METRICS)[number];

export const isRedisMetric = (metric: string): metric is RedisMetric => (REDIS_METRICS as readonly string[]).includes(metric);

/** The key every `redis.get` reads; set once when the server starts. */
export const REDIS_KEY = 'coldpath:value';

export const redisOptionsSchema = z
  .object({
    /** TCP port of `redis-server` on the service's address. Default 6379. */
    port: z.number().int().min(1).max(65535).default(6379).describe('TCP port of redis-server on the service address.'),
    /** Size of the value `redis.get` reads, bytes. Default 64 (like the built-in server's response body). */
    valueBytes: z
      .number()
      .int()
      .min(0)
      .max(1024 * 1024)
      .default(64)
      .describe('Size of the value redis.get reads, in bytes.'),
  })
  .strict()
  .describe('Options of a kind: redis service (no persistence; a generated password, so authentication is part of connection set-up).');

export type RedisOptions = z.output<typeof redisOptionsSchema>;

/** A service's Redis options with every default filled in (absent options are the defaults). */
export function redisOptionsOf(service: { redis?: RedisOptions | undefined }): RedisOptions {
  return service.redis ?? redisOptionsSchema.parse({});
}
