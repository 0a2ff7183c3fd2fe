/**
 * Executing a CNI plugin: the command line and environment a runtime gives
 * it, its result parsed and read (the container's address, the host-side
 * links), and its error JSON turned into a ColdpathError naming the plugin.
 */
import { describe, expect, it } from 'vitest';
import { ColdpathError } from '../../../src/errors.js';
import { cniEnv, cniErrorOf, cniPluginArgv, hostInterfaces, parseCniResult, sandboxAddress, type CniInvocation } from '../../../src/exec/cni.js';
import type { CommandResult } from '../../../src/exec/run-command.js';

const INVOCATION: CniInvocation = {
  command: 'ADD',
  plugin: 'bridge',
  containerId: 'coldpath-abcd-fh0-c3',
  netns: '/run/netns/coldpath-abcd-fh0-c3',
  ifname: 'eth0',
  cniPath: '/usr/lib/cni',
  hostNetns: 'coldpath-abcd-fh0',
  config: {},
};

/** What bridge 1.1.1 (Debian containernetworking-plugins) printed for an ADD on this machine. */
const BRIDGE_RESULT = JSON.stringify({
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'cp-abcd-cbr0', mac: '0e:75:e3:e0:01:54' },
    { name: 'vethfff17574', mac: '0e:75:e3:e0:01:54' },
    { name: 'eth0', mac: '52:96:dd:82:27:84', sandbox: '/run/netns/coldpath-abcd-fh0-c3' },
  ],
  ips: [{ interface: 2, address: '10.77.0.2/24', gateway: '10.77.0.1' }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: {},
});

const failed = (stdout: string, stderr = ''): CommandResult => ({ argv: cniPluginArgv(INVOCATION), exitCode: 1, stdout, stderr, durationMs: 3 });

describe('a plugin execution', () => {
  it("runs the plugin's binary in the function host's namespace", () => {
    expect(cniPluginArgv(INVOCATION)).toEqual(['ip', 'netns', 'exec', 'coldpath-abcd-fh0', '/usr/lib/cni/bridge']);
  });

  it('passes the parameters in the environment, as the CNI specification says', () => {
    expect(cniEnv({ ...INVOCATION, command: 'DEL' })).toEqual({
      CNI_COMMAND: 'DEL',
      CNI_CONTAINERID: 'coldpath-abcd-fh0-c3',
      CNI_NETNS: '/run/netns/coldpath-abcd-fh0-c3',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/usr/lib/cni',
    });
  });
});

describe('the result of ADD', () => {
  it("gives the address of the container's interface, without its prefix", () => {
    const result = parseCniResult('bridge', BRIDGE_RESULT);
    expect(sandboxAddress(result, 'eth0')).toBe('10.77.0.2');
    expect(sandboxAddress(result, 'eth1')).toBeUndefined();
  });

  it('names the links made outside the container', () => {
    expect(hostInterfaces(parseCniResult('bridge', BRIDGE_RESULT))).toEqual(['cp-abcd-cbr0', 'vethfff17574']);
  });

  it('has no container address when the address points at a host interface or at none', () => {
    const base = JSON.parse(BRIDGE_RESULT) as Record<string, unknown>;
    expect(sandboxAddress(parseCniResult('bridge', JSON.stringify({ ...base, ips: [{ interface: 1, address: '10.77.0.2/24' }] })), 'eth0')).toBeUndefined();
    expect(sandboxAddress(parseCniResult('bridge', JSON.stringify({ ...base, ips: [{ address: '10.77.0.2/24' }] })), 'eth0')).toBeUndefined();
  });

  it('is an error naming the plugin when it is not a result', () => {
    for (const stdout of ['', 'not json', '{"interfaces": []}']) {
      const error = (() => {
        try {
          parseCniResult('bridge', stdout);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ColdpathError);
      expect((error as ColdpathError).message).toMatch(/^CNI plugin bridge printed no valid result/);
    }
  });
});

describe('a failed execution', () => {
  it("is a ColdpathError naming the plugin, the command and the plugin's msg", () => {
    const error = cniErrorOf(INVOCATION, failed('{"code": 999, "msg": "failed to allocate for range 0: no IP addresses available in range set: 10.77.0.2-10.77.0.2"}'));
    expect(error).toBeInstanceOf(ColdpathError);
    expect(error.message).toBe('CNI plugin bridge ADD failed: failed to allocate for range 0: no IP addresses available in range set: 10.77.0.2-10.77.0.2 (CNI error code 999)');
    expect(error.kind).toBe('command');
    expect(error.processExitCode).toBe(1);
    expect(error.hint).toMatch(/ip netns exec coldpath-abcd-fh0 \/usr\/lib\/cni\/bridge/);
  });

  it('keeps the details of the error', () => {
    expect(cniErrorOf(INVOCATION, failed('{"code": 7, "msg": "invalid network config", "details": "bridge name too long"}')).message).toBe(
      'CNI plugin bridge ADD failed: invalid network config (bridge name too long) (CNI error code 7)',
    );
  });

  it("falls back to stderr's first line, then the exit code, when the plugin printed no error JSON", () => {
    expect(cniErrorOf({ plugin: 'loopback', command: 'DEL' }, failed('', 'Cannot open network namespace "x": No such file or directory\nmore')).message).toBe(
      'CNI plugin loopback DEL failed: Cannot open network namespace "x": No such file or directory',
    );
    expect(cniErrorOf(INVOCATION, failed('')).message).toBe('CNI plugin bridge ADD failed: exit code 1');
  });
});
