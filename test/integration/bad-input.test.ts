/**
 * Bad input and a missing environment get a clear error naming the field or
 * the command, a hint, the right exit code — and nothing is created.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { which } from '../../src/env/tools.js';
import { allColdpathNamespaces, ledgerDirs, newNamespacesNotOfOtherRuns, NO_CAPABILITIES, rootNamespaceState, runCli, scenarioFile, tempDir } from './helpers.js';
import { Ledger, ownerOf } from '../../src/kernel/ledger.js';
import { isAlive } from '../../src/kernel/processes.js';

const liveLedger = (tag: string): boolean => {
  const owner = ownerOf(Ledger.open(tag).read());
  return owner !== undefined && isAlive(owner.pid);
};

/** Runs the CLI and checks that it created nothing at all. */
async function refused(args: string[], env?: NodeJS.ProcessEnv) {
  const before = { netns: allColdpathNamespaces(), ledgers: ledgerDirs(), root: rootNamespaceState() };
  const result = await runCli(args, env === undefined ? {} : { env });
  // Other runs (a benchmark, another tier) may come and go; ours must not have added anything that stays.
  expect(newNamespacesNotOfOtherRuns(before.netns, result.pid)).toEqual([]);
  expect(ledgerDirs().filter((d) => !before.ledgers.includes(d) && !liveLedger(d))).toEqual([]);
  expect(rootNamespaceState()).toBe(before.root);
  return result;
}

describe('bad input', () => {
  it('refuses peering between overlapping CIDRs before building anything, naming both', async () => {
    const file = scenarioFile({ strategies: ['peering'], user: { cidr: '198.18.0.0/16', subnet: '198.18.64.0/24' } });
    const result = await refused(['run', file, '--out', tempDir()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/user\.cidr: VPC peering cannot connect overlapping networks: user\.cidr 198\.18\.0\.0\/16 overlaps platform\.cidr 198\.18\.0\.0\/20/);
    expect(result.stderr).toMatch(/hint: .*coldpath schema/);
  });

  it('rejects a malformed scenario file with exit 2', async () => {
    const dir = tempDir('coldpath-bad-');
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'strategies: [eni\nrepetitions: 3\n');
    const result = await refused(['run', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/broken\.yaml is not valid YAML/);
    const missing = await refused(['run', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read scenario file .*nope\.yaml/);
  });

  it('rejects an unknown path on the command line', async () => {
    const result = await refused(['run', '--strategies', 'eni,vpn']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--strategies: "eni,vpn" names unknown path\(s\) vpn/);
  });

  it('rejects a CPU that does not exist', async () => {
    const result = await refused(['run', scenarioFile({ cpu: { probes: [512] } })]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cpu\.probes: CPU 512 does not exist/);
  });

  it('names a missing tool and how to install it (exit 3)', async () => {
    const bin = tempDir('coldpath-path-');
    mkdirSync(join(bin, 'bin'));
    for (const tool of ['ip', 'bridge', 'taskset', 'sysctl', 'git']) {
      const target = which(tool);
      if (target !== undefined) symlinkSync(target, join(bin, 'bin', tool));
    }
    const result = await refused(['run'], { ...process.env, PATH: join(bin, 'bin') });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/missing tools: nft \(MASQUERADE/);
    expect(result.stderr).toMatch(/hint: apt-get install -y nftables/);
  });

  it('says what privilege is missing without root (exit 3)', async () => {
    const setpriv = which('setpriv');
    expect(setpriv, 'setpriv (util-linux) is needed to drop privileges in this test').toBeDefined();
    const before = allColdpathNamespaces();
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(setpriv!, [...NO_CAPABILITIES, process.execPath, join(process.cwd(), 'bin/coldpath.js'), 'run'], {
      encoding: 'utf8',
      env: { ...process.env, COLDPATH_STATE_DIR: tempDir('coldpath-state-') },
    });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/not enough privileges: uid \d+ lacks CAP_NET_ADMIN and CAP_SYS_ADMIN/);
    expect(result.stderr).toMatch(/hint: run as root/);
    expect(newNamespacesNotOfOtherRuns(before, undefined)).toEqual([]);
  });
});
