/**
 * A second instrument in every run: sockperf (C) TCP ping-pong from the same
 * container to a sockperf server beside the same service, pinned like the
 * probe and the service. Its round trips are the floor the path offers, and
 * the difference between two paths is the path cost measured without
 * Node.js — coldpath's own figures must agree with it. The client side is
 * reference-client.ts.
 */
import { ColdpathError } from '../errors.js';
import { sockperfVersion } from '../env/machine.js';
import { which } from '../env/tools.js';
import type { NodeProcess } from '../kernel/kernel-driver.js';
import type { ReferenceSetup } from '../results/types.js';
import type { Scenario } from '../scenario/schema.js';
import type { ServiceLayout } from '../topology/layout.js';
import type { EngineContext } from './context.js';

/** 64-byte messages, like coldpath's echo. */
export const MESSAGE_BYTES = 64;

/** Whether this run has a reference, and why not. Throws when the scenario requires sockperf and it is missing. */
export async function referenceSetup(scenario: Scenario): Promise<ReferenceSetup> {
  const { tool } = scenario.reference;
  if (tool === 'none') return { tool: 'none', reason: 'reference.tool is none' };
  if (which('sockperf') === undefined) {
    if (tool === 'sockperf') {
      throw new ColdpathError('reference.tool: sockperf is not installed', { kind: 'environment', field: 'reference.tool', hint: 'apt-get install -y sockperf, or set reference.tool: auto' });
    }
    return { tool: 'none', reason: 'sockperf is not installed (apt-get install -y sockperf): no second instrument checks this run' };
  }
  return { tool: 'sockperf', version: await sockperfVersion(), port: scenario.reference.port, seconds: scenario.reference.seconds, messageBytes: MESSAGE_BYTES };
}

/** A sockperf server in each service's namespace, on the reference port, started through the kernel driver (on the service's machine). */
export async function startReferenceServers(ctx: EngineContext, services: readonly ServiceLayout[]): Promise<NodeProcess[]> {
  const servers: NodeProcess[] = [];
  for (const service of services) {
    servers.push(
      await ctx.driver.spawnIn(service.node, ['sockperf', 'server', '--tcp', '-i', '0.0.0.0', '-p', String(ctx.scenario.reference.port)], {
        cpus: ctx.placement.services,
        label: `sockperf server in ${service.node}`,
      }),
    );
  }
  // sockperf prints nothing machine-readable when it listens: wait until the port accepts.
  for (const [index, service] of services.entries()) await waitListening(ctx, service, servers[index]);
  return servers;
}

async function waitListening(ctx: EngineContext, service: ServiceLayout, server: NodeProcess | undefined): Promise<void> {
  const port = ctx.scenario.reference.port;
  const inNode = ctx.driver.inNode(service.node);
  for (let attempt = 0; attempt < 200; attempt++) {
    if (server?.channel.hasExited === true) {
      throw new ColdpathError(`sockperf server in ${service.node} exited: ${server.channel.stderr.trim().split('\n').pop() ?? ''}`, {
        kind: 'input',
        field: 'reference.port',
        hint: `port ${port} may be taken by a service; choose another reference.port`,
      });
    }
    const result = await inNode(['ss', '-Hltn', `sport = :${port}`], { timeoutMs: 5000 });
    if (result.stdout.trim() !== '') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new ColdpathError(`sockperf server in ${service.node} is not listening on ${port}`, { kind: 'runtime', hint: "see `sockperf server` on the service's machine" });
}
