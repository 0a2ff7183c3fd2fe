/**
 * A burst of 128 instances through gre-proxy and peering (issue 3): measured
 * network phases of all 128 done in ≤ 2 s, ≤ 5 ms p50 per instance for the
 * gre-proxy cold path, orchestrator memory under 300 MB. The baseline path is
 * measured in the same run as the reference.
 * Run as root: `node dist/bench/burst.js [size] [parallelism]`; raw output in
 * docs/bench/burst-<date>.json.
 */
import { RunEvents } from '../src/engine/events.js';
import { runScenario } from '../src/engine/run.js';
import type { BurstResult } from '../src/results/types.js';
import { parseScenario } from '../src/scenario/load.js';
import { writeRaw } from './record.js';
import { median, ms, percentile } from './stats.js';

const SIZE = Number(process.argv[2] ?? 128);
const PARALLELISM = Number(process.argv[3] ?? 2);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const scenario = parseScenario({
  strategies: ['baseline', 'peering', 'gre-proxy'],
  repetitions: 1,
  burst: { sizes: [SIZE], parallelism: PARALLELISM },
  workload: { requests: 50, warmup: 10, metrics: ['keepalive'] },
});
const started = performance.now();
const run = await runScenario({ scenario, scenarioSource: 'bench/burst', events: new RunEvents(), signal: new AbortController().signal });
clearInterval(sampler);

/** When the last instance finished its kernel set-up (namespace, link, attach), from the burst's t0. */
function setupDoneMs(burst: BurstResult): number {
  return Math.max(...burst.instances.flatMap((i) => i.spans.filter((s) => s.phase === 'strategy-attach').map((s) => s.endUs))) / 1000;
}

console.log(`burst of ${SIZE} instances, parallelism ${PARALLELISM} (one repetition; whole run ${ms(performance.now() - started)}; run ${run.outcome})`);
const paths: Array<Record<string, unknown>> = [];
for (const path of run.paths) {
  const burst = path.repetitions[0]?.bursts[0];
  if (burst === undefined) {
    console.log(`  ${path.strategy}: no burst (${path.outcome}: ${path.failure?.message ?? ''})`);
    continue;
  }
  const ok = burst.instances.filter((i) => i.outcome === 'ok');
  const network = ok.map((i) => (i.networkUs ?? 0) / 1000);
  const kernel = ok.map((i) => i.spans.filter((s) => s.phase === 'namespace' || s.phase === 'container-link' || s.phase === 'strategy-attach').reduce((sum, s) => sum + s.endUs - s.startUs, 0) / 1000);
  const firstRequest = ok.map((i) => i.spans.filter((s) => s.phase === 'first-connect' || s.phase === 'first-response').reduce((sum, s) => sum + s.endUs - s.startUs, 0) / 1000);
  const total = ok.map((i) => (i.totalUs ?? 0) / 1000);
  const syn = ok.reduce((sum, i) => sum + (i.synRetransmits ?? 0), 0);
  paths.push({
    strategy: path.strategy,
    ok: ok.length,
    setupDoneMs: setupDoneMs(burst),
    networkP50Ms: median(network),
    networkP99Ms: percentile(network, 99),
    kernelP50Ms: median(kernel),
    firstRequestP50Ms: median(firstRequest),
    totalP50Ms: median(total),
    synRetransmits: syn,
    burstWallMs: burst.wallMs,
  });
  console.log(
    `  ${path.strategy.padEnd(9)} ok ${ok.length}/${SIZE}  kernel set-up of all done at ${ms(setupDoneMs(burst))}  ` +
      `network per instance p50 ${ms(median(network))} p99 ${ms(percentile(network, 99))} (kernel p50 ${ms(median(kernel))}, first connect+TTFB p50 ${ms(median(firstRequest))})  ` +
      `cold start total p50 ${ms(median(total))}  SYN retransmits ${syn}  burst wall ${ms(burst.wallMs)}`,
  );
}
console.log(`  orchestrator peak RSS ${(peakRss / 1e6).toFixed(0)} MB (budget 300 MB)`);
console.log(`raw output: ${writeRaw('burst', run.fingerprint, { size: SIZE, parallelism: PARALLELISM, outcome: run.outcome, peakRssMb: Math.round(peakRss / 1e6), paths })}`);
