/**
 * Cross-check against the tools experts trust: on the same paths and CPUs (main
 * threads of the Node.js probe and service on one CPU, their helper threads on the other, as in a run),
 * coldpath's echo (TCP ping-pong) next to sockperf ping-pong, and coldpath's
 * keep-alive HTTP next to wrk. The absolute figures differ by the client and
 * server runtimes (C vs Node.js); what must agree is the *path cost*: the
 * difference between the gre-proxy path and the baseline path.
 * Run as root: `node dist/bench/crosscheck.js [seconds]`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LineProcess } from '../src/exec/line-process.js';
import { pinThreads } from '../src/exec/pin-threads.js';
import { runCommand } from '../src/exec/run-command.js';
import { LocalKernelDriver } from '../src/kernel/driver.js';
import { Ledger } from '../src/kernel/ledger.js';
import { undo } from '../src/kernel/teardown.js';
import { decodeHistogram, summarize } from '../src/metrics/histogram.js';
import { ProbeProcess } from '../src/probes/probe-process.js';
import { parseScenario } from '../src/scenario/load.js';
import { ServiceProcess } from '../src/services/service-process.js';
import { createStrategy } from '../src/strategies/index.js';
import { basePlan } from '../src/topology/base-plan.js';
import { containerLinkPlan, instanceLayout, namespacePlan } from '../src/topology/instance-plan.js';
import { buildLayout } from '../src/topology/layout.js';
import { newRunTag } from '../src/topology/naming.js';
import { machineFingerprint, writeRaw } from './record.js';

const SECONDS = Number(process.argv[2] ?? 5);
const CPU = '1';
const HELPER_CPU = 0;
const SOCKPERF_PORT = 11111;

const ledger = Ledger.create(newRunTag())!;
const driver = new LocalKernelDriver(ledger);
const scenario = parseScenario({ strategies: ['baseline', 'gre-proxy'] });
const layout = buildLayout(scenario, ledger.tag);
const longRunning: Array<{ stop: () => Promise<void> }> = [];

function inNetns(node: string, argv: string[], label: string): LineProcess {
  const netns = driver.netnsOf(node);
  const process = new LineProcess({ netns, argv, cpus: [Number(CPU)], label, onSpawn: ledger.recordSpawn(netns) });
  longRunning.push(process);
  return process;
}

/** sockperf ping-pong with full round trips; returns p50 and p99 in µs. */
async function sockperf(node: string, address: string): Promise<{ p50: number; p99: number }> {
  const result = await runCommand(
    ['ip', 'netns', 'exec', driver.netnsOf(node), 'taskset', '-c', CPU, 'sockperf', 'ping-pong', '--tcp', '-i', address, '-p', String(SOCKPERF_PORT), '-t', String(SECONDS), '-m', '64', '--full-rtt'],
    { timeoutMs: (SECONDS + 30) * 1000 },
  );
  const percentile = (p: string): number => Number(new RegExp(`percentile ${p} =\\s*([\\d.]+)`).exec(result.stdout)?.[1] ?? 'NaN');
  return { p50: percentile('50.000'), p99: percentile('99.000') };
}

/** wrk with one connection (keep-alive), latency percentiles in µs. */
async function wrk(node: string, address: string, port: number): Promise<{ p50: number; p99: number }> {
  const result = await runCommand(['ip', 'netns', 'exec', driver.netnsOf(node), 'taskset', '-c', CPU, 'wrk', '-t1', '-c1', `-d${SECONDS}s`, '--latency', `http://${address}:${port}/`], {
    timeoutMs: (SECONDS + 30) * 1000,
  });
  const toMicros = (text: string | undefined): number => {
    const match = /([\d.]+)(us|ms|s)/.exec(text ?? '');
    if (match === null) return Number.NaN;
    return Number(match[1]) * (match[2] === 'us' ? 1 : match[2] === 'ms' ? 1000 : 1e6);
  };
  return { p50: toMicros(/\s50%\s+(\S+)/.exec(result.stdout)?.[1]), p99: toMicros(/\s99%\s+(\S+)/.exec(result.stdout)?.[1]) };
}

async function coldpath(probe: ProbeProcess, metric: 'echo' | 'keepalive', address: string, port: number): Promise<{ p50: number; p99: number }> {
  const requests = metric === 'echo' ? 20_000 : 10_000;
  const result = await probe.measure({ metric, host: address, port, requests, warmup: 3000, concurrency: 1, loop: 'closed', timeoutMs: 2000 }, 300_000);
  const summary = summarize(decodeHistogram(result.histogram));
  return { p50: summary.p50, p99: summary.p99 };
}

try {
  driver.openRootSessions(1);
  await driver.apply(basePlan(layout));
  const proxy = createStrategy('gre-proxy', { scenario, layout, tunnel: { requested: 'vxlan', used: 'vxlan', reason: 'this kernel' } });
  const prewarm = proxy.prewarm();
  if (!prewarm.ok) throw new Error(prewarm.message);
  await driver.apply(prewarm.plan);
  const instance = instanceLayout(layout, 0, 0, 0);
  await driver.apply(namespacePlan(instance));
  await driver.apply(containerLinkPlan(instance));

  const targets = [
    { path: 'baseline', service: layout.platformServices[0]! },
    { path: 'gre-proxy', service: layout.userServices[0]! },
  ];
  for (const { service } of targets) {
    const server = await ServiceProcess.start({
      driver,
      node: service.node,
      args: { name: service.name, bind: '0.0.0.0', httpPort: service.httpPort, echoPort: service.echoPort, responseBytes: 64, delayMicros: 0 },
      cpus: [Number(CPU)],
    });
    longRunning.push(server);
    if (server.pid !== undefined) await pinThreads(server.pid, [Number(CPU)], [HELPER_CPU]);
    inNetns(service.node, ['sockperf', 'server', '--tcp', '-i', '0.0.0.0', '-p', String(SOCKPERF_PORT)], `sockperf server on ${service.node}`);
  }
  await sleep(500);
  const probe = new ProbeProcess({ netns: driver.netnsOf(instance.node), args: {}, cpus: [Number(CPU)], onSpawn: ledger.recordSpawn(driver.netnsOf(instance.node)), label: 'probe' });
  longRunning.push(probe);
  await probe.ready(30_000);
  if (probe.pid !== undefined) await pinThreads(probe.pid, [Number(CPU)], [HELPER_CPU]);

  const rows: Array<{ path: string; tool: string; p50: number; p99: number }> = [];
  for (const { path, service } of targets) {
    rows.push({ path, tool: 'sockperf ping-pong (C, RTT)', ...(await sockperf(instance.node, service.address)) });
    rows.push({ path, tool: 'coldpath echo (Node.js, RTT)', ...(await coldpath(probe, 'echo', service.address, service.echoPort)) });
    rows.push({ path, tool: 'wrk keep-alive (C client)', ...(await wrk(instance.node, service.address, service.httpPort)) });
    rows.push({ path, tool: 'coldpath keepalive (minimal client)', ...(await coldpath(probe, 'keepalive', service.address, service.httpPort)) });
  }
  console.log(`cross-check: one container, client and servers pinned to CPU ${CPU}, ${SECONDS} s per tool run; gre-proxy over VXLAN`);
  console.table(rows.map((row) => ({ path: row.path, tool: row.tool, 'p50 µs': row.p50.toFixed(1), 'p99 µs': row.p99.toFixed(1) })));
  for (const tool of new Set(rows.map((row) => row.tool))) {
    const base = rows.find((row) => row.tool === tool && row.path === 'baseline')!;
    const proxied = rows.find((row) => row.tool === tool && row.path === 'gre-proxy')!;
    console.log(`  path cost (gre-proxy − baseline, p50) by ${tool}: ${(proxied.p50 - base.p50).toFixed(1)} µs (×${(proxied.p50 / base.p50).toFixed(2)})`);
  }
  console.log(`raw output: ${writeRaw('crosscheck', await machineFingerprint(), { seconds: SECONDS, cpu: Number(CPU), helperCpu: HELPER_CPU, rows })}`);
} finally {
  await Promise.allSettled(longRunning.map((process) => process.stop()));
  await driver.closeAll();
  await undo(ledger.read());
  ledger.remove();
}
