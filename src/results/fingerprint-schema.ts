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

/** One machine beyond its kernel: OS, CPUs and the versions of the tools coldpath drives there (env/machine.ts fills it). */
export const machineSchema = z
  .strictObject({
    os: z.string().describe("/etc/os-release's PRETTY_NAME."),
    cpuModel: z.string(),
    cpuCount: z.number().int().nonnegative(),
    node: z.string().describe('Node.js version.'),
    iproute2: z.string().describe("`ip -V`'s first line."),
    nft: z.string().describe("`nft --version`'s first line."),
    sockperf: z.string().describe("sockperf's version, or 'not installed'."),
  })
  .meta({ id: 'Machine', description: 'One machine beyond its kernel: OS, CPUs, and the versions of Node.js, iproute2, nft and sockperf there.' });
