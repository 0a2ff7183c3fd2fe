/**
 * Where Debian's PostgreSQL server binaries are: `/usr/lib/postgresql/<major>/bin`
 * (not on PATH — Debian puts only its version-picking wrappers there, which
 * want a cluster of the system's own). The newest major version that has
 * every binary coldpath runs wins.
 */
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Its own check rather than env/tools' isExecutable: services sit below env in the layering.
const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Debian's root of versioned PostgreSQL installations; COLDPATH_POSTGRES_DIR overrides it (another layout, or a test's empty directory). */
export const POSTGRES_LIB_DIR = '/usr/lib/postgresql';

/** The root searched: COLDPATH_POSTGRES_DIR when set, else /usr/lib/postgresql. */
export const postgresLibDir = (): string => process.env['COLDPATH_POSTGRES_DIR'] || POSTGRES_LIB_DIR;

/** What coldpath runs from the bin directory: the server, the cluster's creation, the orchestrator's queries. */
export const POSTGRES_BINARIES = ['postgres', 'initdb', 'psql'] as const;

export interface PostgresBinaries {
  /** Major version (the directory's name), e.g. 15. */
  major: number;
  dir: string;
  postgres: string;
  initdb: string;
  psql: string;
}

/** The newest complete installation under `root` (default: postgresLibDir()), or undefined when there is none. */
export function findPostgresBinaries(root = postgresLibDir()): PostgresBinaries | undefined {
  let versions: number[];
  try {
    versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => b - a);
  } catch {
    return undefined;
  }
  for (const major of versions) {
    const dir = join(root, String(major), 'bin');
    if (POSTGRES_BINARIES.every((name) => executable(join(dir, name)))) {
      return { major, dir, postgres: join(dir, 'postgres'), initdb: join(dir, 'initdb'), psql: join(dir, 'psql') };
    }
  }
  return undefined;
}
