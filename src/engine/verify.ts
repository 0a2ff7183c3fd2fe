/**
 * Proof that traffic took the intended path: the user service records each
 * connection's source address (ENI address for eni, pod address for peering
 * and baseline, the proxy's eth1 for gre-proxy), and for gre-proxy the
 * proxy's nft counters must have moved.
 */
import { readCounters } from '../kernel/inspect.js';
import type { Verification } from '../results/types.js';
import type { ServiceProcess } from '../services/service-process.js';
import { PROXY_COUNTERS, PROXY_TABLE } from '../strategies/gre-proxy.js';
import type { Strategy, Target } from '../strategies/types.js';
import type { EngineContext } from './context.js';

export async function verifyPath(
  ctx: EngineContext,
  strategy: Strategy,
  target: Target,
  service: ServiceProcess | undefined,
  expectedSources: string[],
): Promise<Verification> {
  const observed = service === undefined ? {} : (await service.stats()).sources;
  const expected = new Set(expectedSources);
  const unexpected = Object.keys(observed).filter((address) => !expected.has(address));
  let proxyCounters: Verification['proxyCounters'];
  const forwarding = strategy.forwardingNodes();
  if (forwarding.length > 0) {
    proxyCounters = { out: 0, back: 0 };
    for (const node of forwarding) {
      const counters = await readProxyCounters(ctx.driver.netnsOf(node));
      proxyCounters.out += counters.out;
      proxyCounters.back += counters.back;
    }
  }
  const sawTraffic = Object.keys(observed).length > 0;
  const countersOk = proxyCounters === undefined || (proxyCounters.out > 0 && proxyCounters.back > 0);
  const ok = sawTraffic && unexpected.length === 0 && countersOk;
  const detail = !sawTraffic
    ? `${target.serviceName} saw no connection`
    : unexpected.length > 0
      ? `${target.serviceName} saw unexpected sources ${unexpected.join(', ')} (expected ${[...expected].slice(0, 5).join(', ')}${expected.size > 5 ? ', …' : ''})`
      : !countersOk
        ? 'proxy nft counters did not move'
        : `${target.serviceName} saw only the expected ${Object.keys(observed).length} source address(es)${proxyCounters === undefined ? '' : `; proxy forwarded ${proxyCounters.out} packets out, ${proxyCounters.back} back`}`;
  return { expectedSources: [...expected], observedSources: observed, ...(proxyCounters === undefined ? {} : { proxyCounters }), ok, detail };
}


/** Packets counted by the proxy's named nft counters. */
export async function readProxyCounters(netns: string): Promise<{ out: number; back: number }> {
  const counters = await readCounters(netns, PROXY_TABLE);
  return { out: counters[PROXY_COUNTERS.out] ?? 0, back: counters[PROXY_COUNTERS.back] ?? 0 };
}
