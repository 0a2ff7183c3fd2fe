/**
 * Proxy-operations experiments (failover, pool scaling, NAT limits, MTU):
 * named entries of the scenario's `experiments` list. Each kind adds its own
 * fields; see docs/experiments.md.
 */
import { z } from 'zod';

export const experimentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('placeholder'), name: z.string().optional() }).strict(),
]);

export type ExperimentSpec = z.output<typeof experimentSchema>;
