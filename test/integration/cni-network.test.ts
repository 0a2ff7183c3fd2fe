/**
 * instances.network: cni end to end: every instance's network is made by the
 * standard CNI plugins (loopback, bridge + host-local from Debian's
 * containernetworking-plugins) in the function host's namespace; paths verify
 * as with coldpath's own container link, timelines carry cni-add, DEL releases
 * the addresses, and nothing is left — neither after a normal run nor, with
 * `coldpath clean`, after kill -9. Nothing is ever made in the root namespace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Ledger, ownerOf, stateDir } from '../../src/kernel/ledger.js';
import { isAlive } from '../../src/kernel/processes.js';
import { ENI_DEV } from '../../src/strategies/eni.js';
import { allColdpathNamespaces, ledgerDirs, namespacesOf, newNamespacesNotOfOtherRuns, rootNamespaceState, runCli, runVerified, scenarioFile, startCli, tempDir } from './helpers.js';

const liveLedger = (tag: string): boolean => {
  const owner = ownerOf(Ledger.open(tag).read());
  return owner !== undefined && isAlive(owner.pid);
};

const CNI = { instances: { network: 'cni' }, reference: { tool: 'none' } };

/** host-local's allocation files of the run (one per address in use, named after it), with their contents (the container id first). */
function allocations(tag: string): Map<string, string> {
  const dir = join(stateDir(), tag, 'cni', 'coldpath-fh0');
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) files.set(name, readFileSync(join(dir, name), 'utf8'));
  return files;
}

/** The veths in a namespace (the bridge plugin names the host end veth<hex>). */
function veths(netns: string): string[] {
  const result = spawnSync('ip', ['-n', netns, '-j', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' });
  return (JSON.parse(result.stdout.trim() || '[]') as Array<{ ifname: string }>).map((link) => link.ifname);
}

/** What host-local would have made in its default directory for coldpath's networks. */
const defaultIpamDirs = (): string[] => (existsSync('/var/lib/cni/networks') ? readdirSync('/var/lib/cni/networks').filter((name) => name.startsWith('coldpath-')) : []);

async function waitFor(condition: () => boolean, timeoutMs: number, what: string, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${detail() === '' ? '' : `\n${detail()}`}`);
    await sleep(50);
  }
}

describe('instances.network: cni', () => {
  it('without the plugins: exit 3 naming the Debian package, before anything is created', async () => {
    const before = { netns: allColdpathNamespaces(), ledgers: ledgerDirs(), root: rootNamespaceState() };
    const empty = tempDir('coldpath-cni-');
    const result = await runCli(['run', scenarioFile({ ...CNI, strategies: ['baseline'] }), '--out', tempDir()], { env: { ...process.env, COLDPATH_CNI_PATH: empty } });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`instances.network: cni needs the CNI plugins loopback, bridge, host-local in ${empty}, which are not installed`);
    expect(result.stderr).toMatch(/hint: apt-get install -y containernetworking-plugins \(Debian package containernetworking-plugins\)/);
    expect(newNamespacesNotOfOtherRuns(before.netns, result.pid)).toEqual([]);
    expect(ledgerDirs().filter((dir) => !before.ledgers.includes(dir) && !liveLedger(dir))).toEqual([]);
    expect(rootNamespaceState()).toBe(before.root);
  });

  it('runs every path with the CNI plugins and OCI containers: paths verify, timelines have cni-add in place of container-link and the runtime phases, nothing is left', async () => {
    const before = { root: rootNamespaceState(), ipam: defaultIpamDirs() };
    // Real instances as the issue asks: crun containers (runtime: oci) on CNI networks; process + cni is the tests below.
    const scenario = {
      ...CNI,
      instances: { runtime: 'oci', network: 'cni' },
      strategies: ['baseline', 'eni', 'peering', 'gre-proxy'],
      repetitions: 1,
      burst: { sizes: [2] },
      workload: { metrics: ['keepalive'], requests: 200, warmup: 100 },
    };
    const run = await runVerified(scenario);
    expect(run.scenario.instances).toEqual({ runtime: 'oci', network: 'cni' });
    for (const path of run.paths) {
      const burst = path.repetitions[0]!.bursts[0]!;
      for (const instance of burst.instances) {
        const phases = instance.spans.map((span) => span.phase);
        expect(phases).toContain('cni-add');
        expect(phases).not.toContain('container-link');
        expect(phases).toEqual(expect.arrayContaining(['oci-create', 'oci-start', 'runtime-start']));
        const at = (phase: string) => instance.spans.find((span) => span.phase === phase)!;
        expect(at('namespace').endUs).toBeLessThanOrEqual(at('cni-add').startUs);
        expect(at('cni-add').endUs).toBeLessThanOrEqual(at('strategy-attach').startUs);
        // cni-add is network work: in the instance's network time.
        expect(instance.networkUs).toBeGreaterThanOrEqual(at('cni-add').endUs - at('cni-add').startUs);
      }
      expect(Object.keys(burst.histograms)).toContain('cni-add');
      expect(Object.keys(burst.histograms)).not.toContain('container-link');
    }
    // The IPAM state and crun's state (--root) lived in the run's directory: gone with it; nothing in host-local's default directory.
    const { tag } = run;
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(defaultIpamDirs()).toEqual(before.ipam);
    expect(namespacesOf(tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(before.root);
  });

  it('Ctrl-C while instances run: exit 130, the run tears its CNI networks down itself', async () => {
    const before = rootNamespaceState();
    const scenario = { ...CNI, strategies: ['baseline'], repetitions: 1, burst: { sizes: [2] }, workload: { metrics: ['keepalive'], requests: 1_000_000 } };
    const { child, tag, output } = await startCli(['run', scenarioFile(scenario), '--out', tempDir()]);
    await waitFor(
      () => allocations(tag).size >= 1,
      90_000,
      'an allocated address',
      () => output(),
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(namespacesOf(tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(before);
  });

  it("eni: the bridge plugin makes each ENI on the user VPC's bridge too (its address from host-local), and DEL releases it", async () => {
    const before = rootNamespaceState();
    const scenario = { ...CNI, strategies: ['eni'], repetitions: 1, burst: { sizes: [2] }, workload: { metrics: ['keepalive'], requests: 1_000_000 } };
    const { child, tag, output } = await startCli(['run', scenarioFile(scenario), '--out', tempDir()]);
    const cniDir = join(stateDir(), tag, 'cni');
    /** host-local's allocations of the ENI network: one file per ENI address in use. */
    const eniAllocations = (): string[] => {
      const network = existsSync(cniDir) ? readdirSync(cniDir).find((name) => name.startsWith('coldpath-eni-')) : undefined;
      return network === undefined ? [] : readdirSync(join(cniDir, network)).filter((name) => /^\d+\.\d+\.\d+\.\d+$/.test(name));
    };
    try {
      // The burst's two ENIs released, the warm instance's (c2) held: DEL ran for the burst.
      await waitFor(
        () => eniAllocations().length === 1 && allocations(tag).size === 1,
        90_000,
        'the warm instance’s ENI allocated by host-local, the burst’s released',
        () => `eni allocations: ${eniAllocations().join(', ')}\noutput:\n${output()}`,
      );
      const [address] = eniAllocations();
      const shown = spawnSync('ip', ['-n', `coldpath-${tag}-fh0-c2`, '-o', '-4', 'addr', 'show', 'dev', ENI_DEV], { encoding: 'utf8' });
      expect(shown.stdout).toContain(`inet ${address}/`);
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.on('exit', resolve));
    }
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(namespacesOf(tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(before);
  });

  it('DEL releases each address when its instance stops; after kill -9, `coldpath clean` leaves no allocation and no veth', async () => {
    const before = rootNamespaceState();
    const scenario = { ...CNI, strategies: ['baseline'], repetitions: 1, burst: { sizes: [2] }, workload: { metrics: ['keepalive'], requests: 1_000_000 } };
    const { child, tag, output } = await startCli(['run', scenarioFile(scenario), '--out', tempDir()]);
    const host = `coldpath-${tag}-fh0`;
    // The burst's instances are c0 and c1, the warm instance c2: once the burst is over, only c2's address is still allocated.
    const onlyWarm = (): boolean => {
      const files = [...allocations(tag).values()];
      return files.length === 1 && files[0]!.startsWith(`${host}-c2`);
    };
    const seen = (): string => `allocations: ${JSON.stringify([...allocations(tag)])}\noutput:\n${output()}`;
    try {
      await waitFor(onlyWarm, 90_000, 'the burst’s addresses released and the warm instance’s allocated', seen);
    } catch (error) {
      // The run would go on measuring for minutes: stop it (it tears itself down on SIGINT).
      child.kill('SIGINT');
      await new Promise((resolve) => child.on('exit', resolve));
      throw error;
    }
    // The bridge plugin's veths (veth<8 hex>) in the function host's namespace: the warm instance's alone, DEL removed the burst's.
    const hostVeths = veths(host).filter((name) => /^veth[0-9a-f]{8}$/.test(name));
    expect(hostVeths).toHaveLength(1);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(allocations(tag).size).toBe(1);

    const clean = await runCli(['clean']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(allocations(tag).size).toBe(0);
    expect(namespacesOf(tag)).toEqual([]);
    // The host's namespace is gone, and with it the veths: none of them went anywhere else.
    const rootLinks = spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' }).stdout;
    for (const veth of hostVeths) expect(rootLinks).not.toContain(`"${veth}"`);
    expect(rootNamespaceState()).toBe(before);
  });
});
