/**
 * With the proxy pool built and an ENI attached to the same instance, traffic
 * to the user VPC through the ENI must not touch the proxy (its nft counters
 * stay still); traffic from a plain instance goes through the proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPathCounters } from '../../src/engine/verify.js';
import { PROXY_COUNTERS, PROXY_TABLE } from '../../src/strategies/gre-proxy.js';
import { LocalKernelDriver } from '../../src/kernel/driver.js';
import { Ledger } from '../../src/kernel/ledger.js';
import { undo } from '../../src/kernel/teardown.js';
import { runCommand } from '../../src/exec/run-command.js';
import { parseScenario } from '../../src/scenario/load.js';
import { ServiceProcess } from '../../src/services/service-process.js';
import { createStrategy } from '../../src/strategies/index.js';
import type { Strategy } from '../../src/strategies/types.js';
import { basePlan } from '../../src/topology/base-plan.js';
import { containerLinkPlan, instanceLayout, namespacePlan } from '../../src/topology/instance-plan.js';
import { buildLayout, type Layout } from '../../src/topology/layout.js';
import { newRunTag } from '../../src/topology/naming.js';
import { namespacesOf } from './helpers.js';

/** One HTTP request from inside a namespace, with the kernel's own tools (no probe). */
async function curlFrom(driver: LocalKernelDriver, node: string, url: string): Promise<void> {
  await runCommand([
    'ip',
    'netns',
    'exec',
    driver.netnsOf(node),
    process.execPath,
    '-e',
    `fetch(${JSON.stringify(url)}).then((r) => r.text()).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); })`,
  ]);
}

describe('path isolation', () => {
  let ledger: Ledger;
  let driver: LocalKernelDriver;
  let layout: Layout;
  let service: ServiceProcess;
  let proxy: Strategy;
  let eni: Strategy;

  beforeAll(async () => {
    ledger = Ledger.create(newRunTag())!;
    driver = new LocalKernelDriver(ledger);
    const scenario = parseScenario({ strategies: ['eni', 'gre-proxy'] });
    layout = buildLayout(scenario, ledger.tag);
    const tunnel = { requested: 'vxlan' as const, used: 'vxlan' as const, reason: 'test' };
    proxy = createStrategy('gre-proxy', { scenario, layout, tunnel });
    eni = createStrategy('eni', { scenario, layout, tunnel });
    await driver.apply(basePlan(layout));
    const prewarm = proxy.prewarm();
    if (!prewarm.ok) throw new Error(prewarm.message);
    await driver.apply(prewarm.plan);
    const s = layout.userServices[0]!;
    service = await ServiceProcess.start({
      driver,
      node: s.node,
      args: { name: s.name, bind: '0.0.0.0', httpPort: s.httpPort, echoPort: s.echoPort, responseBytes: 16, delayMicros: 0 },
      cpus: [],
    });
  });

  afterAll(async () => {
    await service?.stop();
    await driver?.closeAll();
    await undo(ledger.read());
    ledger.remove();
    expect(namespacesOf(ledger.tag)).toEqual([]);
  });

  it('counts packets on the proxy only for traffic that takes the proxy', async () => {
    const url = `http://${layout.userServices[0]!.address}:8080/`;
    const withEni = instanceLayout(layout, 1, 0, 1);
    await driver.apply(namespacePlan(withEni));
    await driver.apply(containerLinkPlan(withEni));
    const attach = eni.attach(withEni);
    if (!attach.ok) throw new Error(attach.message);
    await driver.apply(attach.plan);
    const plain = instanceLayout(layout, 2, 0, 2);
    await driver.apply(namespacePlan(plain));
    await driver.apply(containerLinkPlan(plain));

    const counters = [{ node: layout.proxies[0]!.node, table: PROXY_TABLE, ...PROXY_COUNTERS }];
    const start = await readPathCounters(driver, counters);
    await curlFrom(driver, withEni.node, url);
    await curlFrom(driver, withEni.node, url);
    expect(await readPathCounters(driver, counters)).toEqual(start);
    expect((await service.stats()).sources).toEqual({ [attach.expectedSource]: 2 });

    await curlFrom(driver, plain.node, url);
    const after = await readPathCounters(driver, counters);
    expect(after.out).toBeGreaterThan(start.out);
    expect(after.back).toBeGreaterThan(start.back);
    expect((await service.stats()).sources).toEqual({ [attach.expectedSource]: 2, [layout.proxies[0]!.userAddress]: 1 });
  });
});
