/**
 * `coldpath run --hosts examples/hosts/local.yaml`: every kernel plan of the
 * run goes through one local agent child (the agent protocol's apply and
 * teardown), and its probes and built-in services start through the agent too.
 * Both paths must pass their path check, the cold-path spans (mapped from the
 * agent's clock) must be positive and in order, and nothing of the run may
 * remain. After `kill -9` of the coordinator mid-run, the agent ends at end
 * of input and `coldpath clean` removes everything from both ledgers.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { stateDir } from '../../src/kernel/ledger.js';
import { isAlive } from '../../src/kernel/processes.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { readRun } from '../../src/results/store.js';
import { NETWORK_PHASES } from '../../src/results/types.js';
import { ledgerDirs, namespacesOf, processesInNamespaces, rootNamespaceState, runCli, scenarioFile, startCli, tempDir } from './helpers.js';

const LOCAL_HOSTS = join(PACKAGE_ROOT, 'examples', 'hosts', 'local.yaml');

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Pids of the agents that joined a tag: their ledgers are `agent-<pid>.jsonl` in the tag's directory. */
function agentPidsOf(tag: string): number[] {
  try {
    return readdirSync(join(stateDir(), tag)).flatMap((name) => {
      const match = /^agent-(\d+)\.jsonl$/.exec(name);
      return match?.[1] === undefined ? [] : [Number(match[1])];
    });
  } catch {
    return [];
  }
}

describe('coldpath run --hosts (executor local)', () => {
  it('builds baseline and gre-proxy through the local agent: both paths verified, spans ordered, nothing left', async () => {
    const before = rootNamespaceState();
    const out = tempDir();
    const scenario = scenarioFile({ strategies: ['baseline', 'gre-proxy'], repetitions: 1, burst: { sizes: [2] }, workload: { requests: 200, warmup: 100 } });
    const result = await runCli(['run', scenario, '--hosts', LOCAL_HOSTS, '--out', out]);
    expect(result.stderr + result.stdout).not.toMatch(/coldpath: /);
    expect(result.code, result.stderr).toBe(0);
    const [runId] = readdirSync(out);
    const run = readRun(join(out, runId!));
    expect(run.outcome).toBe('completed');
    expect(run.notes.some((note) => /^kernel plans applied through the local agent \(coldpath agent, pid \d+, protocol 1\)/.test(note))).toBe(true);
    // The agent's clock, on connect and before teardown: same machine, so the true offset is 0 and the drift none.
    expect(run.agents).toHaveLength(1);
    const [agent] = run.agents!;
    expect(agent).toMatchObject({ host: 'local', protocol: 1, start: { kind: 'offset' }, end: { kind: 'offset' } });
    for (const estimate of [agent!.start, agent!.end!]) {
      expect(estimate.uncertaintyUs).toBeGreaterThan(0);
      expect(Math.abs(estimate.offsetUs)).toBeLessThanOrEqual(estimate.uncertaintyUs);
    }
    expect(agent!.end!.atUs).toBeGreaterThan(agent!.start.atUs);
    expect(Math.abs(agent!.driftPpm!)).toBeLessThanOrEqual(agent!.driftUncertaintyPpm!);
    expect(run.paths.map((path) => path.strategy)).toEqual(['baseline', 'gre-proxy']);
    for (const path of run.paths) {
      expect(path.outcome, path.strategy).toBe('completed');
      expect(path.verification?.ok, path.strategy).toBe(true);
      const rep = path.repetitions[0]!;
      expect(rep.prewarmUs).toBeGreaterThanOrEqual(0);
      for (const burst of rep.bursts) {
        expect(burst.instances).toHaveLength(2);
        for (const instance of burst.instances) {
          expect(instance.outcome).toBe('ok');
          const network = instance.spans.filter((span) => (NETWORK_PHASES as readonly string[]).includes(span.phase));
          expect(network.map((span) => span.phase)).toEqual(['namespace', 'container-link', 'strategy-attach', 'first-connect', 'first-response']);
          let previousEnd = 0;
          for (const span of instance.spans) {
            if (span.phase === 'queued') continue;
            // Each phase starts after the one before ended: agent stamps mapped onto the coordinator's clock. Kernel
            // work takes time; an empty plan (these paths attach nothing per instance) is a zero-length span.
            if (span.phase === 'namespace' || span.phase === 'container-link') expect(span.endUs, span.phase).toBeGreaterThan(span.startUs);
            else expect(span.endUs, span.phase).toBeGreaterThanOrEqual(span.startUs);
            expect(span.startUs, span.phase).toBeGreaterThanOrEqual(previousEnd);
            previousEnd = span.endUs;
          }
        }
      }
    }
    expect(namespacesOf(run.tag)).toEqual([]);
    expect(existsSync(join(stateDir(), run.tag))).toBe(false);
    expect(rootNamespaceState()).toBe(before);
  });

  it('after kill -9 of the coordinator mid-run, the agent ends and `coldpath clean` removes both ledgers and every namespace', async () => {
    const before = rootNamespaceState();
    const { child, tag } = await startCli(['run', scenarioFile({ strategies: ['gre-proxy'], repetitions: 1, burst: { sizes: [2] }, workload: { requests: 100000 } }), '--hosts', LOCAL_HOSTS]);
    await waitFor(() => processesInNamespaces(tag).length >= 3, 60_000, 'probes and services inside the namespaces');
    const agents = agentPidsOf(tag);
    expect(agents).toHaveLength(1);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    // End of input ends the agent; it tears nothing down.
    await waitFor(() => agents.every((pid) => !isAlive(pid)), 10_000, 'the agent to exit at end of input');
    expect(namespacesOf(tag).length).toBeGreaterThan(0);
    expect(agentPidsOf(tag)).toEqual(agents);

    const clean = await runCli(['clean']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(namespacesOf(tag)).toEqual([]);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(rootNamespaceState()).toBe(before);
  });

  it('executor ssh with a scenario a run across machines cannot do exits 2 before anything exists, naming the field', async () => {
    const hosts = scenarioFile({
      executor: 'ssh',
      hosts: [
        { name: 'fn-1', role: 'function-host', address: 'fn1', nics: { platform: 'eth0' } },
        { name: 'svc-1', role: 'service-host', address: 'svc1', nics: { user: 'eth0' } },
      ],
    });
    const ledgersBefore = ledgerDirs();
    // The default scenario pins CPUs, whose numbers are each machine's own (tunnel auto is the hosts' kernels' choice now).
    const result = await runCli(['run', scenarioFile({ strategies: ['baseline'] }), '--hosts', hosts]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cpu\.placement: pinned: not supported across machines yet/);
    expect(result.stderr).toMatch(/set cpu\.placement: none/);
    expect(ledgerDirs()).toEqual(ledgersBefore);
  });
});
