/**
 * A real Redis server in the user VPC (issue 13, first slice): `coldpath run`
 * with services[0].kind redis measures redis.get and redis.connect with
 * node-redis over baseline and gre-proxy, the server's own CLIENT LIST proves
 * the source address of each path (and catches a really misrouted one), bad
 * input and a missing redis-server are refused before anything exists, and
 * nothing is left afterwards — no redis-server, no data directory, no
 * namespace — also after kill -9 of the run and `coldpath clean`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { which } from '../../src/env/tools.js';
import { readLedgerFile, stateDir } from '../../src/kernel/ledger.js';
import { isAlive } from '../../src/kernel/processes.js';
import { readRun } from '../../src/results/store.js';
import {
  allColdpathNamespaces,
  ledgerDirs,
  namespacesOf,
  newNamespacesNotOfOtherRuns,
  rootNamespaceState,
  runCli,
  scenarioFile,
  startCli,
  tempDir,
  runRealServerPaths,
  expectServiceFirstSpans,
  expectConnectPhases,
} from './helpers.js';

const REDIS_SERVICE = [{ name: 'db', kind: 'redis' }];

/** Pids of every redis-server on the machine (a system one may run too: tests compare sets). */
function redisServerPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'redis-server') pids.add(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const newRedisServers = (before: ReadonlySet<number>): number[] => [...redisServerPids()].filter((pid) => !before.has(pid));

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('services of kind redis', () => {
  it('refuses a bad Redis option (exit 2) and a machine without redis-server (exit 3), creating nothing', async () => {
    const before = { netns: allColdpathNamespaces(), ledgers: ledgerDirs(), redis: redisServerPids() };
    const bad = await runCli(['run', scenarioFile({ services: [{ name: 'db', kind: 'redis', redis: { port: 8080 } }] })]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/services\.0\.redis\.port: got 8080; services\.0\.httpPort uses it already/);
    // Every tool coldpath needs, but no redis-server.
    const bin = join(tempDir('coldpath-path-'), 'bin');
    mkdirSync(bin);
    for (const tool of ['ip', 'bridge', 'nft', 'taskset', 'sysctl', 'git', 'redis-cli']) {
      const target = which(tool);
      if (target !== undefined) symlinkSync(target, join(bin, tool));
    }
    const missing = await runCli(['run', scenarioFile({ services: REDIS_SERVICE, workload: { metrics: ['redis.get'] } })], { env: { ...process.env, PATH: bin } });
    expect(missing.code, missing.stderr).toBe(3);
    expect(missing.stderr).toMatch(/services\.0\.kind: redis needs redis-server \(Debian package redis-server\)/);
    expect(missing.stderr).toMatch(/hint: apt-get install -y redis-server/);
    expect(newNamespacesNotOfOtherRuns(before.netns, missing.pid)).toEqual([]);
    expect(ledgerDirs().filter((dir) => !before.ledgers.includes(dir))).toEqual([]);
    expect(newRedisServers(before.redis)).toEqual([]);
  });

  it('measures redis.get and redis.connect over baseline and gre-proxy, checked by CLIENT LIST, and leaves nothing', async () => {
    const root = rootNamespaceState();
    const redisBefore = redisServerPids();
    // Every instance's first request is the server's connection and first query (burst.firstRequest: service).
    const run = await runRealServerPaths('redis', REDIS_SERVICE, ['redis.get', 'redis.connect'], 200, ['baseline', 'gre-proxy'], 'service');
    const cold = expectServiceFirstSpans(run, ['client-load', 'first-connect', 'first-auth', 'first-query']);
    const warm = expectConnectPhases(run, 'redis.connect', ['tcp', 'auth', 'query']);
    console.log(`redis first request (one run, µs): ${JSON.stringify(cold)}; redis.connect p50s (µs): ${JSON.stringify(warm)}`);

    expect(newRedisServers(redisBefore)).toEqual([]);
    expect(existsSync(join(stateDir(), run.tag))).toBe(false);
    expect(namespacesOf(run.tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(root);
  });

  it('fails the path check on the server’s own view when the path is really misrouted (COLDPATH_TEST_MISROUTE)', async () => {
    const out = tempDir();
    const scenario = {
      strategies: ['peering'],
      repetitions: 1,
      burst: { sizes: [1] },
      services: REDIS_SERVICE,
      reference: { tool: 'none' },
      workload: { metrics: ['redis.get'], requests: 200, warmup: 100 },
    };
    // The platform router masquerades onto the peering link: requests work, only the source address gives it away.
    const result = await runCli(['run', scenarioFile(scenario), '--out', out, '--quiet'], { env: { ...process.env, COLDPATH_TEST_MISROUTE: 'peering' } });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const [runId] = readdirSync(out);
    const peering = readRun(join(out, runId!)).paths[0]!;
    expect(peering.repetitions[0]!.warm[0]!.errors).toEqual({});
    const server = peering.verification!.server!;
    expect(server.ok).toBe(false);
    expect(server.observedSources).toEqual({ '169.254.252.1': 1 });
    expect(server.detail).toMatch(/redis CLIENT LIST saw unexpected sources 169\.254\.252\.1/);
  });

  it('after kill -9 of the run, `coldpath clean` stops its redis-server and removes its directory', async () => {
    const redisBefore = redisServerPids();
    const scenario = {
      strategies: ['baseline'],
      repetitions: 1,
      burst: { sizes: [1] },
      services: REDIS_SERVICE,
      reference: { tool: 'none' },
      workload: { metrics: ['redis.get'], requests: 1_000_000 },
    };
    const { child, tag } = await startCli(['run', scenarioFile(scenario)]);
    const ledgerFile = join(stateDir(), tag, 'ledger.jsonl');
    const recorded = (): number[] => readLedgerFile(ledgerFile).flatMap((entry) => (entry.t === 'process' && entry.argv.includes('redis-server') ? [entry.pid] : []));
    // Both servers (platform and user VPC) are up once the run measures.
    await waitFor(() => recorded().length === 2 && newRedisServers(redisBefore).length === 2, 60_000, 'both redis-servers to start');
    const servers = recorded();
    const dirs = readdirSync(join(stateDir(), tag)).filter((name) => name.startsWith('redis-'));
    expect(dirs.length).toBe(2);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    // redis-server outlives the run that started it (it ignores a closed stdin): clean must stop it.
    expect(servers.every(isAlive)).toBe(true);

    const clean = await runCli(['clean']);
    expect(clean.code, clean.stderr).toBe(0);
    await waitFor(() => servers.every((pid) => !isAlive(pid)), 5000, 'the redis-servers to exit');
    expect(newRedisServers(redisBefore)).toEqual([]);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(namespacesOf(tag)).toEqual([]);
  });
});
