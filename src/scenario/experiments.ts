/**
 * Proxy-operations experiments (failover, MTU, NAT limits, pool scaling,
 * two tenants on one proxy):
 * named entries of the scenario's `experiments` list, discriminated by
 * `kind`. Each kind's fields are validated here, cross-field rules included,
 * so a bad entry is an input error naming the field (e.g.
 * `experiments.0.advertIntervalMs`) before anything exists. See
 * docs/experiments.md.
 */
import { z } from 'zod';

const label = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,40}$/, 'expected 1–40 letters, digits, dot, dash or underscore')
  .optional()
  .describe('Label of the experiment in results (default: its kind).');

/** One stream of requests at a fixed rate (open loop), run by one function instance. */
const loadStream = z
  .object({
    metric: z.enum(['keepalive', 'newconn']).describe('keepalive: requests over persistent connections; newconn: a new connection per request.'),
    rate: z.number().positive().max(5000).describe('Requests per second (open loop, coordinated-omission corrected).'),
    concurrency: z.number().int().min(1).max(64).default(4).describe('Connections (keepalive) or requests in flight at most.'),
  })
  .strict();

export const FAILOVER_MODES = ['crash', 'link-down', 'freeze', 'graceful'] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];

const failover = z
  .object({
    kind: z.literal('failover'),
    name: label,
    mode: z
      .enum(FAILOVER_MODES)
      .default('crash')
      .describe(
        "How the active proxy fails. crash: keepalived's VRRP child, then its parent, are SIGKILLed and the node's links go down; link-down: its platform link (eth0) goes down; freeze: keepalived is SIGSTOPped (the kernel keeps forwarding); graceful: keepalived is stopped with SIGTERM (priority-0 advert).",
      ),
    advertIntervalMs: z
      .number()
      .int()
      .min(10)
      .max(40_950)
      .multipleOf(10, 'expected a multiple of 10 (VRRPv3 counts centiseconds)')
      .default(100)
      .describe('VRRP advert_int in ms (VRRPv3 counts centiseconds: multiples of 10, at least 10).'),
    priorities: z
      .object({
        active: z.number().int().min(1).max(254).default(200).describe('VRRP priority of the proxy that starts active.'),
        standby: z.number().int().min(1).max(254).default(100).describe('VRRP priority of the standby; sets the skew time.'),
      })
      .strict()
      .prefault({}),
    load: z
      .array(loadStream)
      .min(1)
      .max(8)
      .default([
        { metric: 'keepalive', rate: 200, concurrency: 4 },
        { metric: 'newconn', rate: 50, concurrency: 8 },
      ])
      .describe('Request streams sent through the pair during the experiment, one function instance each.'),
    beforeMs: z.number().int().min(200).max(60_000).default(1000).describe('Traffic before the fault.'),
    afterMs: z.number().int().min(500).max(120_000).default(3000).describe('Traffic after the fault.'),
    timeoutMs: z.number().int().min(100).max(60_000).default(5000).describe('Per-request timeout; a request still unanswered then fails.'),
    bucketMs: z.number().int().min(1).max(10_000).default(10).describe('Width of a timeline bucket.'),
    thawAfterMs: z.number().int().min(1).max(120_000).optional().describe('freeze only: SIGCONT keepalived this long after the fault (split brain ends); default: frozen until the end.'),
    standbyDown: z.boolean().default(false).describe('Do not start the standby (it crashed earlier): the VIPs never move; the outcome is recorded, not waited for.'),
    keepalived: z.string().min(1).default('keepalived').describe('keepalived executable (Debian package keepalived).'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.priorities.standby >= spec.priorities.active) {
      ctx.addIssue({
        code: 'custom',
        path: ['priorities', 'standby'],
        message: `must be lower than priorities.active (${spec.priorities.active}) so the pair starts with a known master`,
      });
    }
    if (spec.thawAfterMs !== undefined && spec.mode !== 'freeze') {
      ctx.addIssue({ code: 'custom', path: ['thawAfterMs'], message: 'applies only with mode: freeze' });
    }
    if (spec.thawAfterMs !== undefined && spec.thawAfterMs >= spec.afterMs) {
      ctx.addIssue({ code: 'custom', path: ['thawAfterMs'], message: `must be shorter than afterMs (${spec.afterMs})` });
    }
    if (spec.bucketMs * 4 > spec.beforeMs + spec.afterMs) {
      ctx.addIssue({ code: 'custom', path: ['bucketMs'], message: 'leaves fewer than 4 buckets in beforeMs + afterMs' });
    }
  });

const mtu = z
  .object({
    kind: z.literal('mtu'),
    name: label,
    sizes: z
      .array(
        z
          .number()
          .int()
          .min(1)
          .max(4 * 1024 * 1024),
      )
      .min(1)
      .max(32)
      .default([1200, 1400, 1422, 1450, 1472, 1500, 4000, 65_536])
      .describe('HTTP body sizes in bytes, around the tunnel MTU and above (GET /bytes/N down, POST up).'),
    directions: z
      .array(z.enum(['download', 'upload']))
      .min(1)
      .default(['download', 'upload'])
      .describe('download: GET /bytes/N; upload: POST of N bytes.'),
    clamp: z.array(z.boolean()).min(1).default([true, false]).describe('Variants of proxy.mssClamp to run (MSS clamp on function hosts).'),
    pmtud: z
      .array(z.enum(['allowed', 'blocked']))
      .min(1)
      .default(['allowed', 'blocked'])
      .describe("blocked: ICMP 'fragmentation needed' is dropped on the proxy and hosts, as a filtering firewall would (PMTUD black hole)."),
    requests: z.number().int().min(1).max(10_000).default(20).describe('Requests per size and variant (one keep-alive connection).'),
    timeoutMs: z.number().int().min(100).max(60_000).default(2000).describe('Per-request timeout: a black hole shows as timeouts.'),
    encapsulationRequests: z.number().int().min(0).max(100_000).default(500).describe('Keep-alive requests per encapsulation for the latency comparison (0 = skip).'),
    tenantCollision: z.boolean().default(true).describe("Demonstrate what breaks when two tenants' tunnels share a proxy without a key."),
  })
  .strict();

const nat = z
  .object({
    kind: z.literal('nat'),
    name: label,
    ports: z
      .object({
        first: z.number().int().min(1024).max(65_535).default(40_000),
        count: z.number().int().min(1).max(64_000).default(64),
      })
      .strict()
      .prefault({})
      .describe('Source ports MASQUERADE may use on the proxy (masquerade to :first-last): a small range makes exhaustion reachable.'),
    timeWaitSeconds: z.number().int().min(1).max(600).default(2).describe("Conntrack TIME_WAIT timeout in the proxy's namespace (kernel default 120 s): how long a closed connection keeps its port."),
    conntrackLimit: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe('Emulated conntrack table size (nft `ct count over N` drops new flows): nf_conntrack_max cannot be set outside the initial namespace.'),
    steps: z
      .array(
        z
          .object({
            rate: z.number().positive().max(5000).describe('New connections per second (churn: one request per connection).'),
            held: z.number().int().min(0).max(4096).default(0).describe('Idle connections held open to the same destination during the step (each holds a NAT port).'),
          })
          .strict(),
      )
      .min(1)
      .max(20)
      .default([
        { rate: 20, held: 0 },
        { rate: 80, held: 0 },
        { rate: 20, held: 48 },
        { rate: 20, held: 62 },
        { rate: 20, held: 64 },
        { rate: 20, held: 80 },
      ])
      .describe('Load steps, in order: churn rate and connections held open.'),
    stepMs: z.number().int().min(200).max(120_000).default(3000).describe('Duration of each rate step.'),
    concurrency: z.number().int().min(1).max(1024).default(32).describe('Churn requests in flight at most.'),
    timeoutMs: z.number().int().min(100).max(60_000).default(1500).describe('Per-request and connect timeout (a dropped SYN is retried after 1 s).'),
    failureThreshold: z.number().min(0).max(1).default(0.05).describe('Fraction of failed connections (churn and held) in a step that counts as "connections start failing".'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.ports.first + spec.ports.count - 1 > 65_535) {
      ctx.addIssue({ code: 'custom', path: ['ports', 'count'], message: `ports.first + ports.count - 1 must be ≤ 65535` });
    }
    const peak = Math.max(...spec.steps.map((step) => step.held));
    if (peak > spec.ports.count * 4) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: `holds up to ${peak} connections; more than 4 × ports.count (${spec.ports.count}) only adds timeouts` });
    }
  });

const scaling = z
  .object({
    kind: z.literal('scaling'),
    name: label,
    policy: z
      .object({
        metric: z
          .enum(['newConnectionsPerSecond', 'activeConnections'])
          .default('newConnectionsPerSecond')
          .describe('What each proxy is measured by: new flows per second, or established flows in its conntrack table.'),
        targetPerProxy: z.number().positive().max(1_000_000).default(100).describe('Desired load per proxy; proxies = ceil(total / target).'),
        min: z.number().int().min(1).max(8).default(1).describe('Fewest proxies.'),
        max: z.number().int().min(1).max(8).default(3).describe('Most proxies (px0..px7 exist in the address plan).'),
        intervalMs: z.number().int().min(50).max(60_000).default(250).describe('How often the controller samples the metric.'),
        scaleOutCooldownMs: z.number().int().min(0).max(600_000).default(1000).describe('No scale-out sooner than this after the last scaling action.'),
        scaleInCooldownMs: z.number().int().min(0).max(600_000).default(2000).describe('No scale-in sooner than this after the last scaling action.'),
        drainTimeoutMs: z.number().int().min(0).max(600_000).default(3000).describe('A proxy being removed takes no new flows; its established flows keep it this long at most, then it is removed.'),
      })
      .strict()
      .prefault({}),
    load: z
      .object({
        metric: z.enum(['keepalive', 'newconn']).default('newconn'),
        concurrency: z.number().int().min(1).max(256).default(16),
        instances: z.number().int().min(1).max(8).default(2).describe('Function instances sending the load (the rate is split between them).'),
        stages: z
          .array(
            z
              .object({
                rate: z.number().positive().max(5000).describe('Total requests per second during the stage.'),
                durationMs: z.number().int().min(100).max(600_000),
              })
              .strict(),
          )
          .min(1)
          .max(20)
          .default([
            { rate: 40, durationMs: 3000 },
            { rate: 250, durationMs: 5000 },
            { rate: 40, durationMs: 6000 },
          ])
          .describe('Load profile: each stage at a fixed total rate.'),
      })
      .strict()
      .prefault({}),
    timeoutMs: z.number().int().min(100).max(60_000).default(2000),
    bucketMs: z.number().int().min(10).max(60_000).default(250).describe('Width of a timeline bucket.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.policy.min > spec.policy.max) {
      ctx.addIssue({ code: 'custom', path: ['policy', 'min'], message: `must not exceed policy.max (${spec.policy.max})` });
    }
  });

const tenants = z
  .object({
    kind: z.literal('tenants'),
    name: label,
    tunnel: z.enum(['gre', 'ipip', 'vxlan']).optional().describe("Encapsulation of both tenants' tunnels (default: the run's tunnel). Lets one run compare GRE and IPIP on a kernel that has both."),
    secondKey: z
      .number()
      .int()
      .min(1)
      .max(16_777_215)
      .optional()
      .describe("GRE key / VXLAN VNI of the second tenant's tunnel (default: tenantKey + 1). IPIP has no key: its tunnels are told apart only by their endpoints."),
    requests: z.number().int().min(1).max(10_000).default(20).describe("Keep-alive requests each tenant's instance sends to its own service."),
    warmup: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(2)
      .describe("Requests each tenant's instance sends first, not tallied (a fresh probe's first requests pay for loading its HTTP client); their packets are counted like the rest."),
    timeoutMs: z.number().int().min(100).max(60_000).default(2000).describe('Per-request timeout.'),
    shareWhenRefused: z
      .boolean()
      .default(true)
      .describe("When the second tenant's tunnel is refused, send its traffic through the first tenant's tunnel (what a keyless platform is left with) and count where it arrives."),
  })
  .strict();

export const experimentSchema = z.discriminatedUnion('kind', [failover, mtu, nat, scaling, tenants]);

export type ExperimentSpec = z.output<typeof experimentSchema>;
export type FailoverSpec = Extract<ExperimentSpec, { kind: 'failover' }>;
export type MtuSpec = Extract<ExperimentSpec, { kind: 'mtu' }>;
export type NatSpec = Extract<ExperimentSpec, { kind: 'nat' }>;
export type ScalingSpec = Extract<ExperimentSpec, { kind: 'scaling' }>;
export type TenantsSpec = Extract<ExperimentSpec, { kind: 'tenants' }>;
