/**
 * A real PostgreSQL server in the user VPC (issue 13, second slice):
 * `coldpath run` with services[0].kind postgres measures pg.query and
 * pg.connect with `pg` (verified TLS, SCRAM) over baseline and gre-proxy,
 * the server's own pg_stat_activity proves the source address of each path
 * (and catches a really misrouted one), bad input and a missing PostgreSQL
 * are refused before anything exists, and nothing is left afterwards — no
 * postgres process, no cluster directory, no namespace — also after kill -9
 * of the run and `coldpath clean`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
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

const POSTGRES_SERVICE = [{ name: 'db', kind: 'postgres' }];

/** Pids of every postgres process on the machine (server and backends; a system one may run too: tests compare sets). */
function postgresPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.add(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const newPostgres = (before: ReadonlySet<number>): number[] => [...postgresPids()].filter((pid) => !before.has(pid));

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('services of kind postgres', () => {
  it('refuses a bad PostgreSQL option (exit 2) and a machine without PostgreSQL (exit 3), creating nothing', async () => {
    const before = { netns: allColdpathNamespaces(), ledgers: ledgerDirs(), postgres: postgresPids() };
    const bad = await runCli(['run', scenarioFile({ services: [{ name: 'db', kind: 'postgres', postgres: { port: 8080 } }] })]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/services\.0\.postgres\.port: got 8080; services\.0\.httpPort uses it already/);
    // An empty directory where Debian's versioned installations would be.
    const missing = await runCli(['run', scenarioFile({ services: POSTGRES_SERVICE, workload: { metrics: ['pg.query'] } })], {
      env: { ...process.env, COLDPATH_POSTGRES_DIR: tempDir('coldpath-no-pg-') },
    });
    expect(missing.code, missing.stderr).toBe(3);
    expect(missing.stderr).toMatch(/services\.0\.kind: postgres needs the PostgreSQL server \(Debian package postgresql/);
    expect(missing.stderr).toMatch(/hint: apt-get install -y postgresql/);
    expect(newNamespacesNotOfOtherRuns(before.netns, missing.pid)).toEqual([]);
    expect(ledgerDirs().filter((dir) => !before.ledgers.includes(dir))).toEqual([]);
    expect(newPostgres(before.postgres)).toEqual([]);
  });

  it('measures pg.query and pg.connect over baseline and gre-proxy, checked by pg_stat_activity, and leaves nothing', async () => {
    const root = rootNamespaceState();
    const postgresBefore = postgresPids();
    // Every instance's first request is the server's connection and first query (burst.firstRequest: service).
    const run = await runRealServerPaths('postgres', POSTGRES_SERVICE, ['pg.query', 'pg.connect'], 200, ['baseline', 'gre-proxy'], 'service');
    const cold = expectServiceFirstSpans(run, ['client-load', 'first-connect', 'first-tls', 'first-auth', 'first-query']);
    const warm = expectConnectPhases(run, 'pg.connect', ['tcp', 'tls', 'auth', 'query']);
    console.log(`postgres first request (one run, µs): ${JSON.stringify(cold)}; pg.connect p50s (µs): ${JSON.stringify(warm)}`);

    await waitFor(() => newPostgres(postgresBefore).length === 0, 5000, 'every postgres process to exit');
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
      services: POSTGRES_SERVICE,
      reference: { tool: 'none' },
      workload: { metrics: ['pg.query'], requests: 200, warmup: 100 },
    };
    // The platform router masquerades onto the peering link: queries work, only the source address gives it away.
    const result = await runCli(['run', scenarioFile(scenario), '--out', out, '--quiet'], { env: { ...process.env, COLDPATH_TEST_MISROUTE: 'peering' } });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const [runId] = readdirSync(out);
    const peering = readRun(join(out, runId!)).paths[0]!;
    expect(peering.repetitions[0]!.warm[0]!.errors).toEqual({});
    const server = peering.verification!.server!;
    expect(server.ok).toBe(false);
    expect(server.observedSources).toEqual({ '169.254.252.1': 1 });
    expect(server.detail).toMatch(/postgres pg_stat_activity saw unexpected sources 169\.254\.252\.1/);
  });

  it('after kill -9 of the run, `coldpath clean` stops its PostgreSQL servers and removes their clusters', async () => {
    const postgresBefore = postgresPids();
    const scenario = {
      strategies: ['baseline'],
      repetitions: 1,
      burst: { sizes: [1] },
      services: POSTGRES_SERVICE,
      reference: { tool: 'none' },
      workload: { metrics: ['pg.query'], requests: 1_000_000 },
    };
    const { child, tag } = await startCli(['run', scenarioFile(scenario)]);
    const ledgerFile = join(stateDir(), tag, 'ledger.jsonl');
    const recorded = (): number[] => readLedgerFile(ledgerFile).flatMap((entry) => (entry.t === 'process' && entry.argv.some((arg) => arg.endsWith('/postgres')) ? [entry.pid] : []));
    // Both servers (platform and user VPC) are up once the run measures.
    await waitFor(() => recorded().length === 2 && newPostgres(postgresBefore).length >= 2, 90_000, 'both PostgreSQL servers to start');
    const servers = recorded();
    const dirs = readdirSync(join(stateDir(), tag)).filter((name) => name.startsWith('postgres-'));
    expect(dirs.length).toBe(2);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    // The servers outlive the run that started them: clean must stop them.
    expect(servers.every(isAlive)).toBe(true);

    const clean = await runCli(['clean']);
    expect(clean.code, clean.stderr).toBe(0);
    await waitFor(() => newPostgres(postgresBefore).length === 0, 10_000, 'every postgres process to exit');
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(namespacesOf(tag)).toEqual([]);
  });
});
