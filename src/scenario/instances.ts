/**
 * How a function instance's runtime is started: as a plain process in the
 * instance's network namespace, or as an OCI container (Debian's `crun`)
 * that joins that namespace. The network path is the same either way; what
 * changes is the runtime's own cold path (docs/oci.md).
 */
import { z } from 'zod';

/** The runtimes an instance can be started with. */
export const RUNTIMES = ['process', 'oci'] as const;
export type RuntimeKind = (typeof RUNTIMES)[number];

/** The scenario's `instances` object. */
export const instancesSchema = z
  .object({
    runtime: z
      .enum(RUNTIMES)
      .default('process')
      .describe(
        "process: the probe (the function's runtime) is a Node.js process started in the instance's namespace with `ip netns exec`; oci: the same probe as the process of an OCI container started with Debian's crun (package crun), its root file system bound read-only from the host, joining the instance's network namespace; the timeline then also has the runtime's own phases oci-create and oci-start.",
      ),
  })
  .strict()
  .describe('Function instances: how their runtime is started.');
