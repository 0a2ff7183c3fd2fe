/** ssh's stderr turned into the one line that says why, and a hint. */
import { describe, expect, it } from 'vitest';
import { explainSshFailure } from '../../../src/executors/ssh-failures.js';

describe('explainSshFailure', () => {
  it('names the reason line among banners and warnings', () => {
    expect(explainSshFailure('Welcome!\nssh: connect to host 192.0.2.1 port 2222: Connection refused\n')).toMatchObject({
      line: 'ssh: connect to host 192.0.2.1 port 2222: Connection refused',
      hint: expect.stringContaining('sshd running'),
    });
    expect(explainSshFailure('bench@192.0.2.1: Permission denied (publickey).\n')).toMatchObject({
      line: 'bench@192.0.2.1: Permission denied (publickey).',
      hint: expect.stringContaining('authorized_keys'),
    });
    expect(explainSshFailure('No ED25519 host key is known for [192.0.2.1]:2222 and you have requested strict checking.\nHost key verification failed.\n').hint).toContain('known_hosts');
    expect(explainSshFailure('bash: line 1: coldpath: command not found\n').hint).toContain('docs/ssh.md');
  });

  it('a changed host key wins over the generic verification failure', () => {
    const stderr = [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'Host key verification failed.',
    ].join('\n');
    expect(explainSshFailure(stderr)).toMatchObject({ line: '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @', hint: expect.stringContaining('ssh-keygen -R') });
  });

  it("an agent that crashed: the trace's error line, not Node.js's version line", () => {
    const stderr = [
      'node:internal/process/promises:288',
      '            triggerUncaughtException(err, true /* fromPromise */);',
      '            ^',
      '',
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'zod' imported from /opt/coldpath/dist/src/scenario/schema.js",
      '    at new NodeError (node:internal/errors:405:5)',
      '',
      'Node.js v20.20.2',
    ].join('\n');
    expect(explainSshFailure(stderr)).toMatchObject({
      line: "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'zod' imported from /opt/coldpath/dist/src/scenario/schema.js",
      hint: expect.stringContaining('the agent crashed on the host'),
    });
  });

  it('an unknown reason: the last line, and how to see more', () => {
    expect(explainSshFailure('kex_exchange_identification: read: Connection reset by peer\n\n')).toEqual({
      line: 'kex_exchange_identification: read: Connection reset by peer',
      hint: expect.stringContaining('-v'),
    });
    expect(explainSshFailure('').line).toBe('no message on stderr');
  });
});
