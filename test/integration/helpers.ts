/** Shared helpers for integration tests: the CLI as a user runs it, and root-namespace invariants. */
import { spawn, spawnSync, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { isAlive } from '../../src/kernel/processes.js';
import { AgentClient } from '../../src/agent/client.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { readRun } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const CLI = join(PACKAGE_ROOT, 'bin', 'coldpath.js');

export interface CliResult {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process, behind `wrapper` when given (e.g. the machines harness's coordinator namespace), killed after `timeoutMs` (default 170 s). */
export function spawnCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; wrapper?: readonly string[] } = {},
): { child: ChildProcess; done: Promise<CliResult>; output: () => string } {
  const [file = process.execPath, ...rest] = [...(options.wrapper ?? []), process.execPath, CLI, ...args];
  const child = spawn(file, rest, { env: options.env ?? process.env, cwd: PACKAGE_ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 170_000);
  const done = new Promise<CliResult>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ pid: child.pid, code, signal, stdout, stderr });
    }),
  );
  return { child, done, output: () => stdout + stderr };
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}

/** Starts the CLI and resolves once its stderr says which run tag it uses. */
export function startCli(args: string[], options: { relativePath?: boolean } = {}): Promise<{ child: ChildProcess; tag: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    // A user types a relative path as often as an absolute one; /proc shows it as typed.
    const script = options.relativePath === true ? 'bin/coldpath.js' : CLI;
    const child = spawn(process.execPath, [script, ...args], { cwd: PACKAGE_ROOT });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /run tag ([0-9a-f]{4})/.exec(output);
      if (match?.[1] !== undefined) {
        child.stderr?.off('data', onData);
        child.stderr?.on('data', (more: Buffer) => (output += more.toString()));
        resolve({ child, tag: match[1], output: () => output });
      }
    };
    child.stderr.on('data', onData);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`coldpath exited (${code}) before starting a run:\n${output}`)));
  });
}

/** Writes a scenario file in a fresh temporary directory. */
export function scenarioFile(scenario: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'coldpath-scenario-'));
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, stringify(scenario));
  return file;
}

export function tempDir(prefix = 'coldpath-out-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function namespacesOf(tag: string): string[] {
  try {
    return readdirSync('/run/netns').filter((name) => name.startsWith(`coldpath-${tag}-`));
  } catch {
    return [];
  }
}

export function allColdpathNamespaces(): string[] {
  try {
    return readdirSync('/run/netns').filter((name) => name.startsWith('coldpath-'));
  } catch {
    return [];
  }
}

function capture(argv: string[]): string {
  const result = spawnSync(argv[0] ?? 'true', argv.slice(1), { encoding: 'utf8' });
  return `${argv.join(' ')}\n${result.stdout}${result.stderr}`;
}

/**
 * Everything coldpath must never change in the root network namespace:
 * addresses, routes of every table, policy rules, links (without counters), nft ruleset.
 */
export function rootNamespaceState(): string {
  const links = JSON.parse(spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' }).stdout || '[]') as Array<Record<string, unknown>>;
  const linkSummary = links.map((link) => `${String(link['ifname'])} ${String(link['operstate'])} ${JSON.stringify(link['flags'])} mtu ${String(link['mtu'])}`).join('\n');
  return [
    capture(['ip', '-4', 'addr', 'show']),
    capture(['ip', '-6', 'addr', 'show']),
    capture(['ip', '-4', 'route', 'show', 'table', 'all']),
    capture(['ip', '-4', 'rule', 'show']),
    `links\n${linkSummary}`,
    capture(['nft', 'list', 'ruleset']),
    capture(['sysctl', 'net.ipv4.ip_forward']),
  ].join('\n');
}

/** The ledger directory of a run, if it still exists. */
export function ledgerDirs(): string[] {
  try {
    return readdirSync(process.env['COLDPATH_STATE_DIR'] ?? '/run/coldpath');
  } catch {
    return [];
  }
}

/** Pids of processes whose network namespace is one of the run's. */
export function processesInNamespaces(tag: string): number[] {
  const pids: number[] = [];
  for (const name of namespacesOf(tag)) {
    const result = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' });
    pids.push(...result.stdout.split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}

export const SMALL_RUN = {
  repetitions: 1,
  burst: { sizes: [1, 3] },
  workload: { requests: 200, warmup: 100 },
};

/**
 * Namespaces that appeared since `before` and do not belong to another live
 * run (another test tier or benchmark may be running on the same machine).
 */
export function newNamespacesNotOfOtherRuns(before: readonly string[], ourPid: number | undefined): string[] {
  return allColdpathNamespaces().filter((name) => {
    if (before.includes(name)) return false;
    const tag = /^coldpath-([0-9a-f]{4})-/.exec(name)?.[1] ?? '';
    const owner = ownerPid(tag);
    return owner === undefined || owner === ourPid || !isAlive(owner);
  });
}

function ownerPid(tag: string): number | undefined {
  try {
    const head = readFileSync(join(process.env['COLDPATH_STATE_DIR'] ?? '/run/coldpath', tag, 'ledger.jsonl'), 'utf8').split('\n')[0] ?? '';
    return (JSON.parse(head) as { pid?: number }).pid;
  } catch {
    return undefined;
  }
}

/**
 * setpriv arguments that drop every capability (root keeps its uid, so it can
 * still read a checkout under /root, but may not create namespaces).
 */
export const NO_CAPABILITIES = ['--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all'];

/** The source address each path promises a server in the user VPC (default addressing): the pod's own, or an address in the user subnet. */
const PROMISED_SOURCE: Record<string, RegExp> = { baseline: /^100\.64\./, peering: /^100\.64\./, eni: /^198\.19\.0\./, 'gre-proxy': /^198\.19\.0\./ };

/**
 * Runs `strategies` (default baseline and gre-proxy) against a real server (services.0 of
 * `services`) measuring `metrics` (the kept-connection one first, the new-connection one second
 * when there is one), and checks what every real-server test checks: each path completed with
 * `requests` requests per metric and no error, the server's own view passed with one named
 * connection from an address the path promises (baseline and peering: the pod's, eni: the ENI's,
 * gre-proxy: the proxy's eth1, all in the user subnet), and a new connection cost more than a
 * request on a kept one. Returns the run for the test's own checks.
 */
export async function runRealServerPaths(
  server: 'redis' | 'postgres' | 'nginx',
  services: unknown[],
  metrics: readonly [string, ...string[]],
  requests = 200,
  strategies: readonly string[] = ['baseline', 'gre-proxy'],
  /** `firstRequest: service`: every instance's first request is the real server's connection and first query. */
  firstRequest: 'http' | 'service' = 'http',
): Promise<RunResult> {
  const out = tempDir();
  const scenario = {
    strategies: [...strategies],
    repetitions: 1,
    burst: { sizes: [1], ...(firstRequest === 'http' ? {} : { firstRequest }) },
    services,
    reference: { tool: 'none' },
    workload: { metrics: [...metrics], requests, warmup: 100 },
  };
  const result = await runCli(['run', scenarioFile(scenario), '--out', out]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  const [runId] = readdirSync(out);
  const run = readRun(join(out, runId!));
  expect(run.outcome).toBe('completed');
  expect(run.paths.map((path) => path.strategy)).toEqual([...strategies]);
  for (const path of run.paths) {
    expect(path.outcome, path.strategy).toBe('completed');
    const rep = path.repetitions[0]!;
    expect(rep.warm.map((warm) => warm.metric)).toEqual([...metrics]);
    for (const warm of rep.warm) {
      expect(warm.outcome, `${path.strategy} ${warm.metric}`).toBe('completed');
      expect(warm.errors, `${path.strategy} ${warm.metric}`).toEqual({});
      expect(decodeHistogram(warm.histogram).totalCount, `${path.strategy} ${warm.metric}`).toBe(requests);
    }
    // The server's own view: its named connections came from the address the path promises.
    const verification = path.verification!;
    expect(verification.ok, verification.detail).toBe(true);
    expect(verification.server).toMatchObject({ server, ok: true, opened: 1 });
    const seen = Object.keys(verification.server!.observedSources);
    expect(seen.length).toBe(1);
    expect(verification.expectedSources).toContain(seen[0]);
    expect(seen[0], path.strategy).toMatch(PROMISED_SOURCE[path.strategy]!);
  }
  if (metrics[1] !== undefined) {
    // A new connection pays connect and authentication on top of a request.
    const baseline = run.paths.find((path) => path.strategy === 'baseline')!;
    const p50 = (metric: string): number => decodeHistogram(baseline.repetitions[0]!.warm.find((warm) => warm.metric === metric)!.histogram).getValueAtPercentile(50);
    expect(p50(metrics[1])).toBeGreaterThan(p50(metrics[0]));
  }
  return run;
}

/**
 * A run with `burst.firstRequest: service`: every successful instance's
 * timeline has the real server's first-request spans (`phases`, in order)
 * and no HTTP first response; the spans are ordered and do not overlap, and
 * the burst has a histogram per phase. Returns each path's first instance's
 * spans (µs), for the record.
 */
export function expectServiceFirstSpans(run: RunResult, phases: readonly string[]): Record<string, Record<string, number>> {
  const example: Record<string, Record<string, number>> = {};
  for (const path of run.paths) {
    for (const burst of path.repetitions[0]!.bursts) {
      const ok = burst.instances.filter((instance) => instance.outcome === 'ok');
      expect(ok.length, path.strategy).toBe(burst.size);
      for (const instance of ok) {
        const names = instance.spans.map((span) => span.phase);
        expect(names.slice(names.indexOf('runtime-start') + 1), path.strategy).toEqual([...phases]);
        expect(names).not.toContain('first-response');
        // The client's socket said which address it used (pg's own socket; node-redis's through net.client.socket).
        expect(instance.localAddress, path.strategy).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        const timed = instance.spans.filter((span) => span.phase !== 'queued');
        for (const [index, span] of timed.entries()) {
          expect(span.endUs, `${path.strategy} ${span.phase}`).toBeGreaterThanOrEqual(span.startUs);
          const next = timed[index + 1];
          if (next !== undefined) expect(next.startUs, `${path.strategy} ${span.phase} → ${next.phase}`).toBeGreaterThanOrEqual(span.endUs);
        }
        // The first query's result is the end of the instance's cold start.
        expect(timed[timed.length - 1]!.endUs).toBe(instance.totalUs);
        example[path.strategy] ??= Object.fromEntries(timed.filter((span) => phases.includes(span.phase)).map((span) => [span.phase, span.endUs - span.startUs]));
      }
      for (const phase of phases) expect(decodeHistogram(burst.histograms[phase]!).totalCount, `${path.strategy} ${phase}`).toBe(ok.length);
    }
  }
  return example;
}

/**
 * A new connection per request in phases: a histogram per phase of `metric`,
 * each with as many requests as the total. Returns each path's p50s (µs), for the record.
 */
export function expectConnectPhases(run: RunResult, metric: string, phases: readonly string[]): Record<string, Record<string, number>> {
  const example: Record<string, Record<string, number>> = {};
  for (const path of run.paths) {
    const warm = path.repetitions[0]!.warm.find((result) => result.metric === metric)!;
    const total = decodeHistogram(warm.histogram);
    expect(Object.keys(warm.phases ?? {}), path.strategy).toEqual([...phases]);
    const p50s: Record<string, number> = { total: total.getValueAtPercentile(50) };
    let means = 0;
    for (const phase of phases) {
      const part = decodeHistogram((warm.phases as Record<string, string>)[phase]!);
      expect(part.totalCount, `${path.strategy} ${metric}.${phase}`).toBe(total.totalCount);
      p50s[phase] = part.getValueAtPercentile(50);
      means += part.mean;
    }
    // Closed loop: every request's parts add up to its latency, so the means do too (within the histograms' 0.1 %).
    expect(Math.abs(means - total.mean), path.strategy).toBeLessThan(total.mean * 0.005 + phases.length);
    example[path.strategy] = p50s;
  }
  return example;
}

/**
 * Runs `scenario` through the CLI and checks what every whole run of instances must show: exit 0,
 * the run and each path completed, each path's first repetition verified and its first burst's
 * instances all ok. Returns the run for the test's own checks.
 */
export async function runVerified(scenario: object): Promise<RunResult> {
  const out = tempDir();
  const result = await runCli(['run', scenarioFile(scenario), '--out', out]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  const [runId] = readdirSync(out);
  const run = readRun(join(out, runId!));
  expect(run.outcome).toBe('completed');
  for (const path of run.paths) {
    expect(path.outcome, path.strategy).toBe('completed');
    const rep = path.repetitions[0]!;
    expect(rep.verification?.ok, rep.verification?.detail).toBe(true);
    const burst = rep.bursts[0]!;
    expect(burst.instances.map((instance) => instance.outcome)).toEqual(Array.from({ length: burst.size }, () => 'ok'));
  }
  return run;
}

/** A `coldpath agent` child of this test and the client driving it over its stdio. */
export interface AgentChild {
  child: ChildProcessWithoutNullStreams;
  client: AgentClient;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Starts `coldpath agent` here (built CLI), with `env` added to the test's environment. */
export function startAgentChild(env: NodeJS.ProcessEnv = {}): AgentChild {
  const child = spawn(process.execPath, [CLI, 'agent'], { cwd: PACKAGE_ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, client: new AgentClient({ input: child.stdout, output: child.stdin, label: 'local agent' }), exited, stderr: () => stderr };
}

/** A test sshd's configuration (lives with the emulated machines, which bench/ uses too). */
export { sshdConfig } from '../../bench/sshd-config.js';

/** Polls `condition` every `pollMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The `coldpath agent` processes among a machine's (no PID namespace in the harness: `pgrep` inside one would see every machine's). */
export function agentPidsIn(machine: { processes(): number[] }): number[] {
  return machine.processes().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes('coldpath.js agent');
    } catch {
      return false;
    }
  });
}
