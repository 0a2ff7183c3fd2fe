/**
 * Building and tearing down 100 containers on one function host (issue 2:
 * ≤ 1 s in total on a 2-core machine). Reference measured in the same run:
 * the naive way, one `ip` process per command (what Mininet-style code does).
 * Run as root: `node dist/bench/topology.js [containers] [rounds]`.
 */
import { spawnSync } from 'node:child_process';
import { KernelDriver } from '../src/kernel/driver.js';
import { Ledger } from '../src/kernel/ledger.js';
import { undo } from '../src/kernel/teardown.js';
import { parseScenario } from '../src/scenario/load.js';
import { basePlan } from '../src/topology/base-plan.js';
import { containerLinkPlan, instanceDeletePlan, instanceLayout, namespacePlan } from '../src/topology/instance-plan.js';
import { buildLayout } from '../src/topology/layout.js';
import { newRunTag } from '../src/topology/naming.js';
import { median, ms } from './stats.js';

const CONTAINERS = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 5);
const PARALLELISM = 8;

async function coldpathRound(): Promise<{ buildMs: number; teardownMs: number }> {
  const ledger = Ledger.create(newRunTag())!;
  const driver = new KernelDriver(ledger);
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

/** One process per command, the same kernel work. */
function naiveRound(): { buildMs: number; teardownMs: number } {
  const tag = newRunTag();
  const host = `coldpath-${tag}-naive`;
  const ip = (...args: string[]): void => {
    const result = spawnSync('ip', args);
    if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.toString()}`);
  };
  ip('netns', 'add', host);
  ip('-n', host, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', host, 'link', 'set', 'br0', 'up');
  const names = Array.from({ length: CONTAINERS }, (_, i) => `coldpath-${tag}-naive-c${i}`);
  const started = performance.now();
  names.forEach((ns, i) => {
    ip('netns', 'add', ns);
    ip('-n', host, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', host, 'link', 'set', `v${i}`, 'master', 'br0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `100.64.${i >> 8}.${(i & 255) + 2}/16`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
  });
  const buildMs = performance.now() - started;
  const teardownStarted = performance.now();
  for (const ns of names) ip('netns', 'del', ns);
  const teardownMs = performance.now() - teardownStarted;
  ip('netns', 'del', host);
  return { buildMs, teardownMs };
}

const ours: Array<{ buildMs: number; teardownMs: number }> = [];
const naive: Array<{ buildMs: number; teardownMs: number }> = [];
for (let round = 0; round < ROUNDS; round++) {
  ours.push(await coldpathRound());
  naive.push(naiveRound());
}
const total = (r: { buildMs: number; teardownMs: number }): number => r.buildMs + r.teardownMs;
const oursTotal = median(ours.map(total));
const naiveTotal = median(naive.map(total));
console.log(`topology: ${CONTAINERS} containers on one host, ${ROUNDS} rounds (medians)`);
console.log(
  `  coldpath   build ${ms(median(ours.map((r) => r.buildMs)))}  teardown ${ms(median(ours.map((r) => r.teardownMs)))}  total ${ms(oursTotal)}  (budget 1000 ms: ${oursTotal <= 1000 ? 'met' : 'MISSED'})`,
);
console.log(`  reference  build ${ms(median(naive.map((r) => r.buildMs)))}  teardown ${ms(median(naive.map((r) => r.teardownMs)))}  total ${ms(naiveTotal)}  (one ip process per command)`);
console.log(`  ratio coldpath / reference: ${(oursTotal / naiveTotal).toFixed(2)}`);
