/**
 * An instance's OCI bundle as data: config.json (a golden), the host paths
 * bound into it, and crun's command lines (the cgroup view on a hybrid host).
 */
import { describe, expect, it } from 'vitest';
import { crunCreateArgv, crunDeleteArgv, crunKillArgv, crunListArgv, crunStartArgv } from '../../../src/exec/crun.js';
import { hostReadOnlyBinds } from '../../../src/probes/oci-bundle.js';
import { OCI_ROOTFS, renderOciConfig } from '../../../src/probes/oci-config.js';

const INPUT = {
  args: ['/usr/bin/node', '/srv/coldpath/dist/src/probes/agent.js', '{}'],
  env: ['PATH=/usr/bin:/bin'],
  netnsPath: '/run/netns/coldpath-abcd-fh0-c3',
  readOnlyBinds: ['/usr', '/etc', '/srv/coldpath/dist', '/srv/coldpath/node_modules', '/srv/coldpath/package.json'],
  hostname: 'coldpath-abcd-fh0-c3',
};

describe('config.json of an instance', () => {
  it('matches the golden', async () => {
    await expect(`${JSON.stringify(renderOciConfig(INPUT), null, 2)}\n`).toMatchFileSnapshot('__golden__/oci-config.json');
  });

  it("joins the instance's network namespace and creates no other network namespace", () => {
    const config = renderOciConfig(INPUT);
    const network = config.linux.namespaces.filter((namespace) => namespace.type === 'network');
    expect(network).toEqual([{ type: 'network', path: '/run/netns/coldpath-abcd-fh0-c3' }]);
    expect(config.linux.namespaces.map((namespace) => namespace.type)).toEqual(['pid', 'mount', 'ipc', 'uts', 'network']);
  });

  it('has a read-only empty root and binds every host path read-only at the same place', () => {
    const config = renderOciConfig(INPUT);
    expect(config.root).toEqual({ path: OCI_ROOTFS, readonly: true });
    const binds = config.mounts.filter((mount) => mount.type === 'bind');
    expect(binds.map((mount) => mount.destination)).toEqual(INPUT.readOnlyBinds);
    for (const mount of binds) {
      expect(mount.source).toBe(mount.destination);
      expect(mount.options).toContain('ro');
    }
  });

  it('runs the probe with no capability and no way to gain one', () => {
    const config = renderOciConfig(INPUT);
    expect(config.process.args).toEqual(INPUT.args);
    expect(config.process.noNewPrivileges).toBe(true);
    expect(Object.values(config.process.capabilities).flat()).toEqual([]);
  });
});

describe('host binds', () => {
  it('binds the system directories, coldpath’s dist, node_modules and package.json', () => {
    const binds = hostReadOnlyBinds('/usr/bin/node', '/work/x');
    expect(binds).toContain('/usr');
    expect(binds).toContain('/etc');
    expect(binds.some((path) => path.startsWith('/work/x'))).toBe(false); // none of /work/x exists
  });

  it('adds a Node.js installed outside the system directories', () => {
    expect(hostReadOnlyBinds('/opt/node-v20/bin/node', '/nonexistent')).toContain('/opt/node-v20');
    expect(hostReadOnlyBinds('/usr/bin/node', '/nonexistent').some((path) => path.startsWith('/opt'))).toBe(false);
  });
});

describe('crun command lines', () => {
  const container = { root: '/run/coldpath/abcd/crun', id: 'coldpath-abcd-fh0-c3' };

  it('keep state under the run’s own root and use no cgroup manager', () => {
    expect(crunCreateArgv(container, '/b', '/b/pid', 'direct')).toEqual([
      'crun',
      '--root',
      '/run/coldpath/abcd/crun',
      '--cgroup-manager=disabled',
      'create',
      '--bundle',
      '/b',
      '--pid-file',
      '/b/pid',
      'coldpath-abcd-fh0-c3',
    ]);
    expect(crunStartArgv(container)).toEqual(['crun', '--root', '/run/coldpath/abcd/crun', 'start', 'coldpath-abcd-fh0-c3']);
    expect(crunKillArgv(container, 'KILL')).toEqual(['crun', '--root', '/run/coldpath/abcd/crun', 'kill', 'coldpath-abcd-fh0-c3', 'KILL']);
    expect(crunDeleteArgv(container)).toEqual(['crun', '--root', '/run/coldpath/abcd/crun', 'delete', '--force', 'coldpath-abcd-fh0-c3']);
    expect(crunListArgv(container.root)).toEqual(['crun', '--root', '/run/coldpath/abcd/crun', 'list', '--quiet']);
  });

  it('on a hybrid cgroup host, create runs in a private mount namespace without the cgroup v2 mount', () => {
    const argv = crunCreateArgv(container, '/b', '/b/pid', 'private-v1-view');
    expect(argv.slice(0, 5)).toEqual(['unshare', '--mount', '--propagation', 'private', '--']);
    expect(argv.slice(5, 8)).toEqual(['sh', '-c', 'umount /sys/fs/cgroup/unified && exec "$@"']);
    expect(argv.slice(9)).toEqual(crunCreateArgv(container, '/b', '/b/pid', 'direct'));
  });
});
