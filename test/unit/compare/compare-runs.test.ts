import { describe, expect, it } from 'vitest';
import { compareRuns, defaultEffect, DEFAULT_SETTINGS, type CompareSettings } from '../../../src/compare/compare-runs.js';
import { renderConsole } from '../../../src/compare/render-console.js';
import { renderJunit } from '../../../src/compare/render-junit.js';
import { renderMarkdown } from '../../../src/compare/render-markdown.js';
import { parseThresholds } from '../../../src/compare/thresholds.js';
import { exitCodeOf, type Comparison, type Finding } from '../../../src/compare/types.js';
import { ColdpathError } from '../../../src/errors.js';
import type { RunResult } from '../../../src/results/types.js';
import { firstRepetitions, jitter, loadFixture, scaleRun, threeRepetitions, withFingerprint, withFailedProxyPath } from './helpers.js';

const fixture = loadFixture();
const three = threeRepetitions(fixture);
const where = { base: 'base', next: 'new' };

function compare(base: RunResult, next: RunResult, settings: Partial<CompareSettings> = {}): Comparison {
  return compareRuns(base, next, { ...DEFAULT_SETTINGS, iterations: 2000, ...settings }, where);
}

const find = (comparison: Comparison, path: string, metric: string): Finding => {
  const finding = comparison.findings.find((f) => f.path === path && f.metric === metric);
  if (finding === undefined) throw new Error(`no finding ${path} ${metric}`);
  return finding;
};
const verdicts = (comparison: Comparison, verdict: string): string[] => comparison.findings.filter((f) => f.verdict === verdict).map((f) => `${f.path} ${f.metric}`);

describe('compare: same run', () => {
  it('nothing regresses or improves; exit 0', () => {
    const comparison = compare(three, three);
    expect(verdicts(comparison, 'regressed')).toEqual([]);
    expect(verdicts(comparison, 'improved')).toEqual([]);
    expect(exitCodeOf(comparison)).toBe(0);
    expect(find(comparison, 'gre-proxy', 'failures.rate').verdict).toBe('unchanged');
    expect(find(comparison, 'gre-proxy', 'errors.rate').verdict).toBe('unchanged');
  });

  it('checks every path × (cold path + measured warm series) × (p50, p99) + failures + errors', () => {
    const comparison = compare(fixture, fixture);
    expect(comparison.findings).toHaveLength(4 * (5 * 2 + 2));
    expect(comparison.findings.map((f) => f.metric).slice(0, 12)).toEqual([
      'coldpath.p50',
      'coldpath.p99',
      'connect.p50',
      'connect.p99',
      'keepalive.p50',
      'keepalive.p99',
      'newconn.p50',
      'newconn.p99',
      'echo.p50',
      'echo.p99',
      'failures.rate',
      'errors.rate',
    ]);
  });

  it('is reproducible', () => {
    expect(compare(fixture, scaleRun(fixture, 1.2))).toEqual(compare(fixture, scaleRun(fixture, 1.2)));
  });
});

describe('compare: injected changes', () => {
  it('2× slower keep-alive and new connections on gre-proxy regress there only; exit 99', () => {
    const slower = scaleRun(three, 2, { paths: ['gre-proxy'], series: ['keepalive', 'newconn'] });
    const comparison = compare(three, slower);
    expect(find(comparison, 'gre-proxy', 'keepalive.p50').verdict).toBe('regressed');
    expect(find(comparison, 'gre-proxy', 'newconn.p50').verdict).toBe('regressed');
    expect(verdicts(comparison, 'regressed').every((name) => name.startsWith('gre-proxy keepalive') || name.startsWith('gre-proxy newconn'))).toBe(true);
    expect(exitCodeOf(comparison)).toBe(99);
    const finding = find(comparison, 'gre-proxy', 'keepalive.p50');
    if (finding.type !== 'latency-change') throw new Error('expected a latency change');
    expect(finding.estimate.ratio).toBeCloseTo(2, 1);
    expect(finding.estimate.ci.low).toBeGreaterThan(1.1);
    expect(finding.reason).toMatch(/lies above \+10%/);
  });

  it('2× faster improves; exit 0', () => {
    const faster = scaleRun(three, 0.5, { paths: ['eni'] });
    const comparison = compare(three, faster);
    expect(find(comparison, 'eni', 'keepalive.p50').verdict).toBe('improved');
    expect(exitCodeOf(comparison)).toBe(0);
  });

  it('5% slower is below the minimum effect: never regressed', () => {
    expect(verdicts(compare(three, scaleRun(three, 1.05)), 'regressed')).toEqual([]);
  });

  it('a cold-start failure surge regresses failures.rate', () => {
    const failing = structuredClone(three);
    for (const rep of failing.paths[1]!.repetitions) for (const burst of rep.bursts) burst.failures = { 'eni-quota': burst.size };
    expect(find(compare(three, failing), 'eni', 'failures.rate').verdict).toBe('regressed');
  });

  it('request errors regress errors.rate and break errors.count<1', () => {
    const erroring = structuredClone(three);
    for (const rep of erroring.paths[3]!.repetitions) for (const warm of rep.warm) warm.errors = { timeout: 100 };
    const comparison = compare(three, erroring, { thresholds: parseThresholds(['errors.count<1']) });
    expect(find(comparison, 'gre-proxy', 'errors.rate').verdict).toBe('regressed');
    const rows = comparison.findings.filter((f) => f.metric === 'errors.count<1');
    expect(rows.map((f) => `${f.path} ${f.verdict}`)).toEqual(['baseline passed', 'eni passed', 'peering passed', 'gre-proxy failed']);
  });

  it('a path that fails in NEW makes NEW invalid (validity.test.ts), not regressed', () => {
    const broken = withFailedProxyPath(three);
    const comparison = compare(three, broken);
    const finding = find(comparison, 'gre-proxy', 'outcome');
    expect(finding.verdict).toBe('invalid');
    expect(finding.reason).toContain('nft: no such table');
    expect(exitCodeOf(comparison)).toBe(1);
  });
});

describe('compare: default minimum effects', () => {
  it('10% for warm medians, a doubling for warm tails and cold starts', () => {
    const latency = (series: 'coldstart' | 'keepalive', percentile: 'p50' | 'p90' | 'p99') => ({ kind: 'latency', series, percentile }) as const;
    expect(defaultEffect(latency('keepalive', 'p50'), DEFAULT_SETTINGS)).toBe(0.1);
    expect(defaultEffect(latency('keepalive', 'p99'), DEFAULT_SETTINGS)).toBe(1);
    expect(defaultEffect(latency('keepalive', 'p90'), DEFAULT_SETTINGS)).toBe(1);
    expect(defaultEffect(latency('coldstart', 'p50'), DEFAULT_SETTINGS)).toBe(1);
    // --min-effect above a doubling raises them all
    expect(defaultEffect(latency('coldstart', 'p99'), { ...DEFAULT_SETTINGS, minEffect: 1.5 })).toBe(1.5);
  });

  it('a 2× slower tail is not called by default, but is with a -t rule', () => {
    const wobbly = jitter(three, [1.03, 0.98, 1.01]);
    const slowerTail = scaleRun(wobbly, 1.5, { paths: ['eni'], series: ['newconn'] });
    expect(find(compare(three, slowerTail), 'eni', 'newconn.p99').verdict).not.toBe('regressed');
    const strict = compare(three, slowerTail, { thresholds: parseThresholds(['eni:newconn.p99<+10%']) });
    expect(find(strict, 'eni', 'newconn.p99').verdict).toBe('regressed');
    expect(find(strict, 'eni', 'newconn.p50').verdict).toBe('regressed');
  });
});

describe('compare: thresholds', () => {
  const slower = scaleRun(three, 2, { paths: ['gre-proxy'], series: ['keepalive'] });

  it('a relative rule replaces the minimum effect; a scoped rule beats an unscoped one', () => {
    const comparison = compare(three, slower, { thresholds: parseThresholds(['keepalive.p50<+5%', 'gre-proxy:keepalive.p50<+400%']) });
    const greProxy = find(comparison, 'gre-proxy', 'keepalive.p50');
    expect(greProxy.verdict).not.toBe('regressed');
    expect(greProxy.type === 'latency-change' && greProxy.limit).toEqual({ increase: 4, source: 'threshold', rule: 'gre-proxy:keepalive.p50<+400%' });
    const eni = find(comparison, 'eni', 'keepalive.p50');
    expect(eni.type === 'latency-change' && eni.limit).toEqual({ increase: 0.05, source: 'threshold', rule: 'keepalive.p50<+5%' });
  });

  it('a rule on another percentile adds that check', () => {
    const comparison = compare(three, three, { thresholds: parseThresholds(['eni:keepalive.p90<+10%']) });
    expect(comparison.findings.filter((f) => f.metric === 'keepalive.p90').map((f) => f.path)).toEqual(['eni']);
  });

  it('absolute latency limits: failed, passed, and exit 99 on failed', () => {
    const failed = compare(three, three, { thresholds: parseThresholds(['gre-proxy:coldstart.p50<1ms']) });
    const limit = failed.findings.find((f) => f.type === 'latency-limit');
    expect(limit?.verdict).toBe('failed');
    expect(limit?.reason).toMatch(/95% CI .* is entirely over 1\.00ms/);
    expect(exitCodeOf(failed)).toBe(99);
    const passed = compare(three, three, { thresholds: parseThresholds(['gre-proxy:coldstart.p50<100s']) });
    expect(passed.findings.find((f) => f.type === 'latency-limit')?.verdict).toBe('passed');
    expect(exitCodeOf(passed)).toBe(0);
  });

  it('a rule naming a path or metric the runs lack is an input error', () => {
    const withoutEni = structuredClone(three);
    withoutEni.paths = withoutEni.paths.filter((p) => p.strategy !== 'eni');
    const noEcho = structuredClone(three);
    for (const path of noEcho.paths) for (const rep of path.repetitions) rep.warm = rep.warm.filter((w) => w.metric !== 'echo');
    const attempt = (next: RunResult, rule: string): ColdpathError => {
      try {
        compare(three, next, { thresholds: parseThresholds([rule]) });
      } catch (error) {
        if (error instanceof ColdpathError) return error;
        throw error;
      }
      throw new Error('expected an input error');
    };
    const path = attempt(withoutEni, 'eni:keepalive.p50<+5%');
    expect(path.kind).toBe('input');
    expect(path.message).toMatch(/"eni:keepalive.p50<\+5%" names path eni, which NEW did not run/);
    expect(path.hint).toMatch(/NEW has: baseline, peering, gre-proxy/);
    const metric = attempt(noEcho, 'echo.p50<1ms');
    expect(metric.message).toMatch(/NEW did not measure echo.p50 on any path/);
    expect(attempt(noEcho, 'gre-proxy:echo.p99<+20%').message).toMatch(/NEW did not measure echo.p99 on gre-proxy/);
  });
});

describe('compare: environments', () => {
  it('refuses different fingerprints, listing the differences (exit 2)', () => {
    const other = withFingerprint(fixture, { kernel: '6.1.0-56-amd64', cpuCount: 4 });
    let error: unknown;
    try {
      compare(fixture, other);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ColdpathError);
    const e = error as ColdpathError;
    expect(e.processExitCode).toBe(2);
    expect(e.message).toContain('kernel: "6.18.44-fc-v657" vs "6.1.0-56-amd64"');
    expect(e.message).toContain('cpuCount: 2 vs 4');
    expect(e.hint).toContain('--allow-env-mismatch');
  });

  it('a different git sha or hostname is what compare is for: accepted', () => {
    expect(compare(fixture, withFingerprint(fixture, { gitSha: 'f'.repeat(40), hostname: 'ci-2' })).envMismatch).toEqual([]);
  });

  describe('across machines (run.json agents)', () => {
    const estimate = { kind: 'offset', offsetUs: 0, uncertaintyUs: 40, delayUs: 80, atUs: 0, samples: 8 } as const;
    const agent = (host: string, kernel: string, hostname = `${host}.lab`) => ({ host, pid: 7, protocol: 1, hostname, kernel, coldpath: '0.8.0', start: estimate });
    const withAgents = (run: RunResult, agents: NonNullable<RunResult['agents']>): RunResult => ({ ...run, agents });
    const across = withAgents(fixture, [agent('fn-1', '6.1.0-56-amd64'), agent('svc-1', '6.1.0-56-amd64')]);

    it('refuses a host whose kernel changed, naming the host', () => {
      const other = withAgents(fixture, [agent('fn-1', '6.1.0-56-amd64'), agent('svc-1', '6.12.9-amd64')]);
      expect(() => compare(across, other)).toThrow(/host svc-1 kernel: "6\.1\.0-56-amd64" vs "6\.12\.9-amd64"/);
    });

    it('refuses a run across machines against one on this machine: the hosts measured differ', () => {
      expect(() => compare(fixture, across)).toThrow(/host fn-1: absent vs measured/);
    });

    it("an agent on the coordinator's own machine (executor local) is the fingerprint's machine: no difference", () => {
      const local = withAgents(fixture, [agent('local', fixture.fingerprint.kernel, fixture.fingerprint.hostname)]);
      expect(compare(fixture, local).envMismatch).toEqual([]);
    });

    it('the same hosts on new host names (another lab) with the same kernels: accepted', () => {
      const elsewhere = withAgents(fixture, [agent('fn-1', '6.1.0-56-amd64', 'b1'), agent('svc-1', '6.1.0-56-amd64', 'b2')]);
      expect(compare(across, elsewhere).envMismatch).toEqual([]);
    });

    it("refuses a host whose CPUs changed (schema 13's agents[].machine); a tool's version or a run that did not record them is no difference", () => {
      const machine = { os: 'Debian GNU/Linux 12 (bookworm)', cpuModel: 'AMD EPYC', cpuCount: 2, node: 'v20.20.0', iproute2: 'ip utility, iproute2-6.1.0', nft: 'nftables v1.0.6', sockperf: '3.10' };
      const described = (cpu: Partial<typeof machine>) =>
        withAgents(fixture, [
          { ...agent('fn-1', '6.1.0-56-amd64'), machine: { ...machine, ...cpu } },
          { ...agent('svc-1', '6.1.0-56-amd64'), machine },
        ]);
      expect(() => compare(described({}), described({ cpuCount: 4 }))).toThrow(/host fn-1 cpuCount: 2 vs 4/);
      expect(() => compare(described({}), described({ cpuModel: 'Intel Xeon' }))).toThrow(/host fn-1 cpuModel: "AMD EPYC" vs "Intel Xeon"/);
      expect(compare(described({}), described({ sockperf: '3.7' })).envMismatch).toEqual([]);
      expect(compare(across, described({ cpuCount: 4 })).envMismatch).toEqual([]);
    });
  });

  it('--allow-env-mismatch compares and says so in every output', () => {
    const other = withFingerprint(fixture, { tunnelUsed: 'gre' });
    const comparison = compare(fixture, other, { allowEnvMismatch: true });
    expect(comparison.envMismatch).toEqual(['tunnelUsed: "vxlan" vs "gre"']);
    for (const output of [renderConsole(comparison), renderMarkdown(comparison), renderJunit(comparison)]) {
      expect(output).toMatch(/environments differ, compared anyway \(--allow-env-mismatch\): tunnelUsed: (&quot;|")vxlan(&quot;|") vs (&quot;|")gre(&quot;|")/);
    }
  });

  it('scenario differences are listed as a note', () => {
    const other = structuredClone(fixture);
    other.scenario.services = [{ ...other.scenario.services[0]!, responseDelayUs: 200 }];
    expect(compare(fixture, other).notes).toContain('scenarios differ (BASE vs NEW): services.0.responseDelayUs: 0 vs 200');
  });

  it('a run recorded before instances.runtime existed is a process run: no difference against runtime process, one against oci', () => {
    const process = structuredClone(fixture);
    process.scenario.instances = { runtime: 'process' };
    expect(compare(fixture, process).notes.filter((note) => note.startsWith('scenarios differ'))).toEqual([]);
    const oci = structuredClone(fixture);
    oci.scenario.instances = { runtime: 'oci' };
    expect(compare(fixture, oci).notes).toContain('scenarios differ (BASE vs NEW): instances.runtime: "process" vs "oci"');
  });
});

describe('compare: one repetition', () => {
  const one = firstRepetitions(fixture, 1);

  it('A/A: latency is inconclusive, never unchanged or regressed; a note says why', () => {
    const comparison = compare(one, one);
    const latency = comparison.findings.filter((f) => f.type === 'latency-change');
    expect(latency.every((f) => f.verdict === 'inconclusive')).toBe(true);
    expect(comparison.notes.some((note) => note.includes('1 repetition'))).toBe(true);
  });

  it('a huge, clearly separated change is still caught', () => {
    const comparison = compare(one, scaleRun(one, 3, { paths: ['gre-proxy'], series: ['keepalive'] }));
    expect(find(comparison, 'gre-proxy', 'keepalive.p50').verdict).toBe('regressed');
    expect(find(comparison, 'gre-proxy', 'keepalive.p50').reason).toMatch(/1 repetition, but CI/);
    expect(verdicts(comparison, 'regressed').filter((name) => !name.startsWith('gre-proxy keepalive'))).toEqual([]);
  });
});
