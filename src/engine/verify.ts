/**
 * Proof that traffic took the intended path: the user service records each
 * connection's source address (ENI address for eni, pod address for peering
 * and baseline, the proxy's eth1 for gre-proxy), and the path's own nft
 * counters (the strategy's `pathCounters`: gre-proxy's proxies) must have moved.
 * A real server in the path (Redis, PostgreSQL) adds its own view
 * (verify-server.ts, through the kind's plug-in), which must agree as well.
 */
import { readCounters } from '../kernel/inspect.js';
import type { ServerView, Verification } from '../results/types.js';
import type { ServiceProcess } from '../services/service-process.js';
import type { KernelDriver } from '../kernel/driver.js';
import type { PathCounter, Strategy, Target } from '../strategies/types.js';
import type { EngineContext } from './context.js';

export async function verifyPath(ctx: EngineContext, strategy: Strategy, target: Target, service: ServiceProcess | undefined, expectedSources: string[], server?: ServerView): Promise<Verification> {
  const observed = service === undefined ? {} : (await service.stats()).sources;
  const expected = new Set(expectedSources);
  const unexpected = Object.keys(observed).filter((address) => !expected.has(address));
  let proxyCounters: Verification['proxyCounters'];
  const pathCounters = strategy.pathCounters();
  if (pathCounters.length > 0) proxyCounters = await readPathCounters(ctx.driver, pathCounters);
  // burst.firstRequest: service — instances reach the built-in server only through its own metrics, if any: the real server's view stands for it.
  const viaServer = server !== undefined && ctx.scenario.burst.firstRequest === 'service' && Object.keys(observed).length === 0;
  const sawTraffic = Object.keys(observed).length > 0 || viaServer;
  const countersOk = proxyCounters === undefined || (proxyCounters.out > 0 && proxyCounters.back > 0);
  const serverOk = server === undefined || server.ok;
  const ok = sawTraffic && unexpected.length === 0 && countersOk && serverOk;
  const detail = !sawTraffic
    ? `${target.serviceName} saw no connection`
    : unexpected.length > 0
      ? `${target.serviceName} saw unexpected sources ${unexpected.join(', ')} (expected ${[...expected].slice(0, 5).join(', ')}${expected.size > 5 ? ', …' : ''})`
      : !countersOk
        ? 'proxy nft counters did not move'
        : !serverOk
          ? (server?.detail ?? '')
          : viaServer
            ? `${target.serviceName}'s built-in server saw no connection (every first request went to its real server)${proxyCounters === undefined ? '' : `; proxy forwarded ${proxyCounters.out} packets out, ${proxyCounters.back} back`}; ${server?.detail ?? ''}`
            : `${target.serviceName} saw only the expected ${Object.keys(observed).length} source address(es)${proxyCounters === undefined ? '' : `; proxy forwarded ${proxyCounters.out} packets out, ${proxyCounters.back} back`}${server === undefined ? '' : `; ${server.detail}`}`;
  return {
    expectedSources: [...expected],
    observedSources: observed,
    ...(proxyCounters === undefined ? {} : { proxyCounters }),
    ...(server === undefined ? {} : { server }),
    ok,
    detail,
  };
}

/** Packets the path's counters counted, out and back, summed over its nodes. */
export async function readPathCounters(driver: Pick<KernelDriver, 'inNode'>, counters: readonly PathCounter[]): Promise<{ out: number; back: number }> {
  const total = { out: 0, back: 0 };
  for (const counter of counters) {
    const counts = await readCounters(driver.inNode(counter.node), counter.table);
    total.out += counts[counter.out] ?? 0;
    total.back += counts[counter.back] ?? 0;
  }
  return total;
}
