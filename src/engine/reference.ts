/**
 * A second instrument in every run: sockperf (C) TCP ping-pong from the same
 * container to a sockperf server beside the same service, pinned like the
 * probe and the service. Its round trips are the floor the path offers, and
 * the difference between two paths is the path cost measured without
 * Node.js — coldpath's own figures must agree with it. The client side is
 * reference-client.ts.
 */
import { ColdpathError } from '../errors.js';
import { LineProcess } from '../exec/line-process.js';
import { runCommand } from '../exec/run-command.js';
import { which } from '../env/tools.js';
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
  const version = await runCommand(['sockperf', '--version'], { reject: false, timeoutMs: 5000 });
  const line = /version\s+#?(\S+)/.exec(version.stdout + version.stderr)?.[1] ?? 'unknown';
  return { tool: 'sockperf', version: line, port: scenario.reference.port, seconds: scenario.reference.seconds, messageBytes: MESSAGE_BYTES };
}

/** A sockperf server in each service's namespace, on the reference port. */
export async function startReferenceServers(ctx: EngineContext, services: readonly ServiceLayout[]): Promise<LineProcess[]> {
  const servers: LineProcess[] = [];
  for (const service of services) {
    const netns = ctx.driver.netnsOf(service.node);
    const server = new LineProcess({
      netns,
      argv: ['sockperf', 'server', '--tcp', '-i', '0.0.0.0', '-p', String(ctx.scenario.reference.port)],
      cpus: ctx.placement.services,
      onSpawn: ctx.driver.ledger.recordSpawn(netns),
      label: `sockperf server in ${netns}`,
    });
    servers.push(server);
  }
  // sockperf prints nothing machine-readable when it listens: wait until the port accepts.
  for (const [index, service] of services.entries()) await waitListening(ctx, service, servers[index]);
  return servers;
}

async function waitListening(ctx: EngineContext, service: ServiceLayout, server: LineProcess | undefined): Promise<void> {
  const port = ctx.scenario.reference.port;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (server?.hasExited === true) {
      throw new ColdpathError(`sockperf server in ${service.node} exited: ${server.stderr.trim().split('\n').pop() ?? ''}`, {
        kind: 'input',
        field: 'reference.port',
        hint: `port ${port} may be taken by a service; choose another reference.port`,
      });
    }
    const result = await runCommand(['ip', 'netns', 'exec', ctx.driver.netnsOf(service.node), 'ss', '-Hltn', `sport = :${port}`], { reject: false, timeoutMs: 5000 });
    if (result.stdout.trim() !== '') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new ColdpathError(`sockperf server in ${service.node} is not listening on ${port}`, { kind: 'runtime', hint: 'see `sockperf server` on this machine' });
}

/** Round-trip times (µs) from sockperf's `--full-log` CSV: `packet, txTime(sec), rxTime(sec), rtt(usec)` rows. */
export function parseFullLog(text: string): number[] {
  const values: number[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(',');
    if (fields.length !== 4) continue;
    const rtt = Number(fields[3]);
    if (/^\s*\d+\s*$/.test(fields[0] ?? '') && Number.isFinite(rtt) && rtt > 0) values.push(rtt);
  }
  return values;
}
