/**
 * `coldpath agent` as the built CLI in a child process, driven by the client
 * over its stdio: the path a local executor takes, and ssh's minus the ssh.
 * Needs dist/ (`npm run build`; `npm test` builds first) and no privileges.
 * Agent and test read the same CLOCK_MONOTONIC, so the true offset is 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient } from '../../../src/agent/client.js';
import { osName, sockperfVersion } from '../../../src/env/machine.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'coldpath.js');

interface Agent {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
}

const running: Agent[] = [];

function startAgent(): Agent {
  if (!existsSync(join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const child = spawn(process.execPath, [BIN, 'agent'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const agent = { child, exited, stdout: () => stdout, stderr: () => stderr };
  running.push(agent);
  return agent;
}

afterEach(() => {
  for (const agent of running.splice(0)) if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
});

describe('coldpath agent (the built CLI, as a child process)', () => {
  it('hello, 20 clock exchanges: the estimated offset between two readers of one CLOCK_MONOTONIC is 0 within its own uncertainty; shutdown exits 0', async () => {
    const agent = startAgent();
    const client = new AgentClient({ input: agent.child.stdout, output: agent.child.stdin, label: 'local agent' });
    const hello = await client.hello();
    expect(hello).toMatchObject({
      protocol: 1,
      pid: agent.child.pid,
      clock: 'CLOCK_MONOTONIC',
      accepts: ['hello', 'clock', 'shutdown', 'apply', 'teardown', 'session', 'exec', 'spawn', 'write', 'stop', 'clean', 'features', 'signal', 'machine'],
    });
    const estimate = await client.syncClock(20);
    expect(estimate.samples).toBe(20);
    // Its machine is this one: the same CPUs and Node.js, and sockperf's version as `sockperf --version` says it.
    expect(await client.machine()).toEqual({
      os: osName(),
      cpuModel: os.cpus()[0]?.model.trim(),
      cpuCount: os.cpus().length,
      node: process.version,
      iproute2: expect.stringMatching(/iproute2/),
      nft: expect.any(String),
      sockperf: await sockperfVersion(),
    });
    expect(Math.abs(estimate.offsetUs - 0), `offset ${estimate.offsetUs} ± ${estimate.uncertaintyUs} µs`).toBeLessThanOrEqual(estimate.uncertaintyUs);
    // A loopback pipe round trip on a busy 2-CPU machine: well under 50 ms, even with a benchmark beside it.
    expect(estimate.uncertaintyUs).toBeLessThan(50_000);
    // stdin stays open: the agent must exit on shutdown by itself.
    await client.shutdown();
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    // Nothing but protocol lines on stdout: one answer per request.
    expect(agent.stdout().trimEnd().split('\n')).toHaveLength(23);
    expect(agent.stderr()).toBe('');
  });

  it('answers a bad line with an error and keeps serving; exits 0 at end of input', async () => {
    const agent = startAgent();
    agent.child.stdin.write('{"id": 1, "type": "start"}\n{"id": 2, "type": "clock"}\n');
    agent.child.stdin.end();
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    const answers = agent
      .stdout()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; type: string; code?: string });
    expect(answers.map(({ id, type, code }) => [id, type, code])).toEqual([
      [1, 'error', 'unknown-type'],
      [2, 'clock', undefined],
    ]);
  });
});
