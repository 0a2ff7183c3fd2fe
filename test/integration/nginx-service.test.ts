/**
 * nginx in the user VPC (issue 13, third slice): `coldpath run` with
 * services[0].kind nginx measures http.get with undici over every path, nginx's
 * own access log proves the source address of each (and catches a really
 * misrouted one), bad input and a missing nginx are refused before anything
 * exists, and nothing is left afterwards — no nginx process, no directory,
 * no namespace — also after kill -9 of the run and `coldpath clean`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { which } from '../../src/env/tools.js';
import { readLedgerFile, stateDir } from '../../src/kernel/ledger.js';
import { isAlive } from '../../src/kernel/processes.js';
import { readRun } from '../../src/results/store.js';
import { allColdpathNamespaces, ledgerDirs, namespacesOf, newNamespacesNotOfOtherRuns, rootNamespaceState, runCli, runRealServerPaths, scenarioFile, startCli, tempDir } from './helpers.js';

const NGINX_SERVICE = [{ name: 'web', kind: 'nginx' }];

/** Pids of every nginx process on the machine, masters and workers (a system one may run too: tests compare sets). */
function nginxPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'nginx') pids.add(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const newNginx = (before: ReadonlySet<number>): number[] => [...nginxPids()].filter((pid) => !before.has(pid));

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('services of kind nginx', () => {
  it('refuses a bad nginx option (exit 2) and a machine without nginx (exit 3), creating nothing', async () => {
    const before = { netns: allColdpathNamespaces(), ledgers: ledgerDirs(), nginx: nginxPids() };
    const bad = await runCli(['run', scenarioFile({ services: [{ name: 'web', kind: 'nginx', nginx: { port: 9000 } }] })]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/services\.0\.nginx\.port: got 9000; services\.0\.echoPort uses it already/);
    // Every tool coldpath needs, but no nginx.
    const bin = join(tempDir('coldpath-path-'), 'bin');
    mkdirSync(bin);
    for (const tool of ['ip', 'bridge', 'nft', 'taskset', 'sysctl', 'git']) {
      const target = which(tool);
      if (target !== undefined) symlinkSync(target, join(bin, tool));
    }
    const missing = await runCli(['run', scenarioFile({ services: NGINX_SERVICE, workload: { metrics: ['http.get'] } })], { env: { ...process.env, PATH: bin } });
    expect(missing.code, missing.stderr).toBe(3);
    expect(missing.stderr).toMatch(/services\.0\.kind: nginx needs nginx \(Debian package nginx\)/);
    expect(missing.stderr).toMatch(/hint: apt-get install -y nginx/);
    expect(newNamespacesNotOfOtherRuns(before.netns, missing.pid)).toEqual([]);
    expect(ledgerDirs().filter((dir) => !before.ledgers.includes(dir))).toEqual([]);
    expect(newNginx(before.nginx)).toEqual([]);
  });

  it('measures http.get over every path, checked by nginx’s access log, and leaves nothing', async () => {
    const root = rootNamespaceState();
    const before = nginxPids();
    const run = await runRealServerPaths('nginx', NGINX_SERVICE, ['http.get'], 200, ['baseline', 'eni', 'peering', 'gre-proxy']);
    for (const path of run.paths) expect(path.verification?.server?.detail).toMatch(/^nginx access log saw only the expected 1 source address/);

    expect(newNginx(before)).toEqual([]);
    expect(existsSync(join(stateDir(), run.tag))).toBe(false);
    expect(namespacesOf(run.tag)).toEqual([]);
    expect(rootNamespaceState()).toBe(root);
  });

  it('fails the path check on nginx’s own view when the path is really misrouted (COLDPATH_TEST_MISROUTE)', async () => {
    const out = tempDir();
    const scenario = {
      strategies: ['peering'],
      repetitions: 1,
      burst: { sizes: [1] },
      services: NGINX_SERVICE,
      reference: { tool: 'none' },
      workload: { metrics: ['http.get'], requests: 200, warmup: 100 },
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
    expect(server.detail).toMatch(/nginx access log saw unexpected sources 169\.254\.252\.1/);
  });

  it('after kill -9 of the run, `coldpath clean` stops its nginx and removes its directory', async () => {
    const before = nginxPids();
    const scenario = {
      strategies: ['baseline'],
      repetitions: 1,
      burst: { sizes: [1] },
      services: NGINX_SERVICE,
      reference: { tool: 'none' },
      workload: { metrics: ['http.get'], requests: 1_000_000 },
    };
    const { child, tag } = await startCli(['run', scenarioFile(scenario)]);
    const ledgerFile = join(stateDir(), tag, 'ledger.jsonl');
    const recorded = (): number[] => readLedgerFile(ledgerFile).flatMap((entry) => (entry.t === 'process' && entry.argv.some((arg) => arg.endsWith('/nginx')) ? [entry.pid] : []));
    // Both masters (platform and user VPC) and their workers are up once the run measures.
    await waitFor(() => recorded().length === 2 && newNginx(before).length === 4, 60_000, 'both nginx masters and their workers to start');
    const masters = recorded();
    const all = newNginx(before);
    const dirs = readdirSync(join(stateDir(), tag)).filter((name) => name.startsWith('nginx-'));
    expect(dirs.length).toBe(2);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    // nginx outlives the run that started it: clean must stop it, masters and workers.
    expect(masters.every(isAlive)).toBe(true);

    const clean = await runCli(['clean']);
    expect(clean.code, clean.stderr).toBe(0);
    await waitFor(() => all.every((pid) => !isAlive(pid)), 5000, 'every nginx process to exit');
    expect(newNginx(before)).toEqual([]);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(namespacesOf(tag)).toEqual([]);
  });
});
