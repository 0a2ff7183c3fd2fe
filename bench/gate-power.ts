/**
 * The gate's power curve (issue 14): how often `coldpath compare` catches a
 * regression of a given size, at what false-alarm rate, for what wall time —
 * with the gate scenario as users run it (examples/ci-gate.yaml).
 *
 * Pools, run one at a time and interleaved round robin (a drift of the
 * machine over the benchmark cannot pass for an effect):
 *   A        the gate scenario unchanged;
 *   K<e>     gre-proxy's keep-alive p50 made e % slower;
 *   C<e>     gre-proxy's cold path p50 made e % slower.
 * The regression is a busy-wait in the user-VPC service, sized from the first
 * A run: before every HTTP response (`services[].responseDelayUs`, K: e % of
 * gre-proxy's keep-alive p50), or before the first response on each new
 * connection (`services[].connectionDelayUs`, C: e % of gre-proxy's cold-path
 * p50 — paid by an instance's first request, not by kept connections). It
 * reaches the gre-proxy path only (the baseline's service is another one).
 * Comparisons: A/A = every pair within A, both orientations (any `regressed`
 * verdict is a false alarm); detection = every (A as BASE, K<e> or C<e> as
 * NEW) pair, the target metric `regressed`. Each also counted over the pairs
 * of two valid runs only (compare exits 1 for an invalid one, whatever else:
 * a user measures it again) and as non-zero exits. Pairs share runs: the
 * intervals printed are optimistic. Each is re-analysed at several minimum effects
 * (the curve a user picks a setting from); measuring needs no re-run.
 *
 * Run as root, by absolute path (see bench/gate-aa.ts):
 *   node "$PWD/dist/bench/gate-power.js" [--a 8] [--per-effect 4] [--effects 5,7,10] [--cold-effects 20] [--out DIR]
 *   node dist/bench/gate-power.js --reuse DIR [--record]   (re-analyse stored runs)
 * Writes its raw output (runs' figures, every count, the machine's fingerprint) to docs/bench/gate-power-<date>.json
 * (`--reuse` writes it only into DIR, unless `--record`: an analysis changed after measuring).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareRuns, DEFAULT_SETTINGS, type CompareSettings } from '../src/compare/compare-runs.js';
import { quantileView, valueAtPercentile } from '../src/compare/quantiles.js';
import { decodeHistogram } from '../src/metrics/histogram.js';
import { exitCodeOf, invalidRuns, type Comparison } from '../src/compare/types.js';
import { RunEvents } from '../src/engine/events.js';
import { runScenario } from '../src/engine/run.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { readRun, writeRunJson } from '../src/results/store.js';
import { summarizePath } from '../src/results/summary.js';
import type { RunResult } from '../src/results/types.js';
import { parseScenario } from '../src/scenario/load.js';
import { parse as parseYaml } from 'yaml';
import { median } from './stats.js';
import { clopperPearson, share } from './proportion.js';
import { defaultOutDir, usableRuns, waitForQuiet } from './quiet.js';
import { writeRaw } from './record.js';

const { values: args } = parseArgs({
  options: {
    a: { type: 'string', default: '8' },
    'per-effect': { type: 'string', default: '4' },
    effects: { type: 'string', default: '5,7,10' },
    'cold-effects': { type: 'string', default: '20' },
    out: { type: 'string' },
    reuse: { type: 'string' },
    record: { type: 'boolean', default: false },
    /** The row the README reports: the setting users are told to gate the scenario with (docs/ci.md). */
    'gate-setting': { type: 'string', default: '--min-effect 10' },
  },
});
const PATH = 'gre-proxy';
/** Minimum effects the comparisons are re-analysed at (warm p50 / cold path). */
const WARM_SETTINGS = [0.025, 0.05, 0.1];
const COLD_SETTINGS = [0.1, 0.2, 0.3, 1];
const GATE_SCENARIO = join(PACKAGE_ROOT, 'examples', 'ci-gate.yaml');

interface Pooled {
  label: string;
  /** A, K<e> or C<e>. */
  pool: string;
  run: RunResult;
  wallS: number;
  delayUs: number;
}

const figures = (run: RunResult): { keepalive: number | undefined; coldPath: number | undefined } => {
  const path = run.paths.find((p) => p.strategy === PATH);
  if (path === undefined) return { keepalive: undefined, coldPath: undefined };
  const summary = summarizePath(path);
  return { keepalive: summary.warm.keepalive?.p50, coldPath: summary.coldStart.network.count === 0 ? undefined : summary.coldStart.network.p50 };
};

function gateScenario(pool: string, delayUs: number, label: string): ReturnType<typeof parseScenario> {
  const input = parseYaml(readFileSync(GATE_SCENARIO, 'utf8')) as Record<string, unknown>;
  const service = pool.startsWith('C') ? { name: 'svc', connectionDelayUs: delayUs } : { name: 'svc', responseDelayUs: delayUs };
  return parseScenario({ ...input, name: `gate-power-${label}`, services: [service] }, 'bench/gate-power');
}

async function measure(outDir: string): Promise<Pooled[]> {
  mkdirSync(outDir, { recursive: true });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const warm = args.effects
    .split(',')
    .filter((e) => e !== '')
    .map(Number);
  const cold = args['cold-effects']
    .split(',')
    .filter((e) => e !== '')
    .map(Number);
  const pools = ['A', ...warm.map((e) => `K${e}`), ...cold.map((e) => `C${e}`)];
  const wanted = new Map(pools.map((pool) => [pool, pool === 'A' ? Number(args.a) : Number(args['per-effect'])]));
  const plan: string[] = [];
  for (let round = 0; plan.length < [...wanted.values()].reduce((a, b) => a + b, 0); round++) {
    for (const pool of pools) if (round < (wanted.get(pool) ?? 0)) plan.push(pool);
  }
  const results: Pooled[] = [];
  let calibration: { keepalive: number; coldPath: number } | undefined;
  const counters = new Map<string, number>();
  for (const [i, pool] of plan.entries()) {
    if (controller.signal.aborted) break;
    const effect = pool === 'A' ? 0 : Number(pool.slice(1)) / 100;
    const delayUs = calibration === undefined ? 0 : Math.round(effect * (pool.startsWith('K') ? calibration.keepalive : calibration.coldPath));
    if (pool !== 'A' && calibration === undefined) throw new Error('the first run must be an A run (calibration)');
    counters.set(pool, (counters.get(pool) ?? 0) + 1);
    const label = `${pool}-${String(counters.get(pool)).padStart(2, '0')}`;
    const waitedS = await waitForQuiet();
    const load = loadavg()[0] ?? 0;
    const started = performance.now();
    const run = await runScenario({
      scenario: gateScenario(pool, delayUs, label),
      scenarioSource: 'bench/gate-power',
      events: new RunEvents(),
      signal: controller.signal,
      argv: ['bench/gate-power', label],
    });
    const wallS = (performance.now() - started) / 1000;
    writeRunJson(run, join(outDir, label));
    writeFileSync(join(outDir, label, 'power.json'), JSON.stringify({ pool, delayUs, wallS }));
    const f = figures(run);
    if (calibration === undefined && f.keepalive !== undefined && f.coldPath !== undefined) calibration = { keepalive: f.keepalive, coldPath: f.coldPath };
    console.log(
      `run ${i + 1}/${plan.length} ${label}: ${run.outcome} in ${wallS.toFixed(1)}s (load ${load.toFixed(1)}${waitedS > 0 ? `, waited ${waitedS}s` : ''}) delay ${delayUs}µs; ${PATH} keepalive p50 ${f.keepalive ?? '–'}µs, cold path p50 ${f.coldPath ?? '–'}µs`,
    );
    results.push({ label, pool, run, wallS, delayUs });
  }
  return results;
}

function reuse(dir: string): Pooled[] {
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'run.json')) && existsSync(join(dir, name, 'power.json')))
    .sort()
    .map((label) => {
      const meta = JSON.parse(readFileSync(join(dir, label, 'power.json'), 'utf8')) as { pool: string; delayUs: number; wallS: number };
      return { label, pool: meta.pool, delayUs: meta.delayUs, wallS: meta.wallS, run: readRun(join(dir, label)) };
    });
}

const outDir = args.reuse ?? args.out ?? defaultOutDir('gate-power');
const started = performance.now();
const measured = args.reuse !== undefined ? reuse(args.reuse) : await measure(outDir);
const runs = usableRuns(measured);
const A = runs.filter((p) => p.pool === 'A');
const effectPools = [...new Set(runs.map((p) => p.pool).filter((pool) => pool !== 'A'))].sort((x, y) => x.slice(0, 1).localeCompare(y.slice(0, 1)) || Number(x.slice(1)) - Number(y.slice(1)));

/**
 * The effect a pool really had: its median figure over A's, − 1. A busy-wait of d µs is not a
 * regression of exactly d (the service's CPU is the probe's, and the wait moves where the
 * response lands in the scheduler's slice): the nominal size only sets the delay.
 */
function effectOf(pool: string, news: readonly Pooled[]): number {
  const figure = (p: Pooled): number | undefined => (pool.startsWith('K') ? figures(p.run).keepalive : figures(p.run).coldPath);
  const values = (list: readonly Pooled[]): number[] =>
    list.flatMap((p) => {
      const value = figure(p);
      return value === undefined ? [] : [value];
    });
  return median(values(news)) / median(values(A)) - 1;
}

const compare = (base: Pooled, next: Pooled, settings: CompareSettings): Comparison => compareRuns(base.run, next.run, settings, { base: base.label, next: next.label });
const verdictOf = (c: Comparison, metric: string): string | undefined => c.findings.find((f) => f.path === PATH && f.metric === metric)?.verdict;
const anyRegressed = (c: Comparison): boolean => c.findings.some((f) => f.verdict === 'regressed');

interface Row {
  setting: string;
  aaComparisons: number;
  /** A/A comparisons with a `regressed` verdict anywhere. */
  aaFalseAlarms: number;
  aaFalseAlarmsTarget: number;
  /** A/A comparisons where compare exits non-zero for any reason (a regression or an invalid run). */
  aaNonZeroExit: number;
  /** A/A comparisons of two valid runs (compare judges them: exit 0 or 99), and of those, how many had a `regressed` verdict. */
  aaJudged: number;
  aaJudgedFalseAlarms: number;
  detection: Array<{ pool: string; delayUs: number; metric: string; measuredEffect: number; pairs: number; detected: number; judgedPairs: number; judgedDetected: number }>;
}

const judged = (c: Comparison): boolean => invalidRuns(c).length === 0;

function analyse(label: string, settings: CompareSettings, metricFor: (pool: string) => string | undefined, aaTarget: string): Row {
  const pairs = A.flatMap((base, i) => A.slice(i + 1).map((next) => [base, next] as const));
  const aa = pairs.flatMap(([x, y]) => [compare(x, y, settings), compare(y, x, settings)]);
  const detection = effectPools.flatMap((pool) => {
    const metric = metricFor(pool);
    if (metric === undefined) return [];
    const news = runs.filter((p) => p.pool === pool);
    const comparisons = A.flatMap((base) => news.map((next) => compare(base, next, settings)));
    return [
      {
        pool,
        delayUs: median(news.map((p) => p.delayUs)),
        metric,
        measuredEffect: effectOf(pool, news),
        pairs: comparisons.length,
        detected: comparisons.filter((c) => verdictOf(c, metric) === 'regressed').length,
        judgedPairs: comparisons.filter(judged).length,
        judgedDetected: comparisons.filter((c) => judged(c) && verdictOf(c, metric) === 'regressed').length,
      },
    ];
  });
  return {
    setting: label,
    aaComparisons: aa.length,
    aaFalseAlarms: aa.filter(anyRegressed).length,
    aaFalseAlarmsTarget: aa.filter((c) => verdictOf(c, aaTarget) === 'regressed').length,
    aaNonZeroExit: aa.filter((c) => exitCodeOf(c) !== 0).length,
    aaJudged: aa.filter(judged).length,
    aaJudgedFalseAlarms: aa.filter((c) => judged(c) && anyRegressed(c)).length,
    detection,
  };
}

// Each setting with disturbed repetitions set aside (compare's default), with every one kept, and with steadiness required.
const warmVariants: Array<{ suffix: string; patch: Partial<CompareSettings> }> = [
  { suffix: '', patch: {} },
  { suffix: ' --keep-disturbed', patch: { setAsideDisturbed: false } },
  { suffix: ' --require-steady', patch: { requireSteady: true } },
];
const warmRows = warmVariants.flatMap(({ suffix, patch }) =>
  WARM_SETTINGS.map((minEffect) =>
    analyse(`--min-effect ${minEffect * 100}${suffix}`, { ...DEFAULT_SETTINGS, minEffect, ...patch }, (pool) => (pool.startsWith('K') ? 'keepalive.p50' : undefined), 'keepalive.p50'),
  ),
);
const coldRows = [true, false].flatMap((setAsideDisturbed) =>
  COLD_SETTINGS.map((coldStartEffect) =>
    analyse(
      `cold-path min effect ${coldStartEffect * 100}%${setAsideDisturbed ? '' : ' --keep-disturbed'}`,
      { ...DEFAULT_SETTINGS, coldStartEffect, setAsideDisturbed },
      (pool) => (pool.startsWith('C') ? 'coldpath.p50' : undefined),
      'coldpath.p50',
    ),
  ),
);

/** Runs compare would refuse to judge (exit 1) at a setting: which, and why (steadiness depends on the effect gated). */
const invalidAt = (settings: CompareSettings): Array<{ label: string; reasons: string[] }> =>
  runs.flatMap((p) => {
    const c = compareRuns(p.run, p.run, settings, { base: p.label, next: p.label });
    const reasons = [...new Set(c.findings.filter((f) => f.verdict === 'invalid').map((f) => f.reason.replace(/^(BASE|NEW): /, '')))];
    return invalidRuns(c).length === 0 ? [] : [{ label: p.label, reasons }];
  });
const invalid = invalidAt(DEFAULT_SETTINGS);
const invalidSteadyAtFive = invalidAt({ ...DEFAULT_SETTINGS, minEffect: 0.05, requireSteady: true });

/** Each repetition's keep-alive p50 per path (µs), so a later analysis sees a run's levels, not only its summary. */
const levels = (run: RunResult): Record<string, number[]> =>
  Object.fromEntries(
    run.paths.map((path) => [
      path.strategy,
      path.repetitions.flatMap((rep) => {
        const warm = rep.warm.find((w) => w.metric === 'keepalive');
        return warm === undefined ? [] : [Math.round(valueAtPercentile(quantileView(decodeHistogram(warm.histogram)), 50))];
      }),
    ]),
  );

/** History runs beside BASE, as docs/ci.md's workflow passes them (main's last five runs: the newest is BASE). */
const HISTORY_RUNS = 4;

/**
 * `compare --history` (src/compare/history.ts): each run's floor level — the fastest repetition —
 * judged against BASE and more runs of the unchanged build. A/A: every A run as NEW against each
 * other A run as BASE with HISTORY_RUNS more A runs as history; pools: every pool run against each
 * A run as BASE with HISTORY_RUNS more.
 */
function historyRows(minEffect: number) {
  const settings = (history: readonly Pooled[]): CompareSettings => ({ ...DEFAULT_SETTINGS, minEffect, history: history.map((p) => ({ location: p.label, run: p.run })) });
  // As docs/ci.md's workflow gates: BASE and the HISTORY_RUNS unchanged runs after it (in measuring order, wrapping), never NEW.
  const historyOf = (base: Pooled, next?: Pooled): Pooled[] => {
    const start = A.indexOf(base);
    const after = [...A.slice(start + 1), ...A.slice(0, start)].filter((p) => p !== next);
    return after.slice(0, HISTORY_RUNS);
  };
  const aa = A.flatMap((next) => A.filter((base) => base !== next).map((base) => compare(base, next, settings(historyOf(base, next)))));
  // The effect as the rule sees it: the pool's median floor level over A's (a busy-wait's nominal size is not its effect).
  const floorOf = (p: Pooled): number => Math.min(...(levels(p.run)[PATH] ?? []));
  const aFloor = median(A.map(floorOf));
  const detection = effectPools
    .filter((pool) => pool.startsWith('K'))
    .map((pool) => {
      const comparisons = runs.filter((p) => p.pool === pool).flatMap((next) => A.map((base) => compare(base, next, settings(historyOf(base)))));
      return {
        pool,
        floorEffect: median(runs.filter((p) => p.pool === pool).map(floorOf)) / aFloor - 1,
        pairs: comparisons.length,
        detected: comparisons.filter((c) => verdictOf(c, 'keepalive.p50') === 'regressed').length,
        judgedPairs: comparisons.filter(judged).length,
        judgedDetected: comparisons.filter((c) => judged(c) && verdictOf(c, 'keepalive.p50') === 'regressed').length,
      };
    });
  return {
    setting: `--min-effect ${minEffect * 100} --history (${HISTORY_RUNS} runs)`,
    aaComparisons: aa.length,
    aaFalseAlarms: aa.filter(anyRegressed).length,
    aaFalseAlarmsTarget: aa.filter((c) => verdictOf(c, 'keepalive.p50') === 'regressed').length,
    aaNonZeroExit: aa.filter((c) => exitCodeOf(c) !== 0).length,
    aaJudged: aa.filter(judged).length,
    aaJudgedFalseAlarms: aa.filter((c) => judged(c) && anyRegressed(c)).length,
    detection,
  };
}
const historyRule = [0.05, 0.1].map(historyRows);

const interval = (k: number, n: number): [number, number] => (n === 0 ? [0, 1] : clopperPearson(k, n));
// The gate as users run it: the unchanged runs (a C pool's injected delay lengthens every new connection).
const wall = A.map((p) => p.wallS);
const result = {
  benchmark: 'bench/gate-power.ts',
  date: new Date().toISOString(),
  scenario: GATE_SCENARIO.replace(`${PACKAGE_ROOT}/`, ''),
  /** The row the README reports: the gate scenario with compare's defaults. */
  gateSetting: args['gate-setting'],
  fingerprint: runs[0]?.run.fingerprint,
  runs: runs.map((p) => ({ label: p.label, pool: p.pool, delayUs: p.delayUs, wallS: Number(p.wallS.toFixed(1)), ...figures(p.run), keepaliveLevels: levels(p.run) })),
  leftOut: measured.filter((p) => !runs.includes(p)).map((p) => p.label),
  wallSeconds: { median: median(wall), max: Math.max(...wall) },
  invalidRuns: invalid,
  /** The same with `--require-steady --min-effect 5`: what the steadiness check adds. */
  invalidRunsRequireSteady5: invalidSteadyAtFive,
  historyRule,
  rows: [...warmRows, ...coldRows].map((row) => ({
    ...row,
    aaFalseAlarmInterval: interval(row.aaFalseAlarms, row.aaComparisons),
    detection: row.detection.map((d) => ({ ...d, interval: interval(d.detected, d.pairs) })),
  })),
};
if (args.reuse === undefined || args.record) console.log(`raw output: ${writeRaw('gate-power', result.fingerprint, result)}`);
writeFileSync(join(outDir, 'gate-power.json'), `${JSON.stringify(result, null, 1)}\n`);

console.log(`\ngate-power: ${A.length} A runs, ${runs.length - A.length} with an effect; wall time per run median ${median(wall).toFixed(1)} s, max ${Math.max(...wall).toFixed(1)} s`);
for (const row of [...warmRows, ...coldRows]) {
  console.log(
    `\n${row.setting}: A/A any regressed ${share(row.aaFalseAlarms, row.aaComparisons)}; on the target metric ${share(row.aaFalseAlarmsTarget, row.aaComparisons)}; exit ≠ 0 ${share(row.aaNonZeroExit, row.aaComparisons)}; both runs valid: any regressed ${share(row.aaJudgedFalseAlarms, row.aaJudged)}`,
  );
  for (const d of row.detection)
    console.log(
      `  ${d.pool} (delay ${d.delayUs}µs, measured effect ${(100 * d.measuredEffect).toFixed(0)} %) ${PATH} ${d.metric} regressed: ${share(d.detected, d.pairs)}; both runs valid: ${share(d.judgedDetected, d.judgedPairs)}`,
    );
}
for (const run of invalid) console.log(`invalid: ${run.label}: ${run.reasons.join('; ')}`);
console.log(`invalid with --require-steady --min-effect 5: ${invalidSteadyAtFive.map((run) => run.label).join(', ')}`);
for (const row of historyRule) {
  console.log(
    `\n${row.setting}: A/A any regressed ${share(row.aaFalseAlarms, row.aaComparisons)}; on keepalive.p50 ${share(row.aaFalseAlarmsTarget, row.aaComparisons)}; exit ≠ 0 ${share(row.aaNonZeroExit, row.aaComparisons)}; BASE valid: any regressed ${share(row.aaJudgedFalseAlarms, row.aaJudged)}`,
  );
  for (const d of row.detection)
    console.log(`  ${d.pool} (+${(100 * d.floorEffect).toFixed(0)} % by floor) ${PATH} keepalive.p50 regressed: ${share(d.detected, d.pairs)}; both valid: ${share(d.judgedDetected, d.judgedPairs)}`);
}
console.log(`\nruns in ${outDir}; ${((performance.now() - started) / 1000).toFixed(0)}s`);
