/** `coldpath run --hosts FILE`: every executor is driven (ssh and kubernetes with the scenario checks for runs across machines); a bad inventory is refused by field, before anything exists. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acrossMachines, checkHostsScenario, loadRunInventory } from '../../../src/executors/run-inventory.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { type ExperimentSpec, experimentSchema } from '../../../src/scenario/experiments.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { isColdpathError, type ColdpathError } from '../../../src/errors.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { parseInventory } from '../../../src/scenario/load-inventory.js';
import { stringify } from 'yaml';

function thrown(work: () => unknown): ColdpathError {
  try {
    work();
  } catch (error) {
    if (isColdpathError(error)) return error;
    throw error;
  }
  throw new Error('expected a ColdpathError');
}

const parse = (spec: Record<string, unknown>): ExperimentSpec => experimentSchema.parse(spec);

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'run-hosts-')), 'hosts.yaml');
  writeFileSync(path, text);
  return path;
}

const HOSTS = `hosts:
  - { name: fn-1, role: function-host, address: fn1, node: w1, nics: { platform: eth0 } }
  - { name: svc-1, role: service-host, address: svc1, node: w2, nics: { user: eth0 } }
`;

describe('run --hosts', () => {
  it('drives examples/hosts/local.yaml', () => {
    const inventory = loadRunInventory(join(PACKAGE_ROOT, 'examples', 'hosts', 'local.yaml'));
    expect(inventory.executor).toBe('local');
    expect(inventory.hosts.map((h) => h.role)).toEqual(['function-host', 'proxy', 'service-host']);
  });

  it('drives executor ssh, and refuses what a run across machines cannot do yet, naming the scenario field', () => {
    const inventory = loadRunInventory(file(`executor: ssh\n${HOSTS}`));
    expect(inventory.executor).toBe('ssh');
    const base = loadScenario(join(PACKAGE_ROOT, 'examples', 'hosts', 'scenario.yaml')).scenario;
    expect(() => checkHostsScenario(base)).not.toThrow();
    // sockperf runs through the agents, beside the probes: the reference is measured across machines too.
    expect(() => checkHostsScenario({ ...base, reference: { ...base.reference, tool: 'sockperf' } })).not.toThrow();
    // The hosts' kernels choose the tunnel once their agents answer (kernel-backend.ts).
    expect(() => checkHostsScenario({ ...base, tunnel: 'auto' })).not.toThrow();
    // tenants goes through the run's KernelDriver (plans, commands, probes, its kernel check): it runs across machines.
    const tenants = parse({ kind: 'tenants', tunnel: 'ipip' });
    expect(() => checkHostsScenario({ ...base, experiments: [tenants, parse({ kind: 'tenants', name: 'again' })] })).not.toThrow();
    // failover too: keepalived, `ip monitor`, their files and the crash's kill are on the proxies' machines.
    expect(() => checkHostsScenario({ ...base, experiments: [tenants, parse({ kind: 'failover' })] })).not.toThrow();
    // nat too: its conntrack and nft counters are read on the proxy's machine, its traces on the probe's clock.
    expect(() => checkHostsScenario({ ...base, experiments: [parse({ kind: 'nat' })] })).not.toThrow();
    const cases: Array<[Partial<Scenario>, string]> = [
      [{ cpu: { ...base.cpu, placement: 'pinned' } }, 'cpu.placement'],
      [{ instances: { ...base.instances, runtime: 'oci' } }, 'instances.runtime'],
      [{ instances: { ...base.instances, network: 'cni' } }, 'instances.network'],
      [{ services: [{ ...base.services[0]!, kind: 'redis' }] }, 'services.0.kind'],
      [{ experiments: [tenants, parse({ kind: 'mtu' })] }, 'experiments.1.kind'],
      [{ experiments: [parse({ kind: 'scaling' })] }, 'experiments.0.kind'],
    ];
    for (const [change, field] of cases) {
      const error = thrown(() => checkHostsScenario({ ...base, ...change }));
      expect(error.kind).toBe('input');
      expect(error.field).toBe(field);
      expect(error.message).toMatch(/not supported across machines yet/);
      expect(error.hint).toBeDefined();
    }
  });

  it('every executor runs: local on this machine, ssh and kubernetes across machines', () => {
    const hosts = [
      { name: 'fn-1', role: 'function-host', node: 'w1', nics: { platform: 'eth0' } },
      { name: 'svc-1', role: 'service-host', node: 'w2', nics: { user: 'eth0' } },
    ];
    const kubernetes = parseInventory({ executor: 'kubernetes', kubernetes: { image: 'localhost/coldpath:dev' }, hosts });
    expect(loadRunInventory(file(stringify(kubernetes))).executor).toBe('kubernetes');
    expect([acrossMachines(kubernetes), acrossMachines({ executor: 'ssh' }), acrossMachines({ executor: 'local' }), acrossMachines(undefined)]).toEqual([true, true, false, false]);
  });

  it('an invalid inventory is an input error naming the field; a missing file names --hosts', () => {
    const bad = thrown(() => loadRunInventory(file('executor: local\nhosts: [{ name: fn-1, role: function-host, nics: {} }]\n')));
    expect(bad.kind).toBe('input');
    expect(bad.message).toMatch(/hosts\.0\.nics\.platform/);
    const missing = thrown(() => loadRunInventory('/nonexistent/hosts.yaml'));
    expect(missing.field).toBe('--hosts');
  });
});
