/**
 * What an instance's OCI bundle binds from the host, read-only: the system
 * directories Node.js needs (those this host has), the Node.js install when it
 * lives elsewhere, and coldpath's compiled files with their dependencies.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

/** Host directories a Debian system keeps its programs, libraries and configuration in. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/etc'] as const;

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** The read-only binds of every instance's container on this host, in mount order. */
export function hostReadOnlyBinds(nodeBinary: string = process.execPath, packageRoot: string = PACKAGE_ROOT): string[] {
  const system = SYSTEM_DIRS.filter((dir) => existsSync(dir));
  // A Node.js outside the system directories (nvm, /opt): its whole install, for its libraries.
  const nodePrefix = dirname(dirname(nodeBinary));
  const node = system.some((dir) => under(nodeBinary, dir)) ? [] : [nodePrefix];
  // package.json tells Node.js that dist/ holds ES modules.
  const project = ['dist', 'node_modules', 'package.json'].map((name) => join(packageRoot, name)).filter((path) => existsSync(path));
  return [...system, ...node, ...project];
}
