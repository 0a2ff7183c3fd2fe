/** The ssh command line built from an inventory host: defaults, every option, and the order ssh needs (options before the destination). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_REMOTE_COMMAND, sshArgv } from '../../../src/executors/ssh-argv.js';
import { localAgentArgv } from '../../../src/executors/local.js';

describe('sshArgv', () => {
  it('defaults: no terminal, never prompt, the user’s own ssh settings, `coldpath agent` on the remote PATH', () => {
    expect(sshArgv({ name: 'fn-1', address: 'fn1.example.net' })).toEqual(['ssh', '-T', '-o', 'BatchMode=yes', 'fn1.example.net', 'coldpath agent']);
    expect(DEFAULT_REMOTE_COMMAND).toBe('coldpath agent');
  });

  it('every option of the inventory’s ssh block, each as its own argv element', () => {
    const argv = sshArgv({
      name: 'proxy-1',
      address: '192.0.2.10',
      ssh: { user: 'bench', port: 2222, identityFile: '/keys/id ed25519', knownHostsFile: '/keys/known_hosts', command: 'node /opt/coldpath/bin/coldpath.js agent' },
    });
    expect(argv).toEqual([
      'ssh',
      '-T',
      '-o',
      'BatchMode=yes',
      '-l',
      'bench',
      '-p',
      '2222',
      '-i',
      '/keys/id ed25519',
      '-o',
      'UserKnownHostsFile=/keys/known_hosts',
      '-o',
      'StrictHostKeyChecking=yes',
      '192.0.2.10',
      'node /opt/coldpath/bin/coldpath.js agent',
    ]);
  });

  it('options one at a time', () => {
    expect(sshArgv({ name: 'a', address: 'h', ssh: { port: 22 } })).toEqual(['ssh', '-T', '-o', 'BatchMode=yes', '-p', '22', 'h', 'coldpath agent']);
    expect(sshArgv({ name: 'a', address: 'h', ssh: { user: 'root' } })).toEqual(['ssh', '-T', '-o', 'BatchMode=yes', '-l', 'root', 'h', 'coldpath agent']);
    expect(sshArgv({ name: 'a', address: 'h', ssh: { command: '/usr/local/bin/coldpath agent' } }).at(-1)).toBe('/usr/local/bin/coldpath agent');
    expect(sshArgv({ name: 'a', address: 'h', ssh: {} })).toEqual(sshArgv({ name: 'a', address: 'h' }));
  });

  it('the local executor runs this checkout’s CLI with the running Node.js', () => {
    const [node, script, command] = localAgentArgv();
    expect(node).toBe(process.execPath);
    expect(script).toMatch(/\/bin\/coldpath\.js$/);
    expect(command).toBe('agent');
  });
});
