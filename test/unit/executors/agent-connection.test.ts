/**
 * The connection every executor shares, with stand-ins for ssh (a Node.js
 * script that fails as ssh does) and the built CLI's agent as a local child.
 * No privileges; the local agent needs dist/ (`npm run build`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnAgentConnection } from '../../../src/executors/agent-connection.js';
import { connectLocal } from '../../../src/executors/local.js';
import { connectSsh } from '../../../src/executors/ssh.js';
import { explainSshFailure } from '../../../src/executors/ssh-failures.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { coldpathErrorOf } from '../../coldpath-error.js';

const requireDist = (): void => {
  if (!existsSync(join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
};

/** A process that behaves like ssh refused by the server: one reason line on stderr, exit 255, nothing on stdout. */
const refusedSsh = [process.execPath, '-e', 'process.stderr.write("bench@192.0.2.1: Permission denied (publickey).\\n"); process.exit(255)'];

describe('spawnAgentConnection', () => {
  it('a transport that fails before the agent answers: the host, ssh’s reason line, exit code and hint', async () => {
    const error = await coldpathErrorOf(spawnAgentConnection({ host: 'fn-1', argv: refusedSsh, via: 'ssh to 192.0.2.1', explain: ({ stderr }) => explainSshFailure(stderr) }));
    expect(error.message).toBe('fn-1: ssh to 192.0.2.1 failed before the agent answered (exited with code 255): bench@192.0.2.1: Permission denied (publickey).');
    expect(error).toMatchObject({ kind: 'runtime', exitCode: 255, command: refusedSsh });
    expect(error.hint).toContain('authorized_keys');
  });

  it('a program that cannot be started is an environment error (exit 3)', async () => {
    const error = await coldpathErrorOf(spawnAgentConnection({ host: 'fn-1', argv: ['/nonexistent/ssh', 'h'], via: 'ssh', explain: ({ stderr }) => explainSshFailure(stderr) }));
    expect(error.message).toContain('fn-1: cannot start /nonexistent/ssh');
    expect(error.processExitCode).toBe(3);
  });

  it('a transport that hangs: the request timeout ends the wait, the child is killed', async () => {
    const hang = [process.execPath, '-e', 'process.stderr.write("waiting for the network\\n"); setInterval(() => {}, 1000)'];
    const started = Date.now();
    const error = await coldpathErrorOf(spawnAgentConnection({ host: 'svc-1', argv: hang, via: 'ssh', requestTimeoutMs: 300, explain: ({ stderr }) => explainSshFailure(stderr) }));
    expect(error.message).toMatch(/^svc-1: ssh failed before the agent answered \(no answer to hello request 1 within 300 ms\): waiting for the network$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('an agent of another protocol version: refused by name, the host named, the child ended', async () => {
    /** A stand-in agent behind ssh (a warning on stderr) answering the first line with `answer` (its id filled in), then waiting. */
    const fakeAgent = (answer: object): string[] => [
      process.execPath,
      '-e',
      `process.stderr.write('Warning: Permanently added [h]:22 (ED25519) to the list of known hosts.\\n'); require('node:readline').createInterface({ input: process.stdin }).once('line', (line) => process.stdout.write(JSON.stringify({ ...${JSON.stringify(answer)}, id: JSON.parse(line).id }) + '\\n')); setInterval(() => {}, 1000)`,
    ];
    const explain = ({ stderr }: { stderr: string }) => explainSshFailure(stderr);
    const refusing = await coldpathErrorOf(
      spawnAgentConnection({ host: 'proxy-1', argv: fakeAgent({ type: 'error', code: 'unsupported-protocol', reason: 'protocol 1 is not spoken here (2 is)' }), via: 'ssh', explain }),
    );
    expect(refusing.message).toBe('proxy-1: hello request 1 refused: protocol 1 is not spoken here (2 is) (unsupported-protocol)');
    const newer = { type: 'hello', protocol: 2, coldpath: '9.0.0', hostname: 'h', pid: 1, kernel: '6.1', clock: 'CLOCK_MONOTONIC', accepts: ['hello'] };
    const answered = await coldpathErrorOf(spawnAgentConnection({ host: 'proxy-1', argv: fakeAgent(newer), via: 'ssh', explain }));
    expect(answered.message).toBe('proxy-1: the agent speaks protocol 2, this coordinator 1');
    expect(answered.hint).toContain('same coldpath version');
  });

  it('connectSsh without ssh on the PATH names Debian’s openssh-client (exit 3)', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      const error = await coldpathErrorOf(connectSsh({ name: 'fn-1', role: 'function-host', address: 'h', nics: { platform: 'eth0' } }));
      expect(error.message).toContain('fn-1: ssh is not installed (Debian package openssh-client)');
      expect(error).toMatchObject({ kind: 'environment', hint: 'apt-get install -y openssh-client' });
    } finally {
      process.env['PATH'] = path;
    }
  });
});

describe('connectLocal (the built CLI’s agent as a child)', () => {
  it('hello and a clock sync on connect (offset 0 within its bound: one kernel clock), close shuts the agent down', async () => {
    requireDist();
    const connection = await connectLocal({ name: 'fn-1' }, { clockSamples: 4 });
    try {
      expect(connection.hello).toMatchObject({ protocol: 1, clock: 'CLOCK_MONOTONIC' });
      expect(connection.clock.samples).toBe(4);
      expect(Math.abs(connection.clock.offsetUs)).toBeLessThanOrEqual(connection.clock.uncertaintyUs);
      expect(connection.argv.slice(-1)).toEqual(['agent']);
    } finally {
      await connection.close();
    }
    expect(await connection.exited).toEqual({ code: 0, signal: null });
    expect(connection.stderr()).toBe('');
    // Idempotent.
    await connection.close();
  });

  it('a wrapper prefix runs before the command (here: the agent script under Node.js again)', async () => {
    requireDist();
    const script = join(PACKAGE_ROOT, 'bin', 'coldpath.js');
    const connection = await spawnAgentConnection({ host: 'w', wrapper: [process.execPath], argv: [script, 'agent'], via: 'wrapped', clockSamples: 1, explain: () => ({ line: '', hint: '' }) });
    expect(connection.argv).toEqual([process.execPath, script, 'agent']);
    await connection.close();
    expect(await connection.exited).toEqual({ code: 0, signal: null });
  });
});
