/**
 * Building and tearing down 100 containers on one function host (issue 2:
 * ≤ 1 s in total on a 2-core machine). Reference measured in the same run:
 * the naive way, one `ip` process per command (what Mininet-style code
 * does), with the same parallelism as coldpath (8 containers in flight).
 * Run as root: `node dist/bench/topology.js [containers] [rounds]`; raw
 * output in docs/bench/topology-<date>.json.
 */
import { spawn } from 'node:child_process';
import { LocalKernelDriver } from '../src/kernel/driver.js';
import { Ledger } from '../src/kernel/ledger.js';
import { undo } from '../src/kernel/teardown.js';
import { parseScenario } from '../src/scenario/load.js';
import { basePlan } from '../src/topology/base-plan.js';
import { containerLinkPlan, instanceDeletePlan, instanceLayout, namespacePlan } from '../src/topology/instance-plan.js';
import { buildLayout } from '../src/topology/layout.js';
import { newRunTag } from '../src/topology/naming.js';
import { machineFingerprint, writeRaw } from './record.js';
import { median, ms } from './stats.js';

const CONTAINERS = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 5);
const PARALLELISM = 8;

async function coldpathRound(): Promise<{ buildMs: number; teardownMs: number }> {
  const ledger = Ledger.create(newRunTag())!;
  const driver = new LocalKernelDriver(ledger);
  const layout = buildLayout(parseScenario({}), ledger.tag);
  try {
    driver.openRootSessions(4);
    await driver.apply(basePlan(layout));
    driver.openSession(layout.hosts[0]!.node);
    const instances = Array.from({ length: CONTAINERS }, (_, i) => instanceLayout(layout, i, 0, i));
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLELISM }, async () => {
        while (next < instances.length) {
          const instance = instances[next++]!;
          await driver.apply(namespacePlan(instance));
          await driver.apply(containerLinkPlan(instance));
        }
      }),
    );
    const buildMs = performance.now() - started;
    const teardownStarted = performance.now();
    await driver.apply(instanceDeletePlan(instances));
    return { buildMs, teardownMs: performance.now() - teardownStarted };
  } finally {
    await driver.closeAll();
    await undo(ledger.read());
    ledger.remove();
  }
}

/** One process per command, the same kernel work, PARALLELISM containers in flight as coldpath has. */
async function naiveRound(): Promise<{ buildMs: number; teardownMs: number }> {
  const tag = newRunTag();
  const host = `coldpath-${tag}-naive`;
  const ip = (...args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ip ${args.join(' ')}: ${stderr}`))));
    });
  const inParallel = async (count: number, work: (i: number) => Promise<void>): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLELISM }, async () => {
        while (next < count) await work(next++);
      }),
    );
  };
  await ip('netns', 'add', host);
  await ip('-n', host, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', host, 'link', 'set', 'br0', 'up');
  const names = Array.from({ length: CONTAINERS }, (_, i) => `coldpath-${tag}-naive-c${i}`);
  const started = performance.now();
  await inParallel(names.length, async (i) => {
    const ns = names[i] as string;
    await ip('netns', 'add', ns);
    await ip('-n', host, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ip('-n', host, 'link', 'set', `v${i}`, 'master', 'br0', 'up');
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip('-n', ns, 'addr', 'add', `100.64.${i >> 8}.${(i & 255) + 2}/16`, 'dev', 'eth0');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
  });
  const buildMs = performance.now() - started;
  const teardownStarted = performance.now();
  await inParallel(names.length, (i) => ip('netns', 'del', names[i] as string));
  const teardownMs = performance.now() - teardownStarted;
  await ip('netns', 'del', host);
  return { buildMs, teardownMs };
}

const ours: Array<{ buildMs: number; teardownMs: number }> = [];
const naive: Array<{ buildMs: number; teardownMs: number }> = [];
for (let round = 0; round < ROUNDS; round++) {
  ours.push(await coldpathRound());
  naive.push(await naiveRound());
}
const total = (r: { buildMs: number; teardownMs: number }): number => r.buildMs + r.teardownMs;
const oursTotal = median(ours.map(total));
const naiveTotal = median(naive.map(total));
console.log(`topology: ${CONTAINERS} containers on one host, ${ROUNDS} rounds (medians)`);
console.log(
  `  coldpath   build ${ms(median(ours.map((r) => r.buildMs)))}  teardown ${ms(median(ours.map((r) => r.teardownMs)))}  total ${ms(oursTotal)}  (budget 1000 ms: ${oursTotal <= 1000 ? 'met' : 'MISSED'})`,
);
console.log(
  `  reference  build ${ms(median(naive.map((r) => r.buildMs)))}  teardown ${ms(median(naive.map((r) => r.teardownMs)))}  total ${ms(naiveTotal)}  (one ip process per command, ${PARALLELISM} in flight)`,
);
console.log(`  ratio coldpath / reference: ${(oursTotal / naiveTotal).toFixed(2)}`);
console.log(`raw output: ${writeRaw('topology', await machineFingerprint(), { containers: CONTAINERS, rounds: ROUNDS, parallelism: PARALLELISM, coldpath: ours, reference: naive })}`);
