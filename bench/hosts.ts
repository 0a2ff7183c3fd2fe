/**
 * Across machines or on one: do the figures move? (issue 12, docs/hosts.md
 * "Same figures?"). Builds three emulated machines once
 * (bench/emulated-machines.ts: function host with a user-VPC NIC, proxy,
 * service host, each its own namespaces and sshd), then runs the same
 * scenario — baseline, eni, peering, gre-proxy over VXLAN — alternately on
 * one machine (`coldpath run`) and across the machines (`coldpath run --hosts`,
 * executor ssh), N pairs in ABBA… order (bench/paired-runs.ts), each run
 * through the CLI as a user runs it. Per path and metric: across ÷ one per
 * pair, its geometric mean with a t interval over pairs, the same for the
 * pairs where `across` ran first and where it ran second, their ratio (the
 * order effect), the difference in µs (what macvlan wires, sshd and the
 * agents' relay cost on that path) and the change of the path's cost over
 * baseline measured in the same run (the run's own floor).
 * Same kernel, same 2 CPUs either way: a difference is the emulated
 * machines' own cost, not a second kernel's.
 * Writes its raw output to docs/bench/hosts-<date>.json.
 * Run as root after `npm run build`: `node "$PWD/dist/bench/hosts.js" [pairs]
 * [--repetitions R] [--requests N] [--one plain|local-agent] [--no-wait]`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../src/paths.js';
import { readRun } from '../src/results/store.js';
import type { RunResult } from '../src/results/types.js';
import { type Machines, startMachines, stopAllMachines } from './emulated-machines.js';
import { abbaOrder, compareSides, type MeasuredPair, type RunFigures, type SideComparison, type Side } from './paired-runs.js';
import { defaultOutDir, waitForQuiet } from './quiet.js';
import { machineFingerprint, writeRaw } from './record.js';
import { disturbance, runFigures } from './run-figures.js';
import type { MeanInterval } from './stats.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    repetitions: { type: 'string', default: '2' },
    requests: { type: 'string', default: '1000' },
    // plain: `coldpath run` as on one machine; local-agent: `--hosts examples/hosts/local.yaml`, the same agent protocol without ssh or wires.
    one: { type: 'string', default: 'plain' },
    'no-wait': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const PAIRS = Number(positionals[0] ?? 4);
const ONE = args.one === 'local-agent' ? 'local-agent' : 'plain';
const CLI = join(PACKAGE_ROOT, 'bin', 'coldpath.js');
const STRATEGIES = ['baseline', 'eni', 'peering', 'gre-proxy'];

/** The test's scenario (run-across-machines.test.ts), larger: two repetitions (4 pairs: 8 whole runs), keep-alive and echo with 1000 requests, sockperf in every repetition. */
const SCENARIO = {
  name: 'hosts-bench',
  strategies: STRATEGIES,
  // Explicit on both sides: a run across machines refuses auto, and this kernel has no ip_gre.
  tunnel: 'vxlan',
  functionHosts: 1,
  repetitions: Number(args.repetitions),
  burst: { sizes: [2] },
  // keep-alive and echo (what sockperf checks); newconn's warm-up takes half a run here (docs/compare.md, ci-gate), and a new connection through the path is in every cold start (first-connect).
  workload: { requests: Number(args.requests), warmup: 200, metrics: ['keepalive', 'echo'] },
  // Each machine's CPUs are its own across machines: no pinning on either side. sockperf runs on both sides (through the
  // agents across machines), in every repetition: the second instrument of each run, on the same path.
  cpu: { placement: 'none' },
  reference: { tool: 'sockperf', seconds: 1, repetitions: Number(args.repetitions) },
};

interface Measured {
  pair: number;
  side: Side;
  runDir: string;
  wallS: number;
  waitedS: number;
  outcome: string;
  /** Per path: did its path check pass? */
  verified: Record<string, boolean | undefined>;
  figures: RunFigures;
  /** Warm-ups not steady and settles that timed out: how busy the machine was during the run. */
  disturbed?: ReturnType<typeof disturbance>;
  /** The paths' order in each repetition (the scenario rotates it). */
  schedule?: string[][];
  error?: string;
}

/** A run that hangs is ended like a user's Ctrl-C (the CLI tears down on SIGINT) after this long. */
const RUN_TIMEOUT_MS = 15 * 60_000;

function cli(argv: readonly string[], wrapper: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const [file, ...rest] = [...wrapper, process.execPath, CLI, ...argv];
  return new Promise((done) => {
    const child = spawn(file as string, rest, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGINT'), RUN_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

async function measure(machines: Machines, scenarioFile: string, outDir: string, pair: number, side: Side): Promise<Measured> {
  const waitedS = args['no-wait'] ? 0 : await waitForQuiet();
  const runDir = join(outDir, `pair${pair + 1}-${side}`);
  mkdirSync(runDir, { recursive: true });
  const hosts = side === 'across' ? ['--hosts', machines.inventoryFile] : ONE === 'local-agent' ? ['--hosts', join(PACKAGE_ROOT, 'examples', 'hosts', 'local.yaml')] : [];
  // Across: the coordinator in its namespace on the management wire, where the machines' sshd listen.
  const wrapper = side === 'across' ? machines.wrapper : [];
  const started = performance.now();
  const result = await cli(['run', scenarioFile, ...hosts, '--out', runDir, '--quiet'], wrapper);
  const wallS = (performance.now() - started) / 1000;
  const [runId] = readdirSync(runDir);
  let run: RunResult | undefined;
  try {
    run = runId === undefined ? undefined : readRun(join(runDir, runId));
  } catch {
    run = undefined;
  }
  const base = { pair, side, runDir: runId === undefined ? runDir : join(runDir, runId), wallS, waitedS };
  if (run === undefined) return { ...base, outcome: `exit ${result.code}`, verified: {}, figures: {}, error: result.stderr.trim().slice(-400) };
  const verified = Object.fromEntries(run.paths.map((path) => [path.strategy, path.verification?.ok]));
  const failed = run.paths.filter((path) => path.outcome !== 'completed').map((path) => `${path.strategy}: ${path.failure?.message ?? path.outcome}`);
  return {
    ...base,
    outcome: run.outcome,
    verified,
    figures: runFigures(run),
    disturbed: disturbance(run),
    schedule: (run.schedule ?? []).map((item) => item.order),
    ...(result.code !== 0 || failed.length > 0 ? { error: [...failed, result.stderr.trim().slice(-400)].filter(Boolean).join('; ') } : {}),
  };
}

const fmt = (value: number | undefined, digits = 2): string => (value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));
const interval = (i: MeanInterval, digits = 2): string => (i.low === undefined ? `${fmt(i.mean, digits)}` : `${fmt(i.mean, digits)} (${fmt(i.low, digits)}–${fmt(i.high, digits)})`);

function printTable(comparisons: readonly SideComparison[]): void {
  console.table(
    comparisons.map((c) => ({
      path: c.path,
      metric: c.metric,
      'one µs': fmt(c.one, 0),
      'across µs': fmt(c.across, 0),
      'across÷one (95% CI)': interval(c.ratio),
      'across 1st': fmt(c.acrossFirst.mean),
      'across 2nd': fmt(c.acrossSecond.mean),
      'overhead µs': interval(c.overheadUs, 0),
      'over baseline Δµs': c.overBaselineUs === undefined ? '' : interval(c.overBaselineUs, 0),
      verdict: c.verdict,
    })),
  );
}

const startedAt = new Date().toISOString();
const began = performance.now();
const plan = abbaOrder(PAIRS);
const outDir = resolve(args.out ?? defaultOutDir('hosts'));
mkdirSync(outDir, { recursive: true });
const scenarioFile = join(outDir, 'scenario.yaml');
writeFileSync(scenarioFile, stringify(SCENARIO));
console.log(
  `hosts: ${PAIRS} pairs (${plan.map((p) => p.order.map((s) => (s === 'across' ? 'A' : 'B')).join('')).join(' ')}; A = across 3 emulated machines, B = one machine, ${ONE}), runs in ${outDir}`,
);

// Ctrl-C reaches the runs too (same process group), and each tears down; the machines are ours to stop.
process.once('SIGINT', () => {
  console.log('interrupted: stopping the machines');
  void stopAllMachines().finally(() => process.exit(130));
});

const measured: Measured[] = [];
let machineTimings: Machines['timings'] | undefined;
try {
  // A prefix of its own (cpm- and ≤ 8 characters): never a test's or another benchmark's machines.
  const machines = await startMachines({
    prefix: `cpm-bh${Math.random().toString(16).slice(2, 6)}`,
    // Names of their own too: the tests find their machines' processes by name (cpm-init fn-1) across the host.
    machines: [
      { name: 'bench-fn', role: 'function-host', extraNic: true },
      { name: 'bench-proxy', role: 'proxy' },
      { name: 'bench-svc', role: 'service-host' },
    ],
  });
  machineTimings = machines.timings;
  console.log(`machines up in ${(machines.timings.totalMs / 1000).toFixed(1)} s`);
  for (const { pair, order } of plan) {
    for (const side of order) {
      const m = await measure(machines, scenarioFile, outDir, pair, side);
      measured.push(m);
      const keepalive = STRATEGIES.map((s) => fmt(m.figures[s]?.['keepalive'], 0)).join('/');
      const disturbed = m.disturbed === undefined ? '' : `; not steady ${m.disturbed.notSteady}/${m.disturbed.warmups} warm-ups, unsettled ${m.disturbed.unsettled}/${m.disturbed.settles}`;
      console.log(
        `pair ${pair + 1} ${side.padEnd(6)} ${m.outcome} in ${m.wallS.toFixed(1)} s${m.waitedS > 0 ? ` (waited ${m.waitedS} s for quiet)` : ''}; keep-alive p50 ${keepalive} µs${disturbed}${m.error === undefined ? '' : `; ${m.error}`}`,
      );
    }
  }
} finally {
  await stopAllMachines();
}

// A pair counts only when both its runs completed every path: a damaged run is listed, not compared.
const pairs: MeasuredPair[] = plan.flatMap(({ pair, order }) => {
  const of = (side: Side): Measured | undefined => measured.find((m) => m.pair === pair && m.side === side && m.outcome === 'completed' && m.error === undefined);
  const across = of('across');
  const one = of('one');
  return across === undefined || one === undefined ? [] : [{ pair, acrossFirst: order[0] === 'across', across: across.figures, one: one.figures }];
});
const comparisons = compareSides(pairs);
const durationS = Math.round((performance.now() - began) / 1000);
console.log(`\n${pairs.length} of ${PAIRS} pairs usable; figures: median over ${SCENARIO.repetitions} repetitions of each repetition's p50; intervals: 95 % t over pairs`);
printTable(comparisons);
const verifiedEverywhere = measured.every((m) => STRATEGIES.every((s) => m.verified[s] === true));
console.log(`path checks: ${verifiedEverywhere ? 'every path passed in every run, both ways' : 'NOT every path passed: see runs[].verified'}; whole benchmark ${durationS} s`);
const file = writeRaw('hosts', await machineFingerprint(), {
  startedAt,
  durationS,
  pairs: PAIRS,
  usablePairs: pairs.length,
  order: plan,
  one: ONE,
  // --no-wait: runs did not wait for other coldpath runs to end (a smoke run on a shared machine; not for publishing).
  waitedForQuiet: !args['no-wait'],
  scenario: SCENARIO,
  machines: { count: 3, roles: ['function-host (extra user NIC)', 'proxy', 'service-host'], startMs: machineTimings },
  runs: measured,
  verifiedEverywhere,
  comparisons,
});
console.log(`raw output: ${file}`);
process.exitCode = pairs.length === PAIRS && verifiedEverywhere ? 0 : 1;
