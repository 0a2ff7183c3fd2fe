/**
 * What real instances and real services cost (issue 13), per path:
 *   instances — the cold start of an instance as coldpath builds it today
 *     (`runtime: process`, `network: coldpath`) against an OCI container
 *     (`runtime: oci`, crun) and CNI networking (`network: cni`, bridge +
 *     host-local), and the two mixed, at K = 1 and K = 8: per instance, the
 *     end-to-end cold start, the network phases, and the phases that change
 *     (container-link vs cni-add; runtime-start vs oci-create + oci-start +
 *     runtime-start). Variants interleaved round robin, `rounds` times.
 *   first query — the time a cold function waits for its first PostgreSQL
 *     query and first Redis GET (`burst.firstRequest: service`): TCP connect,
 *     TLS handshake, authentication and the query as spans of the instance's
 *     timeline, and warm `pg.connect` / `redis.connect` in the same parts.
 * Each variant's reference is the process + coldpath variant measured in the
 * same round; figures are medians over instances and rounds.
 * Writes its raw output (machine fingerprint included) to docs/bench/instances-<date>.json.
 * Run as root, by absolute path: `node "$PWD/dist/bench/instances.js" [rounds] [--part instances|first-query|all]`.
 */
import { parseArgs } from 'node:util';
import { RunEvents } from '../src/engine/events.js';
import { runScenario } from '../src/engine/run.js';
import { decodeHistogram, summarize } from '../src/metrics/histogram.js';
import type { RunResult } from '../src/results/types.js';
import { parseScenario } from '../src/scenario/load.js';
import { STRATEGIES } from '../src/scenario/schema.js';
import { waitForQuiet } from './quiet.js';
import { machineFingerprint, writeRaw } from './record.js';
import { median } from './stats.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { part: { type: 'string', default: 'all' } },
});
const ROUNDS = Number(positionals[0] ?? 2);
const SIZES = [1, 8];

const VARIANTS = [
  { label: 'process+coldpath', runtime: 'process', network: 'coldpath' },
  { label: 'oci+coldpath', runtime: 'oci', network: 'coldpath' },
  { label: 'process+cni', runtime: 'process', network: 'cni' },
  { label: 'oci+cni', runtime: 'oci', network: 'cni' },
] as const;

/** Phases reported per instance: the ones the variants change, and the network total. */
const PHASES = ['container-link', 'cni-add', 'strategy-attach', 'oci-create', 'oci-start', 'runtime-start', 'first-connect', 'first-response'] as const;
const FIRST_QUERY_PHASES = ['client-load', 'first-connect', 'first-tls', 'first-auth', 'first-query'] as const;

type Figures = Record<string, number>;

/** Per path and burst size: the instances' medians of total, network and each phase (ms). */
function instanceFigures(run: RunResult, phases: readonly string[]): Record<string, Record<string, Figures>> {
  const out: Record<string, Record<string, Figures>> = {};
  for (const path of run.paths) {
    const bySize: Record<string, Figures> = {};
    for (const size of run.scenario.burst.sizes) {
      const instances = path.repetitions.flatMap((rep) => rep.bursts.filter((burst) => burst.size === size).flatMap((burst) => burst.instances.filter((i) => i.outcome === 'ok')));
      if (instances.length === 0) continue;
      const figures: Figures = { instances: instances.length };
      figures['totalMs'] = median(instances.map((i) => (i.totalUs ?? 0) / 1000));
      figures['networkMs'] = median(instances.map((i) => (i.networkUs ?? 0) / 1000));
      for (const phase of phases) {
        const values = instances.flatMap((i) => {
          const spans = i.spans.filter((s) => s.phase === phase);
          return spans.length === 0 ? [] : [spans.reduce((sum, s) => sum + (s.endUs - s.startUs), 0) / 1000];
        });
        if (values.length > 0) figures[`${phase}Ms`] = median(values);
      }
      bySize[`K${size}`] = figures;
    }
    out[path.strategy] = bySize;
  }
  return out;
}

async function measure(raw: object, label: string): Promise<RunResult> {
  await waitForQuiet();
  const started = performance.now();
  const run = await runScenario({ scenario: parseScenario(raw), scenarioSource: 'bench/instances', events: new RunEvents(), signal: new AbortController().signal, argv: ['bench/instances', label] });
  const failed = run.paths.filter((p) => p.outcome !== 'completed').map((p) => `${p.strategy}: ${p.failure?.message ?? p.outcome}`);
  console.log(`  ${label}: ${run.outcome} in ${((performance.now() - started) / 1000).toFixed(1)} s${failed.length > 0 ? ` (${failed.join('; ')})` : ''}`);
  if (run.outcome === 'errored') throw new Error(`${label}: ${run.error?.message ?? 'errored'}`);
  return run;
}

const fmt = (value: number | undefined): string => (value === undefined ? '–' : value.toFixed(1));

async function instancesPart(): Promise<Record<string, unknown>> {
  const rounds: Array<Record<string, ReturnType<typeof instanceFigures>>> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const byVariant: Record<string, ReturnType<typeof instanceFigures>> = {};
    // Rotated per round: no variant always runs first.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
    for (const variant of order) {
      const run = await measure(
        {
          name: `instances-${variant.label.replace('+', '-')}`,
          strategies: [...STRATEGIES],
          repetitions: 2,
          burst: { sizes: SIZES },
          instances: { runtime: variant.runtime, network: variant.network },
          workload: { metrics: ['keepalive'], requests: 200, warmup: 100 },
          reference: { tool: 'none' },
        },
        `round ${round + 1} ${variant.label}`,
      );
      byVariant[variant.label] = instanceFigures(run, PHASES);
    }
    rounds.push(byVariant);
  }
  // Medians over rounds, and each variant's ratio to process+coldpath of the same round.
  const table: Array<Record<string, unknown>> = [];
  for (const strategy of STRATEGIES) {
    for (const size of SIZES) {
      const key = `K${size}`;
      for (const variant of VARIANTS) {
        const of = (name: string): number[] => rounds.flatMap((r) => (r[variant.label]?.[strategy]?.[key]?.[name] === undefined ? [] : [r[variant.label]![strategy]![key]![name]!]));
        const ratio = rounds.flatMap((r) => {
          const mine = r[variant.label]?.[strategy]?.[key]?.['totalMs'];
          const reference = r['process+coldpath']?.[strategy]?.[key]?.['totalMs'];
          return mine === undefined || reference === undefined ? [] : [mine / reference];
        });
        const row: Record<string, unknown> = { strategy, size, variant: variant.label, rounds: of('totalMs').length };
        for (const name of ['totalMs', 'networkMs', ...PHASES.map((p) => `${p}Ms`)]) {
          const values = of(name);
          if (values.length > 0) row[name] = median(values);
        }
        if (ratio.length > 0) row['totalRatioToProcessColdpath'] = median(ratio);
        table.push(row);
        console.log(
          `${strategy.padEnd(10)} K=${String(size).padEnd(2)} ${variant.label.padEnd(17)} cold start ${fmt(row['totalMs'] as number)} ms (×${fmt(row['totalRatioToProcessColdpath'] as number)}), network ${fmt(row['networkMs'] as number)} ms, link ${fmt((row['container-linkMs'] ?? row['cni-addMs']) as number)} ms, runtime ${fmt(((row['oci-createMs'] as number) ?? 0) + ((row['oci-startMs'] as number) ?? 0) + ((row['runtime-startMs'] as number) ?? 0))} ms`,
        );
      }
    }
  }
  return { rounds: ROUNDS, sizes: SIZES, variants: VARIANTS, perRound: rounds, table };
}

/** Warm connection set-up in parts: the median of each part's p50 over repetitions (µs). */
function warmParts(run: RunResult, metric: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const path of run.paths) {
    const parts = new Map<string, number[]>();
    const add = (part: string, histogram: string): void => {
      parts.set(part, [...(parts.get(part) ?? []), summarize(decodeHistogram(histogram)).p50]);
    };
    for (const rep of path.repetitions) {
      for (const warm of rep.warm) {
        if (warm.metric !== metric) continue;
        add('total', warm.histogram);
        for (const [part, histogram] of Object.entries(warm.phases ?? {})) add(part, histogram);
      }
    }
    out[path.strategy] = Object.fromEntries([...parts].map(([part, values]) => [part, median(values)]));
  }
  return out;
}

async function firstQueryPart(): Promise<Record<string, unknown>> {
  const kinds = [
    { kind: 'postgres', service: { name: 'db', kind: 'postgres', postgres: { port: 5432 } }, metrics: ['pg.query', 'pg.connect'], connect: 'pg.connect' },
    { kind: 'redis', service: { name: 'cache', kind: 'redis', redis: { port: 6379 } }, metrics: ['redis.get', 'redis.connect'], connect: 'redis.connect' },
  ] as const;
  const results: Record<string, unknown> = {};
  for (const { kind, service, metrics, connect } of kinds) {
    const runs: RunResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      runs.push(
        await measure(
          {
            name: `first-query-${kind}`,
            strategies: [...STRATEGIES],
            repetitions: 3,
            burst: { sizes: [1], firstRequest: 'service' },
            services: [service],
            workload: { metrics, requests: 500, warmup: 100 },
            reference: { tool: 'none' },
          },
          `round ${round + 1} ${kind}`,
        ),
      );
    }
    const cold = runs.map((run) => instanceFigures(run, FIRST_QUERY_PHASES));
    const warm = runs.map((run) => warmParts(run, connect));
    results[kind] = { cold, warm };
    for (const strategy of STRATEGIES) {
      const coldOf = (name: string): number | undefined => {
        const values = cold.flatMap((c) => (c[strategy]?.['K1']?.[name] === undefined ? [] : [c[strategy]!['K1']![name]!]));
        return values.length === 0 ? undefined : median(values);
      };
      const warmOf = (part: string): number | undefined => {
        const values = warm.flatMap((w) => (w[strategy]?.[part] === undefined ? [] : [w[strategy]![part]!]));
        return values.length === 0 ? undefined : median(values);
      };
      console.log(
        `${kind.padEnd(8)} ${strategy.padEnd(10)} cold: ${FIRST_QUERY_PHASES.map((p) => `${p} ${fmt(coldOf(`${p}Ms`))}`).join(', ')} ms (end to end ${fmt(coldOf('totalMs'))} ms); ` +
          `warm ${connect}: ${['total', 'tcp', 'tls', 'auth', 'query', 'command'].flatMap((p) => (warmOf(p) === undefined ? [] : [`${p} ${fmt(warmOf(p))}`])).join(', ')} µs`,
      );
    }
  }
  return results;
}

const data: Record<string, unknown> = { rounds: ROUNDS };
if (args.part === 'all' || args.part === 'instances') data['instances'] = await instancesPart();
if (args.part === 'all' || args.part === 'first-query') data['firstQuery'] = await firstQueryPart();
const file = writeRaw('instances', await machineFingerprint(), data);
console.log(`raw output: ${file}`);
