/** The small commands as a user runs them: doctor, plan (no privileges needed), schema. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { which } from '../../src/env/tools.js';
import { CLI, NO_CAPABILITIES, runCli } from './helpers.js';

describe('cli', () => {
  it('doctor: exit 0 when the default scenario can run, and says which tunnel auto picks', async () => {
    const result = await runCli(['doctor']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok\s+privileges/);
    expect(result.stdout).toMatch(/tunnel: auto\s+(GRE|VXLAN) — /);
    expect(result.stdout).toMatch(/the default scenario can run\./);
  });

  it('plan: prints the commands of a run without privileges and without touching the kernel', () => {
    const result = spawnSync(which('setpriv')!, [...NO_CAPABILITIES, process.execPath, CLI, 'plan', '--strategies', 'peering'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^#!\/bin\/sh/);
    expect(result.stdout).toMatch(/ip -n coldpath-0000-uvpc route add 100\.64\.0\.0\/24 via 169\.254\.252\.1/);
  });

  it('schema: a JSON Schema with every top-level field', async () => {
    const result = await runCli(['schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['strategies', 'workload', 'burst', 'tunnel', 'eni', 'peering', 'proxy', 'experiments']));
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['run', '--no-such-option'])).code).toBe(2);
  });
});
