/**
 * Between stages the kernel is still working on what the last stage deleted:
 * a deleted namespace is reclaimed asynchronously (its links, routes and
 * conntrack entries), and a measurement that starts at once shares the CPUs
 * and the rtnl lock with that work. Settling waits until (1) every link whose
 * peer lived in a deleted namespace is gone from the namespaces that survive,
 * (2) the conntrack state a path left in surviving namespaces is flushed, and
 * (3) a window of /proc/stat shows the CPUs quiet — bounded by
 * `settle.timeoutMs` and recorded either way, so a run that did not settle says so.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { flushConntrack, linkNames } from '../kernel/inspect.js';
import type { SettleResult } from '../results/types.js';
import type { EngineContext } from './context.js';

/** /proc/stat counts in 10 ms ticks: 50 ms on 2 CPUs is 10 ticks, enough to tell busy from idle. */
const CPU_WINDOW_MS = 50;
const LINK_POLL_MS = 5;

export interface SettleRequest {
  /** The stage that just ended, e.g. `burst K=8`. */
  after: string;
  /** Links in surviving namespaces that disappear once deleted namespaces are reclaimed. */
  lingering?: ReadonlyArray<{ node: string; dev: string }>;
  /** Surviving nodes whose conntrack table holds the finished stage's flows. */
  flushConntrack?: readonly string[];
}

export async function settle(ctx: EngineContext, request: SettleRequest): Promise<SettleResult> {
  const { timeoutMs, quietPercent } = ctx.scenario.settle;
  const started = performance.now();
  const deadline = started + timeoutMs;
  const lingering = request.lingering ?? [];
  let remaining = await stillPresent(ctx, lingering);
  const lingeringLinks = remaining.length;
  while (remaining.length > 0 && performance.now() < deadline && !ctx.signal.aborted) {
    await sleep(LINK_POLL_MS);
    remaining = await stillPresent(ctx, remaining);
  }
  let flushed = 0;
  for (const node of request.flushConntrack ?? []) if (await flushConntrack(ctx.driver.inNode(node))) flushed++;
  let busyPercent = 100;
  while (remaining.length === 0 && !ctx.signal.aborted) {
    busyPercent = await busyShare(CPU_WINDOW_MS);
    if (busyPercent <= quietPercent || performance.now() >= deadline) break;
  }
  const quiet = busyPercent <= quietPercent;
  const pending = [
    remaining.length > 0
      ? `${remaining.length} link(s) of deleted namespaces still present (${remaining
          .slice(0, 3)
          .map((link) => link.dev)
          .join(', ')})`
      : '',
    remaining.length === 0 && !quiet ? `CPUs still ${Math.round(busyPercent)} % busy` : '',
    (request.flushConntrack?.length ?? 0) > flushed ? `conntrack not flushed in ${(request.flushConntrack?.length ?? 0) - flushed} namespace(s) (is conntrack installed?)` : '',
  ].filter((text) => text !== '');
  return {
    after: request.after,
    waitedMs: Math.round((performance.now() - started) * 10) / 10,
    completed: pending.length === 0,
    lingeringLinks,
    conntrackFlushed: flushed,
    busyPercent: Math.round(busyPercent),
    ...(pending.length === 0 ? {} : { pending: pending.join('; ') }),
  };
}

async function stillPresent(ctx: EngineContext, links: ReadonlyArray<{ node: string; dev: string }>): Promise<Array<{ node: string; dev: string }>> {
  const byNode = new Map<string, Set<string>>();
  for (const link of links) {
    if (!byNode.has(link.node)) byNode.set(link.node, await linkNames(ctx.driver.inNode(link.node)));
  }
  return links.filter((link) => byNode.get(link.node)?.has(link.dev) === true);
}

/** Share of all CPUs' time spent busy (neither idle nor waiting for I/O) over the next `ms`, in %. */
export async function busyShare(ms: number): Promise<number> {
  const before = cpuTicks();
  await sleep(ms);
  const after = cpuTicks();
  const total = after.total - before.total;
  return total <= 0 ? 0 : (100 * (total - (after.idle - before.idle))) / total;
}

function cpuTicks(): { total: number; idle: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { total, idle: (fields[3] ?? 0) + (fields[4] ?? 0) };
}
