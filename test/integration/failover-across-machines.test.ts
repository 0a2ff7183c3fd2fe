/**
 * The `failover` experiment across four emulated machines (machines.ts; issue
 * 12, "the HA pair's failover"): `coldpath run --hosts` with `executor: ssh`,
 * the active proxy px0 on proxy-1 and the standby px1 on proxy-2, each
 * running real keepalived (VRRP unicast adverts and gratuitous ARP between two
 * machines' macvlan children on the VPC wires), its configuration and pid
 * files in the run's ledger directory on its own machine, the crash's kill
 * sent to proxy-1's agent. Requests from fn-1 to svc-1 go through the VIPs,
 * the standby takes both, requests resume. This kernel has no ip_gre, so
 * VXLAN stands in; the QEMU tier is the next step (docs/design-notes.md).
 * fn-1 and proxy-2 run on clocks of their own (time namespaces): the
 * requests' stamps are mapped onto the coordinator's through fn-1's estimate.
 * A kill -9 of the coordinator mid-failover leaves keepalived on the proxies;
 * `coldpath clean --hosts` removes it with everything else.
 * Needs root, dist/, keepalived, Debian's openssh-server and openssh-client
 * and a kernel with time namespaces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnCli, scenarioFile, tempDir, waitFor } from './helpers.js';
import type { Machine } from '../../bench/emulated-machines.js';
import { expectNothingLeftOn, nodesOn, runAcrossMachines } from './across-machines.js';

const LOAD = [
  { metric: 'keepalive', rate: 200, concurrency: 4 },
  { metric: 'newconn', rate: 50, concurrency: 8 },
];

/** The baseline path only (the experiment builds its own proxy pair); a crash, then a graceful stop. */
const SCENARIO = {
  name: 'failover-across-machines-test',
  strategies: ['baseline'],
  tunnel: 'vxlan',
  functionHosts: 1,
  repetitions: 1,
  burst: { sizes: [1] },
  workload: { requests: 50, warmup: 10, metrics: ['keepalive'] },
  cpu: { placement: 'none' },
  reference: { tool: 'none' },
  experiments: [
    { kind: 'failover', name: 'crash', mode: 'crash', advertIntervalMs: 20, beforeMs: 500, afterMs: 1500, load: LOAD },
    { kind: 'failover', name: 'graceful', mode: 'graceful', advertIntervalMs: 20, beforeMs: 500, afterMs: 1500, load: LOAD },
  ],
};

/**
 * The run's keepalived processes on a machine: their command line names its ledger directory there (the config
 * file). The pattern is bracketed so that it does not match the shell that runs pgrep (the machines share this
 * host's pid namespace, and that shell's command line holds the pattern).
 */
async function keepalivedOf(machine: Machine): Promise<string[]> {
  const tags = (await machine.exec(['ls', '-A', '/run/coldpath'])).stdout.split('\n').filter((t) => t.trim() !== '');
  const found = await Promise.all(tags.map(async (tag) => (await machine.exec(['sh', '-c', `pgrep -f -- '[/]run/coldpath/${tag}/keepalived' || true`])).stdout.trim()));
  return found.flatMap((text) => text.split('\n')).filter((pid) => pid !== '');
}

const agentsIn = (machine: Machine): number[] =>
  machine.processes().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes('coldpath.js agent');
    } catch {
      return false;
    }
  });

describe('the failover experiment across machines (executor ssh, four machines, VXLAN)', () => {
  const across = runAcrossMachines(
    {
      prefix: 'cpm-fo',
      machines: [
        { name: 'fn-1', role: 'function-host', monotonicOffsetS: 300 },
        { name: 'proxy-1', role: 'proxy' },
        { name: 'proxy-2', role: 'proxy', monotonicOffsetS: 600 },
        { name: 'svc-1', role: 'service-host' },
      ],
    },
    SCENARIO,
  );
  const { machines, coordinator, run: theRun } = across;

  const failoverOf = (name: string) => {
    const f = theRun().experiments.find((e) => e.name === name);
    if (f?.kind !== 'failover') throw new Error(`no failover experiment ${name}`);
    expect(f.outcome, f.message).toBe('completed');
    if (f.measured === undefined) throw new Error(`${name}: nothing measured`);
    return f;
  };

  it('places the active proxy on proxy-1 and the standby on proxy-2', () => {
    expect(nodesOn(theRun(), 'fn-1')).toContain('fh0');
    expect(nodesOn(theRun(), 'proxy-1')).toContain('px0');
    expect(nodesOn(theRun(), 'proxy-2')).toContain('px1');
    expect(nodesOn(theRun(), 'proxy-1')).not.toContain('px1');
    expect(nodesOn(theRun(), 'svc-1').some((n) => n.startsWith('us-'))).toBe(true);
  });

  it('crash of proxy-1: the standby on proxy-2 takes both VIPs and requests resume', () => {
    const f = failoverOf('crash');
    const m = f.measured!;
    expect(f.config?.tunnel).toBe('vxlan');
    expect(m.verdict).toBe('moved');
    expect(m.vipOnStandbyUs.platform).not.toBeNull();
    expect(m.vipOnStandbyUs.user).not.toBeNull();
    // Within a generous multiple of VRRP's bound (3 × 20 ms + skew), as on one machine.
    expect(m.vipOnStandbyUs.platform!).toBeGreaterThan(0);
    expect(m.vipOnStandbyUs.platform!).toBeLessThan(m.bound.masterDownUs * 10);
    for (const instance of ['plat', 'user']) expect(m.transitions.some((t) => t.node === 'px1' && t.state === 'MASTER' && t.instance === instance)).toBe(true);
    expect(m.resumedUs).not.toBeNull();
    expect(m.gapUs).toBeGreaterThan(0);
    expect(m.gapUs!).toBeLessThan(1_500_000);
    const moved = Math.max(m.vipOnStandbyUs.platform!, m.vipOnStandbyUs.user!);
    const index = Math.floor((moved - m.timeline.startUs) / m.timeline.bucketUs) + 1;
    expect(m.timeline.ok.slice(index).reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
    expect(m.tally.ok).toBeGreaterThan(m.tally.requests * 0.8);
    expect(Object.keys(m.sources)).toEqual([f.config?.vips.user]);
    expect(f.notes.some((n) => /^timing: the fault instant is known to ±/.test(n))).toBe(true);
    console.log(
      `[failover across machines] crash: VIPs on px1 after ${(m.vipOnStandbyUs.platform! / 1000).toFixed(1)} / ${(m.vipOnStandbyUs.user! / 1000).toFixed(1)} ms (bound ${(m.bound.masterDownUs / 1000).toFixed(1)} ms), gap ${(m.gapUs! / 1000).toFixed(1)} ms, resumed after ${(m.resumedUs! / 1000).toFixed(1)} ms, ${m.tally.ok}/${m.tally.requests} ok; ${f.notes.join(' | ')}`,
    );
  });

  it('graceful stop on proxy-1: priority 0, the standby takes over, requests resume', () => {
    const f = failoverOf('graceful');
    const m = f.measured!;
    expect(m.verdict).toBe('moved');
    expect(m.transitions.some((t) => t.node === 'px0' && t.state === 'STOP')).toBe(true);
    expect(m.resumedUs).not.toBeNull();
    expect(m.tally.ok).toBeGreaterThan(m.tally.requests * 0.8);
    console.log(
      `[failover across machines] graceful: VIPs on px1 after ${(m.vipOnStandbyUs.platform! / 1000).toFixed(1)} ms, off px0 after ${((m.vipOffActiveUs.platform ?? Number.NaN) / 1000).toFixed(1)} ms, gap ${((m.gapUs ?? Number.NaN) / 1000).toFixed(1)} ms, ${m.tally.ok}/${m.tally.requests} ok`,
    );
  });

  it('leaves nothing on any machine: no namespace, no ledger directory (keepalived files went with it), no keepalived', async () => {
    await expectNothingLeftOn(machines(), theRun());
    const keepalived = await machines()
      .machine('proxy-1')
      .exec(['sh', '-c', `pgrep -a keepalived | grep -- '${theRun().tag}' || true`]);
    expect(keepalived.stdout.trim()).toBe('');
  });

  it('kill -9 of the coordinator mid-failover: clean --hosts removes everything on every machine, keepalived included', async () => {
    const scenario = {
      ...SCENARIO,
      experiments: [{ kind: 'failover', name: 'long', mode: 'crash', advertIntervalMs: 20, beforeMs: 60_000, afterMs: 1000, load: [{ metric: 'keepalive', rate: 20, concurrency: 1 }] }],
    };
    const run = spawnCli(['run', scenarioFile(scenario), '--hosts', machines().inventoryFile, '--out', tempDir()], { wrapper: machines().wrapper, timeoutMs: 240_000 });
    const proxies = [machines().machine('proxy-1'), machines().machine('proxy-2')];
    await waitFor(async () => (await Promise.all(proxies.map(keepalivedOf))).every((pids) => pids.length > 0), 120_000, 'keepalived on both proxies');
    run.child.kill('SIGKILL');
    await run.done;
    // The agents read end of input and exit; they kill nothing. keepalived logs to the agent's pipes, so its next
    // line after that may end it (SIGPIPE); whatever is left (the namespaces, a keepalived) is in the agents' ledgers.
    await waitFor(async () => proxies.every((m) => agentsIn(m).length === 0), 20_000, "the proxies' agents to exit");
    const netnsLeft = await proxies[0]!.exec(['ip', 'netns', 'list']);
    expect(netnsLeft.stdout.trim(), 'proxy-1 before clean').not.toBe('');
    // The machines share this host's pid namespace: one look counts the run's keepalived on both proxies.
    console.log(`[failover across machines] after kill -9 of the coordinator: ${(await keepalivedOf(proxies[0]!)).length} keepalived processes of the run left (both proxies)`);
    const clean = await coordinator(['clean', '--hosts', machines().inventoryFile]);
    expect(clean.code, clean.stderr).toBe(0);
    for (const machine of machines().machines) {
      const netns = await machine.exec(['ip', 'netns', 'list']);
      const ledgers = await machine.exec(['ls', '-A', '/run/coldpath']);
      expect({ netns: netns.stdout.trim(), ledgers: ledgers.stdout.trim() }, machine.name).toEqual({ netns: '', ledgers: '' });
    }
    // Every machine's processes are in this host's pid namespace: one look finds a keepalived of the run on any of them.
    // A process clean has just killed may still be exiting for a moment (seen once): give it that moment.
    const left = async (): Promise<string> => (await machines().machine('proxy-1').exec(['sh', '-c', "pgrep -af -- '[/]run/coldpath/' || true"])).stdout.trim();
    await waitFor(async () => (await left()) === '', 5000, 'no keepalived of the run left').catch(() => undefined);
    expect(await left()).toBe('');
  }, 300_000);
});
