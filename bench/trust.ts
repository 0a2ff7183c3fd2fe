/**
 * Can a design review trust the default run's figures? Runs the default
 * scenario as a user does (`coldpath run`, the CLI, wall time included), once
 * with the paths as listed and once reversed, `rounds` times, interleaved, and
 * checks on this machine:
 *   (a) the proxy's path cost by coldpath echo and keep-alive agrees with
 *       sockperf's on the same container and service (the scenario's bounds, ±5 µs / ±15 µs);
 *   (b) the two orders agree within 20 % on every warm p50 and cold-path p50;
 *   (c) the default scenario's wall time (budget 60 s);
 *   (d) keep-alive p50 ≤ 2 × echo p50 on every path (steady state).
 * Writes its raw output (with the machine's fingerprint) to docs/bench/trust-<date>.json.
 * Run as root: `node dist/bench/trust.js [rounds]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';
import { pathCost, referenceP50, repetitionFigures } from '../src/results/path-costs.js';
import { readRun } from '../src/results/store.js';
import { summarizePath } from '../src/results/summary.js';
import type { RunResult } from '../src/results/types.js';
import { STRATEGIES, type StrategyName } from '../src/scenario/schema.js';

const ROUNDS = Number(process.argv[2] ?? 1);
const WALL_BUDGET_S = 60;
const ORDER_BOUND = 0.2;
const FIGURES = ['keepalive', 'newconn', 'echo', 'coldPath'] as const;
type Figure = (typeof FIGURES)[number];

interface Measured {
  order: 'listed' | 'reversed';
  wallS: number;
  runId: string;
  schedule: StrategyName[][];
  p50: Record<StrategyName, Partial<Record<Figure | 'sockperf', number | undefined>>>;
  proxyCost: { echo?: number; keepalive?: number; sockperf?: number; agreement: Array<{ metric: string; coldpath: number; reference: number; bound: number; ok: boolean }> };
  notSteady: number;
  unsettled: number;
  /** Per path: the per-repetition p50s (slot = place in that repetition's order). */
  repetitions: Record<string, ReturnType<typeof repetitionFigures>>;
}

function runDefault(order: Measured['order']): { run: RunResult; wallS: number } {
  const out = mkdtempSync(join(tmpdir(), 'coldpath-trust-'));
  const strategies = order === 'listed' ? [...STRATEGIES] : [...STRATEGIES].reverse();
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'coldpath.js'), 'run', '--strategies', strategies.join(','), '--out', out, '--quiet'], { encoding: 'utf8' });
  const wallS = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`coldpath run (${order}) exited ${result.status}: ${result.stderr}`);
  const [runId] = readdirSync(out);
  const run = readRun(join(out, runId ?? ''));
  // COLDPATH_BENCH_KEEP=1 keeps every run directory for a closer look.
  if (process.env['COLDPATH_BENCH_KEEP'] === '1') console.log(`  kept ${join(out, runId ?? '')}`);
  else rmSync(out, { recursive: true, force: true });
  return { run, wallS };
}

function measured(order: Measured['order'], run: RunResult, wallS: number): Measured {
  const p50 = {} as Measured['p50'];
  for (const path of run.paths) {
    const summary = summarizePath(path);
    const reference = referenceP50(path);
    p50[path.strategy] = {
      keepalive: summary.warm.keepalive?.p50,
      newconn: summary.warm.newconn?.p50,
      echo: summary.warm.echo?.p50,
      coldPath: summary.coldStart.network.p50,
      ...(reference === undefined ? {} : { sockperf: reference }),
    };
  }
  const cost = pathCost(run, 'gre-proxy', 'baseline');
  const warmups = run.paths.flatMap((path) => path.repetitions.flatMap((rep) => rep.warm.flatMap((w) => w.warmup ?? [])));
  const settles = run.paths.flatMap((path) => path.repetitions.flatMap((rep) => rep.settles ?? []));
  return {
    order,
    wallS,
    runId: run.runId,
    schedule: (run.schedule ?? []).map((item) => item.order),
    p50,
    proxyCost: {
      ...(cost?.warm.echo === undefined ? {} : { echo: cost.warm.echo.mean }),
      ...(cost?.warm.keepalive === undefined ? {} : { keepalive: cost.warm.keepalive.mean }),
      ...(cost?.reference === undefined ? {} : { sockperf: cost.reference.mean }),
      agreement: cost?.agreement ?? [],
    },
    notSteady: warmups.filter((w) => w.mode === 'steady' && !w.converged).length,
    unsettled: settles.filter((s) => !s.completed).length,
    repetitions: Object.fromEntries(run.paths.map((path) => [path.strategy, repetitionFigures(path)])),
  };
}

const runs: Measured[] = [];
let fingerprint: RunResult['fingerprint'] | undefined;
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which order goes first, so neither always runs on a fresher machine.
  const orders: Array<Measured['order']> = round % 2 === 0 ? ['listed', 'reversed'] : ['reversed', 'listed'];
  for (const order of orders) {
    const { run, wallS } = runDefault(order);
    fingerprint ??= run.fingerprint;
    runs.push(measured(order, run, wallS));
    const blocks = run.paths.flatMap((path) => path.repetitions.map((rep) => ({ name: `${path.strategy} rep ${rep.index + 1}`, ms: rep.wallMs ?? 0 })));
    const slowest = blocks.sort((a, b) => b.ms - a.ms)[0];
    console.log(`round ${round + 1}, ${order}: ${wallS.toFixed(1)} s (slowest block: ${slowest?.name ?? '–'}, ${((slowest?.ms ?? 0) / 1000).toFixed(1)} s)`);
  }
}

const fmt = (value: number | undefined): string => (value === undefined ? '–' : `${Math.round(value)}`);
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : ((sorted[(sorted.length - 1) >> 1] ?? 0) + (sorted[sorted.length >> 1] ?? 0)) / 2;
};

console.log('\n(a) gre-proxy path cost over baseline, µs (coldpath vs sockperf, same repetition, same container and service)');
for (const run of runs) {
  const checks = run.proxyCost.agreement.map((a) => `${a.metric} ${fmt(a.coldpath)} vs ${fmt(a.reference)} (${a.ok ? 'within' : 'OUTSIDE'} ±${a.bound})`).join('; ');
  console.log(`  ${run.order.padEnd(8)} echo ${fmt(run.proxyCost.echo)}, keep-alive ${fmt(run.proxyCost.keepalive)}, sockperf ${fmt(run.proxyCost.sockperf)} | ${checks}`);
}

console.log(`\n(b) listed vs reversed order, p50 in µs, largest relative difference per figure (bound ${ORDER_BOUND * 100} %)`);
const orderChecks: Array<{ path: StrategyName; figure: Figure; listed: number; reversed: number; difference: number; ok: boolean }> = [];
for (const path of STRATEGIES) {
  for (const figure of FIGURES) {
    const listed = median(runs.filter((r) => r.order === 'listed').flatMap((r) => (r.p50[path]?.[figure] === undefined ? [] : [r.p50[path]?.[figure] as number])));
    const reversed = median(runs.filter((r) => r.order === 'reversed').flatMap((r) => (r.p50[path]?.[figure] === undefined ? [] : [r.p50[path]?.[figure] as number])));
    if (!Number.isFinite(listed) || !Number.isFinite(reversed)) continue;
    const difference = Math.abs(listed - reversed) / Math.min(listed, reversed);
    orderChecks.push({ path, figure, listed, reversed, difference, ok: difference <= ORDER_BOUND });
  }
}
console.table(orderChecks.map((c) => ({ path: c.path, figure: c.figure, listed: fmt(c.listed), reversed: fmt(c.reversed), 'difference %': (c.difference * 100).toFixed(1), ok: c.ok })));

console.log(`\n(c) wall time of the default scenario: ${runs.map((r) => `${r.wallS.toFixed(1)} s`).join(', ')} (median ${median(runs.map((r) => r.wallS)).toFixed(1)} s; budget ${WALL_BUDGET_S} s)`);

console.log('\n(d) keep-alive p50 ÷ echo p50 per path (≤ 2)');
const ratioChecks = runs.flatMap((run) =>
  STRATEGIES.flatMap((path) => {
    const keepalive = run.p50[path]?.keepalive;
    const echo = run.p50[path]?.echo;
    return keepalive === undefined || echo === undefined ? [] : [{ order: run.order, path, ratio: keepalive / echo, ok: keepalive <= 2 * echo }];
  }),
);
console.log(`  ${ratioChecks.map((c) => `${c.order}/${c.path} ${c.ratio.toFixed(2)}`).join(', ')}`);
console.log(`\nwarm-ups not steady at the time limit: ${runs.map((r) => r.notSteady).join(', ')}; settles that timed out: ${runs.map((r) => r.unsettled).join(', ')}`);

const verdict = {
  a: runs.every((r) => r.proxyCost.agreement.length > 0 && r.proxyCost.agreement.every((a) => a.ok)),
  b: orderChecks.every((c) => c.ok),
  c: runs.every((r) => r.wallS <= WALL_BUDGET_S),
  d: ratioChecks.every((c) => c.ok),
};
console.log(`\nresult: (a) ${verdict.a ? 'met' : 'MISSED'}, (b) ${verdict.b ? 'met' : 'MISSED'}, (c) ${verdict.c ? 'met' : 'MISSED'}, (d) ${verdict.d ? 'met' : 'MISSED'}`);
const dir = join(PACKAGE_ROOT, 'docs', 'bench');
mkdirSync(dir, { recursive: true });
const date = new Date().toISOString();
const file = `trust-${date.slice(0, 16).replace(':', '')}.json`;
writeFileSync(join(dir, file), `${JSON.stringify({ benchmark: 'bench/trust.ts', date, rounds: ROUNDS, fingerprint, runs, orderChecks, ratioChecks, verdict }, null, 1)}\n`);
console.log(`raw output: ${join('docs', 'bench', file)}`);
