/**
 * What `instances.network: cni` needs from this machine: the standard CNI
 * plugins of Debian's `containernetworking-plugins` in /usr/lib/cni (not on
 * PATH: a runtime finds them through CNI_PATH).
 */
import { join } from 'node:path';
import { ColdpathError } from '../errors.js';
import { isExecutable as executable } from './tools.js';

/** Where Debian installs the plugins. */
export const CNI_PATH = '/usr/lib/cni';

/** The plugins' directory: COLDPATH_CNI_PATH when set (another layout than Debian's, or a test without them), else CNI_PATH. */
export const cniPluginDir = (env: NodeJS.ProcessEnv = process.env): string => env['COLDPATH_CNI_PATH'] || CNI_PATH;

/** The Debian package that brings them. */
export const CNI_DEBIAN_PACKAGE = 'containernetworking-plugins';

/** The plugins an instance's networks run (topology/cni-config.ts), and the IPAM plugin `bridge` runs. */
export const CNI_PLUGINS = ['loopback', 'bridge', 'host-local'] as const;

/** The plugins missing from `dir`. */
export function missingCniPlugins(dir = cniPluginDir(), isExecutable: (path: string) => boolean = executable): string[] {
  return CNI_PLUGINS.filter((plugin) => !isExecutable(join(dir, plugin)));
}

/** Throws exit 3 naming the Debian package when a plugin is missing. */
export function requireCniPlugins(dir = cniPluginDir(), isExecutable: (path: string) => boolean = executable): void {
  const missing = missingCniPlugins(dir, isExecutable);
  if (missing.length === 0) return;
  throw new ColdpathError(`instances.network: cni needs the CNI plugins ${missing.join(', ')} in ${dir}, which are not installed`, {
    kind: 'environment',
    field: 'instances.network',
    hint: `apt-get install -y ${CNI_DEBIAN_PACKAGE} (Debian package ${CNI_DEBIAN_PACKAGE}), or use instances.network: coldpath`,
  });
}
