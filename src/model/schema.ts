/**
 * The model's records that run.json stores: the phase figures a run used and
 * each instance's modeled steps. They are zod schemas so that results/ (one
 * layer up) parses them as part of run.json; the model's own types are
 * inferred from them, so there is one definition.
 */
import { z } from 'zod';

/** The control-plane calls a path's cold path or prewarm makes. */
export const MODELED_PHASES = ['eni.create', 'eni.attach', 'peering.create', 'peering.accept', 'peering.routes', 'proxy.eni'] as const;
export type ModeledPhaseId = (typeof MODELED_PHASES)[number];

export const modeledPhaseIdSchema = z.enum(MODELED_PHASES);

export const citationSchema = z
  .strictObject({
    title: z.string(),
    url: z.string(),
    /** What the source says that the figure rests on. */
    says: z.string(),
  })
  .meta({ id: 'Citation' });
export type Citation = z.infer<typeof citationSchema>;

export const modeledPhaseSpecSchema = z
  .strictObject({
    label: z.string(),
    medianMs: z.number(),
    p99Ms: z.number(),
    /** True when the phase is a mutating API call subject to the token bucket. */
    apiCall: z.boolean().describe('A mutating API call: takes a token from the bucket.'),
    sources: z.array(citationSchema),
  })
  .meta({ id: 'ModeledPhaseSpec', description: 'A modeled phase: lognormal fitted to its median and p99, with where the figures come from.' });
export type ModeledPhaseSpec = z.infer<typeof modeledPhaseSpecSchema>;

export const modeledStepSchema = z
  .strictObject({
    phase: modeledPhaseIdSchema,
    /** Waiting for an API token (rate limit), µs. */
    throttleUs: z.number().describe('Waiting for an API token (rate limit), µs of virtual time.'),
    durationUs: z.number().describe('The drawn duration, µs of virtual time.'),
  })
  .meta({ id: 'ModeledStep', description: 'One modeled control-plane call of an instance, in virtual time.' });
export type ModeledStep = z.infer<typeof modeledStepSchema>;
