/**
 * The scenario file: everything a run needs, validated with zod before a single
 * kernel object exists. Defaults make an empty file (or no file) a runnable
 * scenario. TSDoc on each field becomes the JSON Schema description.
 */
import { z } from 'zod';
import { experimentSchema } from './experiments.js';
import { POSTGRES_METRICS, postgresOptionsSchema } from './postgres.js';
import { instancesSchema } from './instances.js';
import { NGINX_METRICS, nginxOptionsSchema } from './nginx.js';
import { SERVICE_KINDS } from './real-servers.js';
import { REDIS_METRICS, redisOptionsSchema } from './redis.js';
import { parseCidr } from '../cidr.js';

const NAME = /^[a-z][a-z0-9]{0,5}$/;

const cidr = z.string().refine(
  (text) => {
    try {
      parseCidr(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IPv4 CIDR such as 198.18.0.0/16' },
);

const name = z.string().regex(NAME, 'expected 1–6 lowercase letters or digits, starting with a letter (names become part of 15-character interface names)');

export const STRATEGIES = ['baseline', 'eni', 'peering', 'gre-proxy'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export const METRICS = ['connect', 'keepalive', 'newconn', 'echo', ...REDIS_METRICS, ...POSTGRES_METRICS, ...NGINX_METRICS] as const;
export type WarmMetric = (typeof METRICS)[number];

const platform = z
  .object({
    cidr: cidr.default('198.18.0.0/20').describe('Platform (function) VPC network; function hosts and proxies get addresses here.'),
    podCidr: cidr.default('100.64.0.0/16').describe('Pod addresses; each function host takes one /podPrefix from it.'),
    podPrefix: z.number().int().min(16).max(28).default(24).describe('Prefix length of each host pod subnet.'),
    tunnelCidr: cidr.default('100.127.0.0/24').describe('Overlay addresses of tunnel endpoints (function hosts and proxies).'),
  })
  .strict();

const user = z
  .object({
    cidr: cidr.default('198.19.0.0/16').describe('User VPC network.'),
    subnet: cidr.default('198.19.0.0/24').describe('User subnet where services, ENIs and proxy eth1 live (its size limits ENIs).'),
    reservedFirst: z.number().int().min(1).max(16).default(4).describe('Addresses reserved at the start of the subnet (AWS reserves 4).'),
    reservedLast: z.number().int().min(1).max(16).default(1).describe('Addresses reserved at the end of the subnet (AWS reserves 1).'),
  })
  .strict();

const service = z
  .object({
    name,
    kind: z
      .enum(SERVICE_KINDS)
      .default('builtin')
      .describe(
        'builtin: the built-in HTTP and echo server; redis: also a redis-server (Debian package redis-server) on the service address, for the redis.* metrics; postgres: also a PostgreSQL server (Debian package postgresql; TLS, scram-sha-256) there, for the pg.* metrics; nginx: also an nginx (Debian package nginx) there, for the http.* metrics (the built-in server still answers the cold path and the other metrics).',
      ),
    redis: redisOptionsSchema.optional().describe('Options of a kind: redis service (defaults apply when absent).'),
    postgres: postgresOptionsSchema.optional().describe('Options of a kind: postgres service (defaults apply when absent).'),
    nginx: nginxOptionsSchema.optional().describe('Options of a kind: nginx service (defaults apply when absent).'),
    httpPort: z.number().int().min(1).max(65535).default(8080),
    echoPort: z.number().int().min(1).max(65535).default(9000),
    responseBytes: z
      .number()
      .int()
      .min(0)
      .max(16 * 1024 * 1024)
      .default(64)
      .describe('Body size of the default HTTP response.'),
    responseDelayUs: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .default(0)
      .describe('Busy-wait before every HTTP response of this service in the user VPC: an injected regression of known size (0 = none).'),
    connectionDelayUs: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .default(0)
      .describe(
        'Busy-wait before the first HTTP response on each new connection to this service in the user VPC, as a slower TLS handshake or authentication would cost: an injected regression of the cold path (its first response) and of newconn, not of kept connections (0 = none).',
      ),
  })
  .strict();

const steadyState = z
  .object({
    enabled: z.boolean().default(true).describe('End warm-up when the latency is steady instead of after a fixed count of requests.'),
    window: z.number().int().min(10).max(100_000).default(250).describe('Requests per window; each window gives one median.'),
    windows: z.number().int().min(2).max(20).default(4).describe('Consecutive windows whose medians must agree (four windows also catch a slow downward drift).'),
    tolerance: z.number().min(0.001).max(1).default(0.05).describe('Largest relative spread of those medians, (max − min) / min.'),
    timeLimitMs: z.number().int().min(100).max(600_000).default(3000).describe('Longest warm-up per metric and instance; the measurement then starts anyway and is marked not converged.'),
  })
  .strict()
  .describe('Steady-state warm-up: Node.js JIT, connection pools and caches settle before anything is recorded.');

const workload = z
  .object({
    metrics: z
      .array(z.enum(METRICS))
      .min(1)
      .default(['keepalive', 'newconn', 'echo'])
      .describe(
        'Warm-path measurements per path: keepalive (HTTP on a kept connection), newconn (connect, request and response on a new connection, like netperf TCP_CRR; timed to the last response byte, not the close), echo (TCP ping-pong, like sockperf), connect (handshake only); with services[0].kind redis: redis.get (GET on an open, authenticated connection) and redis.connect (TCP connect, AUTH and the first GET on a new connection; the close is not timed); with services[0].kind postgres: pg.query (SELECT 1 on an open connection) and pg.connect (TCP connect, TLS handshake, SCRAM authentication and the first query on a new connection; the close is not timed); with services[0].kind nginx: http.get (a GET on a kept connection with undici, answered by nginx).',
      ),
    requests: z.number().int().min(1).max(10_000_000).default(1000).describe('Measured requests per metric, per instance, per repetition.'),
    warmup: z.number().int().min(0).max(1_000_000).default(200).describe('Requests sent and discarded before measuring: the least, when steadyState is enabled; the exact count otherwise.'),
    steadyState: steadyState.prefault({}),
    concurrency: z.number().int().min(1).max(1024).default(1).describe('Connections (closed loop: outstanding requests) per probe.'),
    loop: z.enum(['closed', 'open']).default('closed').describe('closed: next request when one completes; open: constant rate, coordinated-omission corrected.'),
    rate: z.number().positive().max(1_000_000).optional().describe('Requests per second per probe (open loop only).'),
    instances: z.number().int().min(1).max(64).default(1).describe('Warm instances measuring at once per path.'),
    serviceWarmup: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(500)
      .describe('Requests per metric sent to each service over its own loopback before the first path, so every path meets an equally warm server (0 = none).'),
    timeoutMs: z.number().int().min(10).max(120_000).default(2000).describe('Per-request timeout; a timed-out request counts as an error.'),
  })
  .strict();

const burst = z
  .object({
    sizes: z.array(z.number().int().min(1).max(512)).min(1).default([1, 8]).describe('Instances cold-started at once, one burst per size.'),
    parallelism: z.number().int().min(1).max(64).default(2).describe('Instances in flight at once in each stage of a burst (a host agent has bounded workers); also the number of root `ip` sessions.'),
    mode: z
      .enum(['staged', 'pipelined'])
      .default('staged')
      .describe(
        'staged: all K instances get their network, then all runtimes start, then all make their first request together, so network phases are not measured under the CPU load of K runtime start-ups; pipelined: each instance runs its phases back to back.',
      ),
    firstRequestTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(10_000)
      .describe("Timeout of an instance's first request; long enough that a lost SYN (retransmitted after 1 s) shows as latency, not failure."),
    firstRequest: z
      .enum(['http', 'service'])
      .default('http')
      .describe(
        "What an instance's first request is — what a cold function waits for: http = one GET to the built-in server on a raw socket (spans first-connect, first-response); service = a connection to services[0]'s real server with its client (kind postgres: pg, kind redis: node-redis) and its first query, in phases (spans client-load, first-connect, first-tls for postgres, first-auth, first-query). The probe loads the client only for this.",
      ),
  })
  .strict();

const cpu = z
  .object({
    placement: z.enum(['pinned', 'none']).default('pinned').describe('pinned: probes and servers run on the CPUs below (taskset); none: the scheduler decides.'),
    probes: z.array(z.number().int().min(0)).min(1).optional().describe('CPUs for probes. Default: the last CPU.'),
    services: z.array(z.number().int().min(0)).min(1).optional().describe('CPUs for servers. Default: the same as probes.'),
    helpers: z
      .array(z.number().int().min(0))
      .optional()
      .describe(
        "CPUs for the helper threads of pinned probes and servers (V8's compiler and GC workers, libuv's pool); their main threads stay on the CPUs above. Default: every other CPU; [] = keep them with the main thread.",
      ),
    burstProbes: z.enum(['all', 'pinned']).default('all').describe('Probes started in a burst: all = any CPU (start-up is CPU-bound; one CPU would serialise K runtimes), pinned = the probe CPUs.'),
  })
  .strict();

const settle = z
  .object({
    timeoutMs: z.number().int().min(0).max(60_000).default(2000).describe('Longest wait for the kernel to finish cleaning up after a stage (0 = do not wait).'),
    quietPercent: z.number().min(1).max(100).default(20).describe('Busy share of all CPUs (/proc/stat, 50 ms windows) below which the machine counts as quiet again.'),
  })
  .strict()
  .describe('Between stages the engine waits until the kernel has reclaimed what the last stage deleted, conntrack state is flushed and the CPUs are quiet.');

const reference = z
  .object({
    tool: z.enum(['auto', 'sockperf', 'none']).default('auto').describe('auto: sockperf where it is installed, else a note in every output; sockperf: required; none: no reference.'),
    port: z.number().int().min(1).max(65535).default(11111).describe('TCP port of the sockperf server beside each service.'),
    repetitions: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(2)
      .describe(
        "Repetitions in which each path is also measured by the reference, spread evenly from the first to the last; each costs about `seconds` + 0.3 s (the client waits out sockperf's fixed 2 s start-up sleep while coldpath measures).",
      ),
    seconds: z.number().int().min(1).max(60).default(1).describe('sockperf -t: seconds per measurement (sockperf discards its first 400 ms).'),
    echoBoundUs: z.number().min(0).default(5).describe('Largest difference between the path cost by coldpath echo and by the reference before the verdict flags it (µs).'),
    keepaliveBoundUs: z
      .number()
      .min(0)
      .default(15)
      .describe(
        "The same for keep-alive requests (µs): wider than echo's, as an HTTP request through a path costs a Node.js client 6–11 µs more than sockperf's 64-byte round trip on the machines measured (docs/design-notes.md).",
      ),
  })
  .strict()
  .describe('A second instrument on the same container and service: sockperf TCP ping-pong gives the floor and each path cost.');

const controlPlane = z
  .object({
    profile: z.string().default('aws-2019').describe('Named, cited latency profile for modeled control-plane phases.'),
    overrides: z
      .record(
        z.string(),
        z
          .object({
            medianMs: z.number().min(0),
            p99Ms: z.number().min(0),
          })
          .strict(),
      )
      .default({})
      .describe('Per modeled phase: replace the profile figures (lognormal fitted to median and p99).'),
    apiBucket: z
      .object({ capacity: z.number().int().min(1), refillPerSecond: z.number().positive() })
      .strict()
      .optional()
      .describe('Token bucket for mutating control-plane API calls; overrides the profile.'),
  })
  .strict();

const eni = z
  .object({
    quotaPerVpc: z.number().int().min(1).max(100_000).default(250).describe('Network interfaces allowed per VPC (Lambda default before 2019: 250; later 500).'),
  })
  .strict();

const peering = z
  .object({
    routeTableQuota: z.number().int().min(1).max(10_000).default(50).describe('Routes per route table (AWS default: 50).'),
  })
  .strict();

const ipMasqAgent = z
  .object({
    nonMasqueradeCIDRs: z.array(cidr).optional().describe('Destinations reached with the pod address (default: pod CIDR and platform CIDR).'),
    masqLinkLocal: z.boolean().default(false).describe('Also masquerade 169.254.0.0/16.'),
    configMapFile: z.string().optional().describe('An ip-masq-agent ConfigMap (YAML) or its `config` data; takes precedence.'),
  })
  .strict();

const proxy = z
  .object({
    count: z.number().int().min(1).max(8).default(1).describe('Proxy nodes pre-warmed in the pool.'),
    mssClamp: z.boolean().default(true).describe('Clamp TCP MSS to the tunnel path MTU on function hosts.'),
    ipMasqAgent: ipMasqAgent.prefault({}),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .default('default')
      .describe('Label written into results.'),
    description: z.string().max(2000).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1)
      .describe('Seed of every random draw (modeled latencies).'),
    platform: platform.prefault({}),
    user: user.prefault({}),
    functionHosts: z.number().int().min(1).max(32).default(1).describe('Function hosts (fh0, fh1, …); instances spread round-robin.'),
    services: z
      .array(service)
      .min(1)
      .default([{ name: 'svc', kind: 'builtin', httpPort: 8080, echoPort: 9000, responseBytes: 64, responseDelayUs: 0, connectionDelayUs: 0 }]),
    strategies: z
      .array(z.enum(STRATEGIES))
      .min(1)
      .default([...STRATEGIES])
      .describe('Paths to measure, in order.'),
    tunnel: z.enum(['auto', 'gre', 'ipip', 'vxlan']).default('auto').describe('gre-proxy encapsulation; auto = GRE where the kernel has it, else VXLAN.'),
    tenantKey: z.number().int().min(1).max(16_777_215).default(1001).describe('GRE key / VXLAN VNI of the tenant.'),
    workload: workload.prefault({}),
    burst: burst.prefault({}),
    instances: instancesSchema.prefault({}),
    repetitions: z.number().int().min(1).max(100).default(3).describe('Times each path is measured; compare uses the spread.'),
    order: z
      .enum(['rotate', 'shuffle', 'listed'])
      .default('rotate')
      .describe(
        'Order of the paths in each repetition: rotate = repetition r starts r places further along the list; shuffle = seeded random order per repetition; listed = the same order every time.',
      ),
    settle: settle.prefault({}),
    reference: reference.prefault({}),
    cpu: cpu.prefault({}),
    controlPlane: controlPlane.prefault({}),
    eni: eni.prefault({}),
    peering: peering.prefault({}),
    proxy: proxy.prefault({}),
    experiments: z.array(experimentSchema).default([]).describe('Proxy-operations experiments run after the paths (failover, scaling, NAT limits, MTU).'),
  })
  .strict();

/** A scenario as written in a file (all fields optional). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A scenario with every default filled in. */
export type Scenario = z.output<typeof scenarioSchema>;
