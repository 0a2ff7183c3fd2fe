/**
 * The real servers a service can run beside the built-in server (issue 13;
 * docs/services.md): what the scenario's rules need to know of each kind.
 * The engine's half of each plug-in (start, stop, the server-view check) is
 * `src/engine/real-servers/`, keyed by the same kinds.
 */
import { isNginxMetric, nginxOptionsOf } from './nginx.js';
import { isPostgresMetric, postgresOptionsOf } from './postgres.js';
import { isRedisMetric, redisOptionsOf } from './redis.js';
import type { Scenario } from './schema.js';

/** Kinds of real server, in the order the engine starts them. */
export const REAL_SERVER_KINDS = ['redis', 'postgres', 'nginx'] as const;
export type RealServerKind = (typeof REAL_SERVER_KINDS)[number];

/** What a service runs: the built-in HTTP/echo server alone, or a real server beside it. */
export const SERVICE_KINDS = ['builtin', ...REAL_SERVER_KINDS] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

type Service = Scenario['services'][number];

/** One kind as the scenario sees it: its name in messages, its metrics, its options. */
export interface RealServerRules {
  kind: RealServerKind;
  /** The server's name in messages, e.g. `PostgreSQL`. */
  title: string;
  /** The process in messages, e.g. `redis-server`. */
  process: string;
  /** The kind's warm metrics as a pattern, e.g. `redis.*`. */
  metrics: string;
  isMetric: (metric: string) => boolean;
  /** The server's port, defaults filled in. */
  portOf: (service: Service) => number;
  /** Whether the service carries this kind's options block. */
  given: (service: Service) => boolean;
}

/** The rules of every kind (a kind without them does not compile); the cross-field rules (rules.ts) go through them in this order. */
export const REAL_SERVERS: Record<RealServerKind, RealServerRules> = {
  redis: {
    kind: 'redis',
    title: 'Redis',
    process: 'redis-server',
    metrics: 'redis.*',
    isMetric: isRedisMetric,
    portOf: (service) => redisOptionsOf(service).port,
    given: (service) => service.redis !== undefined,
  },
  postgres: {
    kind: 'postgres',
    title: 'PostgreSQL',
    process: 'the PostgreSQL server',
    metrics: 'pg.*',
    isMetric: isPostgresMetric,
    portOf: (service) => postgresOptionsOf(service).port,
    given: (service) => service.postgres !== undefined,
  },
  nginx: {
    kind: 'nginx',
    title: 'nginx',
    process: 'nginx',
    metrics: 'http.*',
    isMetric: isNginxMetric,
    portOf: (service) => nginxOptionsOf(service).port,
    given: (service) => service.nginx !== undefined,
  },
};

/** The kind of real server a warm metric measures; undefined for the built-in server's metrics. */
export function realServerKindOf(metric: string): RealServerKind | undefined {
  return REAL_SERVER_KINDS.find((kind) => REAL_SERVERS[kind].isMetric(metric));
}

/** Whether a service kind runs a real server. */
export const isRealServerKind = (kind: ServiceKind): kind is RealServerKind => kind !== 'builtin';
