/** Where coldpath's own files are, whether running from dist/ or from sources under vitest. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start, '..', '..');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A compiled script that runs inside namespaces (probes, services). Built by `npm run build`. */
export function compiledScript(relativeToSrc: string): string {
  return join(PACKAGE_ROOT, 'dist', 'src', relativeToSrc);
}
