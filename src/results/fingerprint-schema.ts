/** The environment a run measured (env/fingerprint.ts fills it): enough to refuse comparing unlike runs. */
import { z } from 'zod';

export const fingerprintSchema = z
  .strictObject({
    hostname: z.string(),
    kernel: z.string(),
    os: z.string(),
    cpuModel: z.string(),
    cpuCount: z.number(),
    node: z.string(),
    iproute2: z.string(),
    nft: z.string(),
    coldpath: z.string(),
    gitSha: z.string(),
    tunnelSupport: z.strictObject({ gre: z.boolean(), ipip: z.boolean(), vxlan: z.boolean() }),
    /** Encapsulation the gre-proxy path used in this run (null when it did not run). */
    tunnelUsed: z.string().nullable().describe('Encapsulation the gre-proxy path used (null when it did not run).'),
    cpuPlacement: z.strictObject({
      placement: z.enum(['pinned', 'none']),
      probes: z.array(z.number()),
      services: z.array(z.number()),
      burstProbes: z.array(z.number()),
      /** CPUs of the helper threads of pinned probes and servers (absent in schema 1). */
      helpers: z.array(z.number()).exactOptional().describe('CPUs of the helper threads of pinned probes and servers (absent in schema 1).'),
    }),
    clock: z.literal('CLOCK_MONOTONIC'),
  })
  .meta({ id: 'Fingerprint', description: 'The environment the run measured: kernel, CPUs, tools, versions, tunnel support, CPU placement.' });
