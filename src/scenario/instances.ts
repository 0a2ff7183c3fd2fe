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

/** Who sets up an instance's network: coldpath's own plans, or the standard CNI plugins (docs/cni.md). */
export const INSTANCE_NETWORKS = ['coldpath', 'cni'] as const;
export type InstanceNetwork = (typeof INSTANCE_NETWORKS)[number];

/** The scenario's `instances` object. */
export const instancesSchema = z
  .object({
    runtime: z
      .enum(RUNTIMES)
      .default('process')
      .describe(
        "process: the probe (the function's runtime) is a Node.js process started in the instance's namespace with `ip netns exec`; oci: the same probe as the process of an OCI container started with Debian's crun (package crun), its root file system bound read-only from the host, joining the instance's network namespace; the timeline then also has the runtime's own phases oci-create and oci-start.",
      ),
    network: z
      .enum(INSTANCE_NETWORKS)
      .default('coldpath')
      .describe(
        "coldpath: the instance's veth on the function host's pod bridge is made by coldpath's own plan (phase container-link); cni: by the standard CNI plugins of Debian's containernetworking-plugins (loopback, then bridge with host-local IPAM), executed as a container runtime executes them, in the function host's namespace, with their IPAM state in the run's ledger directory; the timeline then has the phase cni-add instead of container-link.",
      ),
  })
  .strict()
  .describe('Function instances: how their runtime is started and who wires their network.');
