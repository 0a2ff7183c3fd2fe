/**
 * Micro-benchmarks (tinybench) of the code on the measurement's hot and warm
 * paths: recording and merging histograms, rendering a burst's plans into
 * batched commands, reading and summarising a run. Reference in the same run: a plain
 * array push of the same values (the floor of any recording).
 * Run: `node dist/bench/micro.js` (no privileges).
 */
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { toSteps } from '../src/kernel/batch.js';
import { renderOp } from '../src/kernel/render.js';
import { createHistogram, encodeHistogram, mergeEncoded, recordMicros } from '../src/metrics/histogram.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { readRun } from '../src/results/store.js';
import { summarizeRun } from '../src/results/summary.js';
import { parseScenario } from '../src/scenario/load.js';
import { containerLinkPlan, instanceLayout, namespacePlan } from '../src/topology/instance-plan.js';
import { buildLayout } from '../src/topology/layout.js';
import { netnsName } from '../src/topology/naming.js';
import { cpus, release } from 'node:os';
import { writeRaw } from './record.js';

const values = Array.from({ length: 10_000 }, (_, i) => 20 + ((i * 7919) % 5000));
const encoded = Array.from({ length: 8 }, () => {
  const h = createHistogram('latency');
  for (const v of values) recordMicros(h, v);
  return encodeHistogram(h);
});
const layout = buildLayout(parseScenario({}), 'abcd');
const instances = Array.from({ length: 128 }, (_, i) => instanceLayout(layout, i, 0, i));
const runFile = join(PACKAGE_ROOT, 'test/fixtures/run-small/run.json');
const run = readRun(runFile);

const bench = new Bench({ time: 500 });
bench
  .add('reference: push 10k numbers into an array', () => {
    const array: number[] = [];
    for (const v of values) array.push(v);
  })
  .add('record 10k latencies into an HDR histogram', () => {
    const h = createHistogram('latency');
    for (const v of values) recordMicros(h, v);
  })
  .add('merge 8 encoded histograms', () => {
    mergeEncoded('latency', encoded);
  })
  .add('render + batch the plans of a 128-instance burst', () => {
    const commands = instances.flatMap((i) => [...namespacePlan(i).ops, ...containerLinkPlan(i).ops]).flatMap((op) => renderOp(op, (n) => netnsName('abcd', n)));
    toSteps(commands);
  })
  .add('read a run.json (fixture, 98 kB: JSON, migration from version 1, schema)', () => {
    readRun(runFile);
  })
  .add('summarise a run (fixture: 4 paths, 2 repetitions)', () => {
    summarizeRun(run);
  });
await bench.run();
const results = bench.tasks.map((task) => {
  const r = task.result as { state?: string; latency?: { p50?: number; mean?: number }; throughput?: { mean?: number } } | undefined;
  return { task: task.name, medianMs: r?.latency?.p50, meanMs: r?.latency?.mean };
});
console.table(results.map((r) => ({ task: r.task, 'median ms': r.medianMs?.toFixed(4), 'mean ms': r.meanMs?.toFixed(4) })));
// No kernel features are probed here (it needs no root): the fingerprint is the machine's, without them.
console.log(`raw output: ${writeRaw('micro', undefined, { machine: { cpuModel: cpus()[0]?.model.trim(), cpuCount: cpus().length, kernel: release(), node: process.version }, results })}`);
