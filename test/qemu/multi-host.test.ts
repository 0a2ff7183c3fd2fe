/**
 * Three machines, three kernels (issue 12, "Separate kernels"): three QEMU
 * guests — fn-1 (function host), proxy-1 (proxy), svc-1 (service host) — each
 * booting Debian's stock kernel under TCG with its own clock, wired on virtual
 * wires (guests.ts), each running Debian's sshd. From a coordinator namespace
 * on the host, `coldpath run SCENARIO --hosts INVENTORY` (executor ssh) places
 * the scenario's nodes on the guests and drives each guest's `coldpath agent`
 * over real ssh, with `tunnel: gre`: real GRE between two separate kernels,
 * seen on the wire between them. A second run does the same with the `tenants`
 * experiment over GRE and over IPIP (issue 12's seed question across kernels):
 * tenant B's IPIP tunnel refused by fn-1's and proxy-1's kernels ("File
 * exists"), its requests delivered to tenant A's side on svc-1, IPIP (IP
 * protocol 4) and both GRE keys seen on the wire between fn-1 and proxy-1.
 * A third run adds a fourth guest, proxy-2: the HA pair's failover over GRE
 * between two proxy kernels (px0 on proxy-1 crashes, px1 on proxy-2 takes both
 * VIPs; keepalived on each, spawned and signalled by each guest's agent), its
 * GRE captured on both proxies' wires.
 *
 * The clock: fn-1's inventory sshd runs in a time namespace with
 * CLOCK_MONOTONIC + INJECTED_S; a second sshd on port 2222 runs on the guest's
 * own clock. The offset of the injected agent minus the offset of the
 * reference agent, the reference interpolated to the injected estimate's time
 * between two reference estimates (constant rate difference, as
 * docs/agent-protocol.md's interpolation assumes), must equal INJECTED_S within
 * the sum of the bounds: once measured by this test just before the run, and
 * once for the estimate the run itself recorded in run.json.
 *
 * Missing prerequisites fail the tier with the package to install; never skipped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OffsetEstimate } from '../../src/agent/clock-offset.js';
import { type ClockCheck, recoverOffset } from './clock-check.js';
import type { AgentConnection } from '../../src/executors/agent-connection.js';
import { connectSsh } from '../../src/executors/ssh.js';
import { stringify as stringifyYaml } from 'yaml';
import { repetitionFigures } from '../../src/results/path-costs.js';
import { readRun } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { GRE_KEY_PRESENT, grePacketsFromPcap, ipipPacketsFromPcap } from './evidence.js';
import { expectStandbyTookOver } from './failover-checks.js';
import { GUEST_TOOLS, type Guests, startGuests, stopAllGuests } from './guests.js';
import { buildInitramfs } from './initramfs.js';
import { prepareKernel, type Kernel } from './kernel.js';
import { requireFreshBuild, requireTools, requireVisibleInGuest, TOOLS } from './prereqs.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CACHE = process.env['COLDPATH_QEMU_CACHE'] ?? join(REPO, 'test', '.cache', 'qemu');
const WORK = join(CACHE, 'multi-host');
const OUT = join(WORK, 'out');
/** fn-1's injected CLOCK_MONOTONIC offset (s): instance timelines end on the function host. */
const INJECTED_S = 1_000;
const TENANT_KEY = 0x1234;
/** Under TCG an ssh round trip to a guest takes milliseconds; the default bound (1 ms) would refuse the hosts. */
const CLOCK_BOUND_US = 100_000;
/** A namespace as a crashed run would leave it (tag ffee: no ledger, no live owner). */
const LEFTOVER = 'coldpath-ffee-px0';
/** An agent starts in 20–40 s in a TCG guest (Node.js importing coldpath over 9p); the default wait for its hello is 10 s. */
const AGENT_TIMEOUT_MS = 180_000;

// Small: everything in the guests runs ~20× slower under TCG.
const SCENARIO = `# coldpath QEMU tier: three machines, three kernels (docs/qemu-tier.md)
name: qemu-multi-host
strategies: [baseline, peering, gre-proxy]
tunnel: gre
tenantKey: ${TENANT_KEY}
functionHosts: 1
proxy: { count: 1 }
repetitions: 1
burst: { sizes: [1] }
workload: { requests: 50, warmup: 10, metrics: [keepalive], steadyState: { enabled: false } }
cpu: { placement: none }
reference: { tool: none }
`;

/** fn-1's spare virtio NICs on the user wire, lent to instances with eni.attach: nic. */
const ENI_SPARE = ['eth2', 'eth3'];
/** The eni path alone, as small as the main scenario: one instance, 50 keep-alive requests. */
const ENI_SCENARIO = `# coldpath QEMU tier: the ENI attach modes across the guests (docs/hosts.md)
name: qemu-eni-attach
strategies: [eni]
tunnel: gre
functionHosts: 1
repetitions: 1
burst: { sizes: [1] }
workload: { requests: 50, warmup: 10, metrics: [keepalive], steadyState: { enabled: false } }
cpu: { placement: none }
reference: { tool: none }
`;

let kernel: Kernel;
let guests: Guests | undefined;
/** The inventory without proxy-2 (written at boot). */
let threeGuests = '';
const timings: Record<string, number> = {};
let tierStarted = 0;

const g = (): Guests => {
  if (guests === undefined) throw new Error('the guests did not start');
  return guests;
};

const fmtS = (us: number): string => `${(us / 1e6).toFixed(6)} s`;

/** The CLI in the coordinator namespace (private /run/netns and /run/coldpath). */
function coordinator(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const [file, ...rest] = [...g().coordinator, process.execPath, join(REPO, 'bin', 'coldpath.js'), ...args] as [string, ...string[]];
  const child = spawn(file, rest, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    }),
  );
}

const connect = (name: string, which: 'host' | 'reference'): Promise<AgentConnection> => {
  const guest = g().guest(name);
  return connectSsh(which === 'host' ? guest.host : guest.reference, { wrapper: g().wrapper, requestTimeoutMs: AGENT_TIMEOUT_MS, clockSamples: 8 });
};

let preRun: { check: ClockCheck; before: OffsetEstimate; after: OffsetEstimate; hello: AgentConnection['hello'] } | undefined;
let postRun: OffsetEstimate | undefined;
let runResult: { code: number | null; stdout: string; stderr: string; run: RunResult | undefined; wallMs: number } | undefined;
let pcapFile = '';

/** The tenants experiment over GRE and over IPIP in one run across the guests (tunnels fn-1 ↔ proxy-1, counters on svc-1). */
const TENANTS_SCENARIO = `# coldpath QEMU tier: two tenants on one proxy, across three kernels
name: qemu-multi-host-tenants
strategies: [baseline]
tunnel: gre
tenantKey: ${TENANT_KEY}
functionHosts: 1
proxy: { count: 1 }
repetitions: 1
burst: { sizes: [1] }
workload: { requests: 20, warmup: 5, metrics: [keepalive], steadyState: { enabled: false } }
cpu: { placement: none }
reference: { tool: none }
experiments:
  # Keys ${TENANT_KEY} and ${TENANT_KEY + 1} between the same endpoints.
  - { kind: tenants, name: tenants-gre, requests: 10, timeoutMs: 10000 }
  # The same over IPIP (no key): the seed's question.
  - { kind: tenants, name: tenants-ipip, tunnel: ipip, requests: 10, timeoutMs: 10000 }
`;

/** The first case waits for the run (2–4 min under TCG); the tier's default (15 min) would do, this says why. */
const TENANTS_CASE_MS = 1_300_000;

let tenantsEvidence: Promise<{ run: RunResult; report: string; pcap: Buffer }> | undefined;

/** Runs the tenants scenario once (the first case that asks), capturing IPIP and GRE on proxy-1's platform wire. */
function tenantsRun(): Promise<{ run: RunResult; report: string; pcap: Buffer }> {
  tenantsEvidence ??= (async () => {
    const out = join(WORK, 'out-tenants');
    const scenario = join(WORK, 'tenants.yaml');
    writeFileSync(scenario, TENANTS_SCENARIO);
    const pcap = join(WORK, 'tenants.pcap');
    const dump: ChildProcess = spawn('nsenter', [`--net=/run/netns/${g().fabricNamespace}`, '--', 'tcpdump', '-Z', 'root', '-U', '-nn', '-i', 'cpq-1-eth0', '-w', pcap, 'ip proto 4 or ip proto 47'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let dumpErr = '';
    dump.stderr?.on('data', (chunk: Buffer) => (dumpErr += chunk.toString()));
    const dumpClosed = new Promise<void>((done) => dump.on('close', () => done()));
    for (let i = 0; i < 100 && !dumpErr.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 50));
    const t = performance.now();
    const result = await coordinator(['run', scenario, '--hosts', threeGuests, '--out', out], 1_200_000);
    timings['run-tenants'] = Math.round(performance.now() - t);
    dump.kill('SIGINT');
    await dumpClosed;
    writeFileSync(join(WORK, 'coldpath-tenants.log'), `${result.stdout}\n${result.stderr}`);
    console.log(`[qemu multi-host] coldpath run (tenants) across the guests: exit ${result.code}, ${timings['run-tenants']} ms wall`);
    expect(result.code, `coldpath run (tenants) exit; stderr:\n${result.stderr.slice(-4000)}`).toBe(0);
    const runs = existsSync(out) ? readdirSync(out).filter((d) => existsSync(join(out, d, 'run.json'))) : [];
    if (runs.length !== 1) throw new Error(`expected one run under ${out}, found ${runs.length}`);
    const dir = join(out, runs[0] as string);
    return { run: readRun(dir), report: readFileSync(join(dir, 'report.md'), 'utf8'), pcap: readFileSync(pcap) };
  })();
  return tenantsEvidence;
}

/** proxy-2's injected CLOCK_MONOTONIC offset (s): the standby's keepalived runs on a clock of its own. */
const STANDBY_INJECTED_S = 600;
const FAILOVER_NAME = 'failover-gre-machines';
/**
 * The HA pair across four guests. Slow VRRP and light load, as in the single-guest tier (gre-conformance.test.ts):
 * under TCG a guest is 10–50× slower, and a long lead-in lets the stream settle before the fault.
 */
const FAILOVER_SCENARIO = `# coldpath QEMU tier: the HA pair across two proxy guests, over GRE
name: qemu-multi-host-failover
strategies: [baseline]
tunnel: gre
tenantKey: ${TENANT_KEY}
functionHosts: 1
repetitions: 1
burst: { sizes: [1] }
workload: { requests: 20, warmup: 5, metrics: [keepalive], steadyState: { enabled: false } }
cpu: { placement: none }
reference: { tool: none }
experiments:
  - kind: failover
    name: ${FAILOVER_NAME}
    mode: crash
    advertIntervalMs: 200
    beforeMs: 6000
    afterMs: 6000
    timeoutMs: 3000
    bucketMs: 100
    load: [{ metric: keepalive, rate: 4, concurrency: 1 }]
`;
const FAILOVER_CASE_MS = 1_300_000;

let failoverEvidence: Promise<{ run: RunResult; pcaps: { active: Buffer; standby: Buffer } }> | undefined;

/** tcpdump of GRE on a tap in the fabric; resolves once it captures, `stop()` ends it and waits for the file. */
async function captureGre(tap: string, file: string): Promise<{ stop: () => Promise<Buffer> }> {
  const dump: ChildProcess = spawn('nsenter', [`--net=/run/netns/${g().fabricNamespace}`, '--', 'tcpdump', '-Z', 'root', '-U', '-nn', '-i', tap, '-w', file, 'ip proto 47'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let dumpErr = '';
  dump.stderr?.on('data', (chunk: Buffer) => (dumpErr += chunk.toString()));
  const closed = new Promise<void>((done) => dump.on('close', () => done()));
  // tcpdump says "listening on" once it captures.
  for (let i = 0; i < 100 && !dumpErr.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 50));
  return {
    stop: async () => {
      dump.kill('SIGINT');
      await closed;
      return readFileSync(file);
    },
  };
}

/** Runs the failover scenario once on all four guests (the first case that asks), capturing GRE on both proxies' platform wires. */
function failoverRun(): Promise<{ run: RunResult; pcaps: { active: Buffer; standby: Buffer } }> {
  failoverEvidence ??= (async () => {
    const out = join(WORK, 'out-failover');
    const scenario = join(WORK, 'failover.yaml');
    writeFileSync(scenario, FAILOVER_SCENARIO);
    const tapOf = (name: string): string => `cpq-${g().guests.findIndex((x) => x.name === name)}-eth0`;
    const active = await captureGre(tapOf('proxy-1'), join(WORK, 'failover-proxy-1.pcap'));
    const standby = await captureGre(tapOf('proxy-2'), join(WORK, 'failover-proxy-2.pcap'));
    const t = performance.now();
    const result = await coordinator(['run', scenario, '--hosts', g().inventoryFile, '--out', out], 1_200_000);
    timings['run-failover'] = Math.round(performance.now() - t);
    const pcaps = { active: await active.stop(), standby: await standby.stop() };
    writeFileSync(join(WORK, 'coldpath-failover.log'), `${result.stdout}\n${result.stderr}`);
    console.log(`[qemu multi-host] coldpath run (failover) across four guests: exit ${result.code}, ${timings['run-failover']} ms wall`);
    expect(result.code, `coldpath run (failover) exit; stderr:\n${result.stderr.slice(-4000)}`).toBe(0);
    const runs = existsSync(out) ? readdirSync(out).filter((d) => existsSync(join(out, d, 'run.json'))) : [];
    if (runs.length !== 1) throw new Error(`expected one run under ${out}, found ${runs.length}`);
    return { run: readRun(join(out, runs[0] as string)), pcaps };
  })();
  return failoverEvidence;
}

describe('separate kernels: coldpath run --hosts across QEMU guests (executor ssh, tunnel gre)', () => {
  beforeAll(async () => {
    tierStarted = performance.now();
    const tools = requireTools([...TOOLS, ...GUEST_TOOLS]);
    requireFreshBuild(REPO);
    requireVisibleInGuest(REPO);
    let t = performance.now();
    kernel = await prepareKernel(CACHE);
    timings['kernel'] = Math.round(performance.now() - t);
    t = performance.now();
    const initrd = join(CACHE, 'initrd-multi-host.gz');
    buildInitramfs(kernel, tools.get('busybox') as string, initrd);
    timings['initramfs'] = Math.round(performance.now() - t);
    guests = await startGuests({
      qemu: tools.get('qemu-system-x86_64') as string,
      vmlinuz: kernel.vmlinuz,
      initrd,
      repoRoot: REPO,
      workDir: WORK,
      clockBoundUs: CLOCK_BOUND_US,
      agentTimeoutMs: AGENT_TIMEOUT_MS,
      guests: [
        // A user-VPC NIC (the parent of macvlan and ipvlan ENIs) and two spare NICs to lend (eni.attach: nic).
        { name: 'fn-1', role: 'function-host', monotonicOffsetS: INJECTED_S, userNic: true, spareNics: ENI_SPARE.length },
        { name: 'proxy-1', role: 'proxy' },
        { name: 'svc-1', role: 'service-host' },
        // The HA pair's standby (the failover case only): its own kernel and a clock of its own.
        { name: 'proxy-2', role: 'proxy', monotonicOffsetS: STANDBY_INJECTED_S },
      ],
    });
    // Every run but the failover's places on three guests: an idle fourth agent would only slow them under TCG.
    threeGuests = join(WORK, 'inventory-three.yaml');
    writeFileSync(threeGuests, stringifyYaml({ ...guests.inventory, hosts: guests.inventory.hosts.filter((h) => h.name !== 'proxy-2') }));
    timings['boot'] = guests.bootMs;
    writeFileSync(join(WORK, 'scenario.yaml'), SCENARIO);
    console.log(
      `[qemu multi-host] ${kernel.package}: four guests booted to sshd in ${guests.bootMs} ms (` +
        guests.guests.map((x) => `${x.name} ${x.readyMs} ms, guest uptime ${x.readyUptimeS} s`).join('; ') +
        `); kernel ${timings['kernel']} ms, initramfs ${timings['initramfs']} ms`,
    );

    // The injected offset, measured just before the run: reference, injected, reference (each its own agent on fn-1).
    t = performance.now();
    const [reference, injected] = await Promise.all([connect('fn-1', 'reference'), connect('fn-1', 'host')]);
    timings['agents-connect'] = Math.round(performance.now() - t);
    try {
      const before = await reference.client.syncClock(8);
      const inj = await injected.client.syncClock(8);
      const after = await reference.client.syncClock(8);
      preRun = { check: recoverOffset(inj, before, after), before, after, hello: injected.hello };
    } finally {
      await Promise.all([reference.close(), injected.close()]);
    }

    // GRE on the wire between the guests: the proxy's platform NIC's tap, in the fabric.
    pcapFile = join(WORK, 'gre.pcap');
    const tap = 'cpq-1-eth0';
    const dump: ChildProcess = spawn('nsenter', [`--net=/run/netns/${guests.fabricNamespace}`, '--', 'tcpdump', '-Z', 'root', '-U', '-nn', '-i', tap, '-w', pcapFile, 'ip proto 47'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let dumpErr = '';
    dump.stderr?.on('data', (chunk: Buffer) => (dumpErr += chunk.toString()));
    const dumpClosed = new Promise<void>((done) => dump.on('close', () => done()));
    // tcpdump says "listening on" once it captures.
    for (let i = 0; i < 100 && !dumpErr.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 50));

    t = performance.now();
    const result = await coordinator(['run', join(WORK, 'scenario.yaml'), '--hosts', threeGuests, '--out', OUT], 1_200_000);
    const wallMs = Math.round(performance.now() - t);
    timings['run'] = wallMs;
    dump.kill('SIGINT');
    await dumpClosed;
    writeFileSync(join(WORK, 'coldpath.log'), `${result.stdout}\n${result.stderr}`);
    const runs = existsSync(OUT) ? readdirSync(OUT).filter((d) => existsSync(join(OUT, d, 'run.json'))) : [];
    runResult = { ...result, run: runs.length === 1 ? readRun(join(OUT, runs[0] as string)) : undefined, wallMs };

    // The reference once more, after the run: the run's own estimates lie between this and `preRun.after`.
    const late = await connect('fn-1', 'reference');
    try {
      postRun = await late.client.syncClock(8);
    } finally {
      await late.close();
    }
    console.log(`[qemu multi-host] coldpath run across the guests: exit ${result.code}, ${wallMs} ms wall; output in ${join(WORK, 'coldpath.log')}`);
  }, 1_800_000);

  afterAll(async () => {
    await stopAllGuests();
    // Nothing of ours in the root network namespace, nor a namespace of ours left (taps, bridges, veths are cpq-…).
    const links = (await execa('ip', ['-o', 'link', 'show'], { reject: false })).stdout;
    expect(links.split('\n').filter((line) => / cpq-/.test(line))).toEqual([]);
    const netns = (await execa('ip', ['netns', 'list'], { reject: false })).stdout;
    expect(netns.split('\n').filter((line) => line.startsWith('cpq-'))).toEqual([]);
    timings['tier'] = Math.round(performance.now() - tierStarted);
    console.log(`[qemu multi-host] timings (ms): ${JSON.stringify(timings)}`);
  }, 120_000);

  it('boots four guests, each on the Debian kernel with its own hostname and sshd', () => {
    for (const guest of g().guests) {
      expect(readFileSync(join(guest.jobDir, 'kernel.txt'), 'utf8').trim(), guest.name).toBe(kernel.release);
    }
    expect(preRun?.hello.kernel).toBe(kernel.release);
    expect(preRun?.hello.hostname).toBe('fn-1');
  });

  it("recovers fn-1's injected clock offset against the guest's own clock (measured by the test before the run)", () => {
    const { check: c, before, after } = preRun ?? {};
    if (c === undefined || before === undefined || after === undefined) throw new Error('no clock measurement');
    console.log(
      `[qemu multi-host] fn-1 guest clock − host clock: ${fmtS(before.offsetUs)} ± ${before.uncertaintyUs} µs, then ${fmtS(after.offsetUs)} ± ${after.uncertaintyUs} µs; ` +
        `injected agent: ${fmtS(c.injected.offsetUs)} ± ${c.injected.uncertaintyUs} µs; recovered ${fmtS(c.recoveredUs)} (injected ${INJECTED_S} s), bound ± ${Math.round(c.boundUs)} µs`,
    );
    expect(Math.abs(c.recoveredUs - INJECTED_S * 1e6), `recovered ${c.recoveredUs} µs ± ${c.boundUs}`).toBeLessThanOrEqual(c.boundUs);
  });

  it('runs baseline, peering and gre-proxy across the three guests: every path verified, GRE', () => {
    const r = runResult;
    if (r === undefined) throw new Error('no run');
    expect(r.code, `coldpath run exit; stderr:\n${r.stderr.slice(-4000)}`).toBe(0);
    const run = r.run;
    if (run === undefined) throw new Error(`no run.json under ${OUT}`);
    expect(run.outcome).toBe('completed');
    expect(run.paths.map((p) => [p.strategy, p.outcome, p.verification?.ok])).toEqual([
      ['baseline', 'completed', true],
      ['peering', 'completed', true],
      ['gre-proxy', 'completed', true],
    ]);
    expect(run.fingerprint.tunnelUsed).toBe('gre');
    expect(run.tunnel?.used).toBe('gre');
    for (const path of run.paths) {
      for (const burst of path.repetitions[0]?.bursts ?? []) {
        expect(
          burst.instances.map((i) => i.outcome),
          path.strategy,
        ).toEqual(burst.instances.map(() => 'ok'));
      }
      console.log(`[qemu multi-host] ${path.strategy}: ${path.verification?.detail}`);
    }
  });

  it("records each agent's hello (the guest's kernel and hostname) and its clock estimates; fn-1's recovers the injected offset", () => {
    const run = runResult?.run;
    if (run === undefined || preRun === undefined || postRun === undefined) throw new Error('no run');
    expect(run.agents?.map((a) => a.host).sort()).toEqual(['fn-1', 'proxy-1', 'svc-1']);
    for (const name of ['fn-1', 'proxy-1', 'svc-1']) {
      const note = run.notes.find((n) => n.startsWith(`host ${name} (`) && n.includes('): agent pid'));
      expect(note, `${name}'s note`).toMatch(new RegExp(`on ${name} \\(kernel ${kernel.release.replace(/\./g, '\\.')},`));
    }
    for (const agent of run.agents ?? []) {
      console.log(
        `[qemu multi-host] run.json agent ${agent.host}: start ${fmtS(agent.start.offsetUs)} ± ${agent.start.uncertaintyUs} µs, end ${agent.end === undefined ? '-' : `${fmtS(agent.end.offsetUs)} ± ${agent.end.uncertaintyUs} µs`}, drift ${agent.driftPpm?.toFixed(1)} ± ${agent.driftUncertaintyPpm?.toFixed(1)} ppm`,
      );
      expect(agent.start.uncertaintyUs).toBeLessThanOrEqual(CLOCK_BOUND_US);
      // Each agent described its own machine: a guest's one TCG vCPU, not the coordinator's CPUs.
      console.log(`[qemu multi-host] run.json agent ${agent.host} machine: ${JSON.stringify(agent.machine)}`);
      expect(agent.machine, `${agent.host}'s machine`).toMatchObject({ cpuCount: 1, node: process.version, sockperf: expect.stringMatching(/^\d/) });
      expect(agent.machine?.cpuModel).not.toBe(run.fingerprint.cpuModel);
    }
    // Separate kernels, separate clocks: each guest's CLOCK_MONOTONIC started at its own boot. Guests booted in
    // parallel may start theirs within the same 0.1 s, so only the injected one is sure to stand apart (by 1000 s).
    const offsets = (run.agents ?? []).map((a) => a.start.offsetUs);
    expect(new Set(offsets.map((o) => Math.round(o / 1e5))).size, 'distinct clocks').toBeGreaterThanOrEqual(2);
    const fn = run.agents?.find((a) => a.host === 'fn-1');
    if (fn === undefined) throw new Error('no fn-1 agent');
    for (const estimate of [fn.start, ...(fn.end === undefined ? [] : [fn.end])]) {
      const c = recoverOffset(estimate, preRun.after, postRun);
      console.log(`[qemu multi-host] run.json fn-1 at ${estimate.atUs}: recovered ${fmtS(c.recoveredUs)} (injected ${INJECTED_S} s), bound ± ${Math.round(c.boundUs)} µs`);
      expect(Math.abs(c.recoveredUs - INJECTED_S * 1e6), `recovered ${c.recoveredUs} µs ± ${c.boundUs}`).toBeLessThanOrEqual(c.boundUs);
    }
  });

  it('carries keyed GRE between the function host and the proxy guests (tcpdump on the wire)', () => {
    expect(existsSync(pcapFile) && statSync(pcapFile).size > 24, 'a capture').toBe(true);
    const packets = grePacketsFromPcap(readFileSync(pcapFile));
    const ipv4 = packets.filter((p) => p.protocol === 0x0800);
    expect(ipv4.length, 'GRE packets carrying IPv4').toBeGreaterThan(0);
    expect(
      packets.filter((p) => (p.flags & GRE_KEY_PRESENT) === 0 || p.key !== TENANT_KEY || p.version !== 0),
      'GRE without the K bit or with another key',
    ).toEqual([]);
    const pairs = new Set(ipv4.map((p) => `${p.src} > ${p.dst}`));
    expect(pairs.size, `both directions: ${[...pairs].join(', ')}`).toBeGreaterThanOrEqual(2);
    const gre = runResult?.run?.paths.find((p) => p.strategy === 'gre-proxy');
    expect(
      ipv4.some((p) => p.inner?.dst === gre?.target.address),
      'inner destination is the user service',
    ).toBe(true);
    console.log(`[qemu multi-host] ${packets.length} GRE packets on the proxy's platform wire (${[...pairs].join(', ')}), key 0x${TENANT_KEY.toString(16)}`);
  });

  // The seed's question across three kernels: the tenants experiment over IPIP and over GRE, the tunnels
  // between fn-1 and proxy-1, the counters on svc-1 (a run of its own: it adds 2–4 min under TCG).
  it(
    "answers the seed's question across the guests: over IPIP proxy-1's and fn-1's kernels refuse tenant B's tunnel (File exists) and B is misdelivered",
    async () => {
      const { run, report } = await tenantsRun();
      // Where the experiment's nodes live (run.json's notes): its tunnels' ends on fn-1 and proxy-1, its counters on svc-1.
      const placed = (host: string): string[] => /^host [^ ]+ \(([^)]*)\)/.exec(run.notes.find((n) => n.startsWith(`host ${host} (`)) ?? '')?.[1]?.split(', ') ?? [];
      expect([placed('fn-1'), placed('proxy-1').includes('px0'), placed('svc-1')]).toEqual([['fh0'], true, ['us-svc']]);
      const t = run.experiments.find((e) => e.name === 'tenants-ipip');
      expect(t?.kind).toBe('tenants');
      if (t?.kind !== 'tenants') return;
      expect(t.outcome, t.message).toBe('completed');
      const m = t.measured!;
      expect(m.tunnel).toBe('ipip');
      const [a, b] = m.tenants;
      expect([a?.key, a?.verdict]).toEqual([null, 'delivered']);
      expect(b?.key).toBeNull();
      expect(b?.tunnel.created).toBe(false);
      // Each guest's kernel in its own words (the agent's error carries the command's stderr).
      expect(
        b?.tunnel.attempts.map((x) => [x.node, x.error]),
        "fn-1's and proxy-1's answers to tenant B's IPIP tunnel",
      ).toEqual([
        ['fh0', 'RTNETLINK answers: File exists'],
        ['px0', 'RTNETLINK answers: File exists'],
      ]);
      expect(b?.path).toBe('shared');
      expect(b?.verdict).toBe('misdelivered');
      expect(b?.counted.own).toBe(0);
      expect(b?.counted.other, "tenant B's packets counted at tenant A's side on svc-1").toBeGreaterThan(0);
      expect(m.verdict).toBe('broke');
      expect(m.summary).toMatch(/^IPIP has no key: tenant B's tunnel between the same endpoints was refused \(File exists\) — a proxy cannot serve two tenants from one host over IPIP/);
      expect(report).toContain("IPIP has no key: tenant B's tunnel between the same endpoints was refused (File exists)");
      console.log(
        `[qemu multi-host] tenants over IPIP across guests: ${m.summary} (${m.tenants.map((x) => `${x.tenant}: ${x.tally.ok}/${x.tally.requests} ok, ${x.counted.own} own / ${x.counted.other} other`).join('; ')})`,
      );
    },
    TENANTS_CASE_MS,
  );

  it(
    'carries IPIP (IP protocol 4) between fn-1 and proxy-1 on the wire, between the endpoints the experiment reports',
    async () => {
      const { run, pcap } = await tenantsRun();
      const t = run.experiments.find((e) => e.name === 'tenants-ipip');
      if (t?.kind !== 'tenants' || t.measured === undefined) throw new Error('no tenants-ipip result');
      const { host, proxy } = t.measured.endpoints;
      const packets = ipipPacketsFromPcap(pcap);
      const pairs = new Set(packets.map((p) => `${p.src} > ${p.dst}`));
      expect(pairs, 'IPIP only between the two endpoints, both ways').toEqual(new Set([`${host} > ${proxy}`, `${proxy} > ${host}`]));
      const targets = new Set(t.measured.tenants.map((x) => x.target));
      expect(
        packets.filter((p) => p.src === host && targets.has(p.inner.dst)).map((p) => p.inner.dst),
        "both tenants' requests inside the one keyless tunnel",
      ).toEqual(expect.arrayContaining([...targets]));
      console.log(
        `[qemu multi-host] ${packets.length} IPIP packets on proxy-1's platform wire (${[...pairs].join(', ')}), inner destinations ${[...new Set(packets.map((p) => p.inner.dst))].join(', ')}`,
      );
    },
    TENANTS_CASE_MS,
  );

  it(
    'over GRE across the guests both keyed tenants are delivered to their own side, both keys on the wire',
    async () => {
      const { run, pcap } = await tenantsRun();
      const t = run.experiments.find((e) => e.name === 'tenants-gre');
      expect(t?.kind).toBe('tenants');
      if (t?.kind !== 'tenants') return;
      expect(t.outcome, t.message).toBe('completed');
      const m = t.measured!;
      expect(m.tunnel).toBe('gre');
      expect(m.tenants.map((x) => [x.tenant, x.key, x.tunnel.created, x.path, x.verdict])).toEqual([
        ['A', TENANT_KEY, true, 'own', 'delivered'],
        ['B', TENANT_KEY + 1, true, 'own', 'delivered'],
      ]);
      for (const x of m.tenants) {
        expect(x.tally.ok, `tenant ${x.tenant}'s requests answered`).toBeGreaterThan(0);
        expect(x.counted.other, `tenant ${x.tenant}'s packets at the other side`).toBe(0);
      }
      expect(m.verdict).toBe('works');
      expect(m.summary).toBe(`GRE keys ${TENANT_KEY} and ${TENANT_KEY + 1}: both tenants' traffic delivered to their own side.`);
      const keys = new Set(grePacketsFromPcap(pcap).map((p) => p.key));
      expect([...keys].sort(), 'GRE keys on the wire between fn-1 and proxy-1').toEqual([TENANT_KEY, TENANT_KEY + 1]);
      console.log(
        `[qemu multi-host] tenants over GRE across guests: ${m.summary} (${m.tenants.map((x) => `${x.tenant}: ${x.tally.ok}/${x.tally.requests} ok, ${x.counted.own} packets own side`).join('; ')})`,
      );
    },
    TENANTS_CASE_MS,
  );

  // The HA pair across separate kernels (issue 12, "then an active/standby pair"): px0 on proxy-1, px1 on proxy-2,
  // each with its own keepalived, GRE from fn-1 to the platform VIP, the crash's kill sent to proxy-1's agent.
  it(
    'fails the HA pair over GRE between two proxy guests: px0 on proxy-1 crashes, px1 on proxy-2 takes both VIPs, traffic resumes',
    async () => {
      const { run } = await failoverRun();
      const nodesOn = (host: string): string[] => /^host [^ ]+ \(([^)]*)\)/.exec(run.notes.find((n) => n.startsWith(`host ${host} (`)) ?? '')?.[1]?.split(', ') ?? [];
      expect([nodesOn('fn-1').includes('fh0'), nodesOn('proxy-1').includes('px0'), nodesOn('proxy-2').includes('px1'), nodesOn('proxy-1').includes('px1')]).toEqual([true, true, true, false]);
      const { measured: m, movedUs: moved, notes } = expectStandbyTookOver(run, FAILOVER_NAME);
      // After the fault, within a generous multiple of VRRP's bound (TCG guests: their timers run late), as across emulated machines.
      expect(moved).toBeGreaterThan(0);
      expect(moved).toBeLessThan(m.bound.masterDownUs * 10);
      expect(notes.some((n) => /^timing: the fault instant is known to ±/.test(n))).toBe(true);
      const agent = (host: string) => run.agents?.find((a) => a.host === host);
      expect(agent('proxy-2')?.hostname).toBe('proxy-2');
      expect(agent('proxy-2')?.kernel).toBe(kernel.release);
      console.log(
        `[qemu multi-host] failover over GRE across two proxy guests: VIPs on px1 after ${(m.vipOnStandbyUs.platform! / 1000).toFixed(1)} / ${(m.vipOnStandbyUs.user! / 1000).toFixed(1)} ms ` +
          `(bound ${(m.bound.masterDownUs / 1000).toFixed(1)} ms), traffic resumed after ${((m.resumedUs ?? 0) / 1000).toFixed(1)} ms, gap ${((m.gapUs ?? 0) / 1000).toFixed(1)} ms, ${m.tally.ok}/${m.tally.requests} ok; ${notes.join(' | ')}`,
      );
    },
    FAILOVER_CASE_MS,
  );

  it(
    "carries the pair's GRE on both proxies' wires: px0's answers from the VIP stop before px1's begin, with the key",
    async () => {
      const { run, pcaps } = await failoverRun();
      const f = run.experiments.find((e) => e.name === FAILOVER_NAME);
      if (f?.kind !== 'failover' || f.config === undefined) throw new Error('no failover result');
      const vip = f.config.vips.platform;
      const [active, standby] = [grePacketsFromPcap(pcaps.active), grePacketsFromPcap(pcaps.standby)];
      for (const [name, packets] of [
        ['proxy-1', active],
        ['proxy-2', standby],
      ] as const) {
        expect(
          packets.filter((p) => p.key !== TENANT_KEY || (p.flags & GRE_KEY_PRESENT) === 0),
          `${name}: GRE without the K bit or with another key`,
        ).toEqual([]);
        expect(packets.filter((p) => p.src === vip).length, `${name}: GRE answers from the platform VIP`).toBeGreaterThan(0);
        expect(
          packets.some((p) => p.dst === vip),
          `${name}: GRE to the platform VIP`,
        ).toBe(true);
      }
      // One clock: both taps are captured in the fabric namespace on this host.
      const lastFromActive = Math.max(...active.filter((p) => p.src === vip).map((p) => p.capturedUs));
      const firstFromStandby = Math.min(...standby.filter((p) => p.src === vip).map((p) => p.capturedUs));
      expect(firstFromStandby, "px1's first answer from the VIP after px0's last").toBeGreaterThan(lastFromActive);
      console.log(
        `[qemu multi-host] failover on the wire: ${active.length} GRE packets on proxy-1's platform wire, ${standby.length} on proxy-2's; ` +
          `px0's last answer from ${vip} to px1's first: ${((firstFromStandby - lastFromActive) / 1000).toFixed(1)} ms (tcpdump, one clock)`,
      );
    },
    FAILOVER_CASE_MS,
  );

  it('leaves nothing in any guest, and coldpath clean --hosts reaches every guest', async () => {
    for (const guest of g().guests) {
      const left = await g().ssh(guest.name, 'ip netns list; echo @@; ls -A /run/coldpath');
      expect(left.code, left.stderr).toBe(0);
      const [netns, ledgers] = left.stdout.split('@@').map((s) => s.trim());
      expect({ netns, ledgers }, guest.name).toEqual({ netns: '', ledgers: '' });
    }
    // A leftover of a run that no longer exists (no ledger, no owner), on one guest: clean --hosts must remove it there.
    const leftover = await g().ssh('proxy-1', `ip netns add ${LEFTOVER}`);
    expect(leftover.code, leftover.stderr).toBe(0);
    const t = performance.now();
    const clean = await coordinator(['clean', '--hosts', g().inventoryFile], 600_000);
    timings['clean'] = Math.round(performance.now() - t);
    console.log(`[qemu multi-host] coldpath clean --hosts (${timings['clean']} ms):\n${clean.stdout}`);
    expect(clean.code, clean.stderr).toBe(0);
    const lines = clean.stdout.split('\n').filter((line) => /^(fn-1|proxy-1|svc-1|proxy-2): /.test(line));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('fn-1: nothing to clean');
    expect(lines[1]).toMatch(/^proxy-1: removed 1 namespace\(s\), /);
    expect(lines[2]).toBe('svc-1: nothing to clean');
    expect(lines[3]).toBe('proxy-2: nothing to clean');
    const after = await g().ssh('proxy-1', 'ip netns list');
    expect(after.stdout.trim(), 'proxy-1 after clean --hosts').toBe('');
  }, 700_000);

  // ── The ENI as the platform attaches it (issue 12 item 3): fn-1's eni.attach, one run per mode, one run each.
  const eniFigures: Record<string, { keepaliveP50Us: number; attachUs: number[]; wallMs: number }> = {};
  let spareBefore: string | undefined;

  /** fn-1's spare NICs as its own namespace has them: name, MAC, up or not, addresses (the lent ones are missing). */
  const spareState = async (): Promise<string> => {
    const out = await g().ssh('fn-1', 'ip -j addr show');
    expect(out.code, out.stderr).toBe(0);
    const links = JSON.parse(out.stdout || '[]') as Array<{ ifname: string; address: string; flags: string[]; addr_info: Array<{ local: string; scope: string }> }>;
    return JSON.stringify(
      links
        .filter((l) => /^eth[2-9]$/.test(l.ifname))
        .map((l) => ({ name: l.ifname, mac: l.address, up: l.flags.includes('UP'), addresses: l.addr_info.filter((a) => a.scope !== 'link').map((a) => a.local) })),
    );
  };

  for (const attach of ['macvlan', 'ipvlan', 'nic'] as const) {
    it(`eni with eni.attach: ${attach} on fn-1 (a separate kernel): the path verified, the instance ok, fn-1's spare NICs home as they were`, async () => {
      spareBefore ??= await spareState();
      expect(spareBefore).toContain('"name":"eth2"');
      const inventory = structuredClone(g().inventory);
      inventory.hosts = inventory.hosts.filter((h) => h.name !== 'proxy-2');
      const fn = inventory.hosts.find((h) => h.name === 'fn-1');
      if (fn === undefined) throw new Error('no fn-1 in the inventory');
      fn.eni = attach === 'nic' ? { attach, nics: ENI_SPARE } : { attach };
      const inventoryFile = join(WORK, `inventory-eni-${attach}.yaml`);
      writeFileSync(inventoryFile, stringifyYaml(inventory));
      writeFileSync(join(WORK, 'scenario-eni.yaml'), ENI_SCENARIO);
      const out = join(WORK, `out-eni-${attach}`);
      const t = performance.now();
      const result = await coordinator(['run', join(WORK, 'scenario-eni.yaml'), '--hosts', inventoryFile, '--out', out], 1_200_000);
      const wallMs = Math.round(performance.now() - t);
      writeFileSync(join(WORK, `coldpath-eni-${attach}.log`), `${result.stdout}\n${result.stderr}`);
      expect(result.code, `coldpath run exit; stderr:\n${result.stderr.slice(-4000)}`).toBe(0);
      const runs = existsSync(out) ? readdirSync(out).filter((d) => existsSync(join(out, d, 'run.json'))) : [];
      expect(runs).toHaveLength(1);
      const run = readRun(join(out, runs[0] as string));
      expect(run.paths.map((p) => [p.strategy, p.outcome, p.verification?.ok])).toEqual([['eni', 'completed', true]]);
      const instances = run.paths[0]?.repetitions.flatMap((r) => r.bursts.flatMap((b) => b.instances)) ?? [];
      expect(instances.map((i) => (i.outcome === 'failed' ? i.message : i.outcome))).toEqual(instances.map(() => 'ok'));
      expect(run.notes.join('\n')).toContain(`ENI attach on function host fn-1: ${attach}`);
      const p50 = repetitionFigures(run.paths[0] as RunResult['paths'][number])[0]?.warm['keepalive'];
      const attachUs = instances.flatMap((i) => i.spans.filter((sp) => sp.phase === 'strategy-attach').map((sp) => Math.round(sp.endUs - sp.startUs)));
      eniFigures[attach] = { keepaliveP50Us: Math.round(p50 ?? Number.NaN), attachUs, wallMs };
      writeFileSync(
        join(WORK, 'eni-attach.json'),
        `${JSON.stringify({ label: 'one run per mode, TCG guests, Debian kernel, 1 instance, 50 keep-alive requests', kernel: kernel.release, figures: eniFigures }, null, 2)}\n`,
      );
      console.log(
        `[qemu multi-host] eni.attach ${attach} (one run): keep-alive p50 ${eniFigures[attach]?.keepaliveP50Us} µs, ENI attach (strategy-attach span) ${attachUs.join(', ')} µs, run ${wallMs} ms wall`,
      );
      // The real NICs of fn-1's kernel came back: same names, same MACs, down, no address.
      expect(await spareState()).toBe(spareBefore);
      const left = await g().ssh('fn-1', 'ip netns list; echo @@; ls -A /run/coldpath');
      expect(left.stdout.split('@@').map((x) => x.trim())).toEqual(['', '']);
    }, 1_500_000);
  }
});
