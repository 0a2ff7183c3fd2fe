/**
 * nginx as a service of the user VPC (issue 13, third slice): Debian's nginx,
 * started by coldpath beside the built-in server in the service host's
 * namespace, serving a small body, measured with undici.
 */
import { z } from 'zod';

/** Warm metrics against a `kind: nginx` service (the first service, which every path targets). */
export const NGINX_METRICS = ['http.get'] as const;
export type NginxMetric = (typeof NGINX_METRICS)[number];

export const isNginxMetric = (metric: string): metric is NginxMetric => (NGINX_METRICS as readonly string[]).includes(metric);

export const nginxOptionsSchema = z
  .object({
    /** TCP port of nginx on the service's address. Default 80. */
    port: z.number().int().min(1).max(65535).default(80).describe('TCP port of nginx on the service address.'),
    /** Size of the body every GET is answered with, bytes. Default 64 (like the built-in server's response body). */
    bodyBytes: z
      .number()
      .int()
      .min(0)
      .max(64 * 1024)
      .default(64)
      .describe('Size of the body every GET is answered with, in bytes (from memory, not a file).'),
  })
  .strict()
  .describe('Options of a kind: nginx service (one master and one worker, answering every GET with a body from memory; every request in its access log).');

export type NginxOptions = z.output<typeof nginxOptionsSchema>;

/** A service's nginx options with every default filled in (absent options are the defaults). */
export function nginxOptionsOf(service: { nginx?: NginxOptions | undefined }): NginxOptions {
  return service.nginx ?? nginxOptionsSchema.parse({});
}
