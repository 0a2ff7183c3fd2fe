/**
 * Small records that run.json stores in several places and that the layers
 * above (strategies, probes, env, experiments, engine) produce. They are
 * defined here, where run.json is owned; the producers import them.
 */
import { z } from 'zod';
import { TUNNEL_TYPES } from '../topology/ops.js';

/** HdrHistogram, compressed and base64-encoded (µs); histograms merge without loss. */
export const encodedHistogramSchema = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected a base64 HdrHistogram')
  .meta({ id: 'EncodedHistogram', description: 'HdrHistogram, compressed base64 (µs).' });

/** Why an instance (or a whole path) could not be set up, as on a real platform. */
export const failureReasonSchema = z.enum(['eni-quota', 'subnet-exhausted', 'route-table-quota', 'first-request', 'setup-error', 'aborted']).meta({ id: 'FailureReason' });

/** Resources a path holds, to compare their cost as instances grow. */
export const resourceCountsSchema = z
  .strictObject({
    /** Interfaces in the user VPC (per-instance ENIs, proxies' eth1). */
    userVpcInterfaces: z.number(),
    /** Addresses taken from the user subnet. */
    userSubnetIps: z.number(),
    /** Route entries the path added (both VPCs, hosts). */
    routeEntries: z.number(),
    proxies: z.number(),
    tunnels: z.number(),
    peeringConnections: z.number(),
  })
  .meta({ id: 'ResourceCounts', description: 'Resources a path holds.' });

/** What a set of namespaces holds, counted from the kernel (kernel/census.ts). */
export const kernelCensusSchema = z
  .strictObject({
    namespaces: z.number(),
    /** Links without loopback. */
    links: z.number(),
    /** IPv4 addresses (127.0.0.1 left out). */
    addresses: z.number(),
    /** IPv4 routes outside the local table. */
    routes: z.number(),
    /** IPv4 neighbour entries. */
    neighbours: z.number(),
    nftRules: z.number(),
    nftSets: z.number(),
    /** Ports on the user VPC's bridge: interfaces in the user VPC. */
    userVpcPorts: z.number(),
    /** IPv4 addresses inside the user VPC's CIDR. */
    userVpcAddresses: z.number(),
  })
  .meta({ id: 'KernelCensus', description: 'Kernel objects counted in namespaces (links, addresses, routes, neighbours, nft rules and sets, user-VPC ports and addresses).' });

/** Which encapsulation the gre-proxy path uses, and why. */
export const tunnelChoiceSchema = z
  .strictObject({
    requested: z.enum(['auto', ...TUNNEL_TYPES]),
    used: z.enum(TUNNEL_TYPES),
    reason: z.string(),
  })
  .meta({ id: 'TunnelChoice', description: 'Which encapsulation the gre-proxy path used, and why.' });

/** The steady-state criterion a warm measurement used (probes/warmup.ts). */
export const steadyStateSpecSchema = z
  .strictObject({
    /** Requests per window. */
    window: z.number(),
    /** Consecutive windows whose medians must agree. */
    windows: z.number(),
    /** Largest relative spread of those medians: (max − min) / min. */
    tolerance: z.number(),
    /** Longest warm-up; the measurement then starts anyway, marked not converged. */
    timeLimitMs: z.number(),
  })
  .meta({ id: 'SteadyStateSpec', description: 'Steady-state warm-up criterion: medians of consecutive windows agree within a tolerance.' });

/** How one instance's warm-up ended. */
export const warmupRecordSchema = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('fixed'), requests: z.number(), durationUs: z.number() }),
    z.strictObject({
      mode: z.literal('steady'),
      requests: z.number(),
      durationUs: z.number(),
      converged: z.boolean(),
      /** Median of each of the last windows (µs), oldest first. */
      windowP50s: z.array(z.number()),
    }),
  ])
  .meta({ id: 'WarmupRecord', description: "How one instance's warm-up ended." });
