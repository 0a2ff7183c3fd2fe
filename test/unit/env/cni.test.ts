/** instances.network: cni needs loopback, bridge and host-local in /usr/lib/cni: exit 3 naming the Debian package otherwise. */
import { describe, expect, it } from 'vitest';
import { CNI_PATH, CNI_PLUGINS, cniPluginDir, missingCniPlugins, requireCniPlugins } from '../../../src/env/cni.js';
import { ColdpathError } from '../../../src/errors.js';

const only =
  (present: readonly string[]) =>
  (path: string): boolean =>
    present.some((plugin) => path === `${CNI_PATH}/${plugin}`);

describe('the CNI plugins preflight', () => {
  it('passes when every plugin is there', () => {
    expect(missingCniPlugins(CNI_PATH, only(CNI_PLUGINS))).toEqual([]);
    expect(() => requireCniPlugins(CNI_PATH, only(CNI_PLUGINS))).not.toThrow();
  });

  it('is exit 3 naming the missing plugins, the field and the Debian package', () => {
    let error: unknown;
    try {
      requireCniPlugins(CNI_PATH, only(['loopback']));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ColdpathError);
    const coldpath = error as ColdpathError;
    expect(coldpath.processExitCode).toBe(3);
    expect(coldpath.field).toBe('instances.network');
    expect(coldpath.message).toBe('instances.network: cni needs the CNI plugins bridge, host-local in /usr/lib/cni, which are not installed');
    expect(coldpath.hint).toMatch(/^apt-get install -y containernetworking-plugins \(Debian package containernetworking-plugins\)/);
  });

  it("looks in Debian's directory unless COLDPATH_CNI_PATH says otherwise", () => {
    expect(cniPluginDir({})).toBe('/usr/lib/cni');
    expect(cniPluginDir({ COLDPATH_CNI_PATH: '' })).toBe('/usr/lib/cni');
    expect(cniPluginDir({ COLDPATH_CNI_PATH: '/opt/cni/bin' })).toBe('/opt/cni/bin');
  });
});
