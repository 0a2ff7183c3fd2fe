/**
 * Warms each user service's JIT once, before any path is measured: the
 * services live for the whole run, so without this the first repetition of
 * the first path measures a colder server than the last (measured: keep-alive
 * p50 366 → 161 → 118 µs over three repetitions with a 300-request warm-up).
 * A probe inside the service's own namespace drives every warm metric over
 * loopback; its results are discarded and the service's source counters are
 * reset before each path.
 */
import { ProbeProcess, probeArgv } from '../probes/probe-process.js';
import type { ProbeEvent } from '../probes/protocol.js';
import { realServerKindOf } from '../scenario/real-servers.js';
import type { ServiceLayout } from '../topology/layout.js';
import type { EngineContext } from './context.js';

const READY_TIMEOUT_MS = 60_000;

export async function warmUpServices(ctx: EngineContext, services: readonly ServiceLayout[]): Promise<void> {
  const requests = ctx.scenario.workload.serviceWarmup;
  if (requests === 0) return;
  for (const service of services) {
    if (ctx.signal.aborted) return;
    const probe = new ProbeProcess(await ctx.driver.spawnIn<ProbeEvent>(service.node, probeArgv({}), { cpus: ctx.placement.probes, label: `warm-up probe of ${service.node}` }));
    try {
      await probe.ready(READY_TIMEOUT_MS);
      // The real servers (redis-server, PostgreSQL, …) are native code with nothing to compile: their warm-up is the probes' own, per metric.
      for (const metric of ctx.scenario.workload.metrics.filter((m) => realServerKindOf(m) === undefined)) {
        await probe.measure(
          {
            metric,
            host: '127.0.0.1',
            port: metric === 'echo' ? service.echoPort : service.httpPort,
            requests,
            warmup: 0,
            concurrency: ctx.scenario.workload.concurrency,
            loop: 'closed',
            timeoutMs: ctx.scenario.workload.timeoutMs,
          },
          (requests * ctx.scenario.workload.timeoutMs) / ctx.scenario.workload.concurrency + 60_000,
        );
      }
    } finally {
      await probe.stop();
    }
  }
}
