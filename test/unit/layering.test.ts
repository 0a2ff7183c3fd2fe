/**
 * The layers of src/ depend one way (README, "Architecture"): a folder may
 * import only folders below it, type imports included. The back-edges that
 * exist today are listed with their reason; issue 11 removes them, and this
 * test fails both on a new back-edge and on a listed one that is gone (so the
 * list only shrinks).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** Bottom first. Root files are leaves (cidr.ts uses errors.ts). */
const LAYERS = [
  ['errors', 'clock', 'paths', 'format', 'report-data'],
  ['cidr'],
  ['metrics'],
  ['exec'],
  ['scenario'],
  ['topology'],
  ['model'],
  ['results'],
  ['strategies'],
  ['kernel'],
  ['services'],
  ['probes'],
  ['env'],
  // The node agent: above what it will drive on its machine (kernel plans, services, probes, env), below the engine that coordinates agents.
  ['agent'],
  // Executors reach the agents (local, ssh, kubernetes); today: the Kubernetes manifests.
  ['executors'],
  ['experiments'],
  ['engine'],
  ['compare'],
  ['reports'],
  ['display'],
  ['commands'],
  ['cli'],
] as const;

/** Imports against the layering that exist today, each with why; issue 11 removes them. */
const KNOWN_BACK_EDGES: Record<string, string> = {};

/** The folder (or root file) a source file belongs to. */
const unitOf = (file: string): string => {
  const path = relative(SRC, file);
  return path.includes('/') ? (path.split('/')[0] as string) : path.replace(/\.ts$/, '');
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Folder-level edges `a -> b` from every relative import and re-export, `import type` included. */
function importEdges(files: ReadonlyArray<{ file: string; text: string }>): Set<string> {
  const edges = new Set<string>();
  for (const { file, text } of files) {
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
      const target = normalize(join(dirname(file), (match[1] as string).replace(/\.js$/, '.ts')));
      const from = unitOf(file);
      const to = unitOf(target);
      if (from !== to) edges.add(`${from} -> ${to}`);
    }
  }
  return edges;
}

/** Edges that go up (or sideways within a layer) and are not known. */
function violations(edges: ReadonlySet<string>, layers: ReadonlyArray<readonly string[]>, known: Readonly<Record<string, string>>): string[] {
  const rank = new Map(layers.flatMap((layer, index) => layer.map((unit) => [unit, index] as const)));
  return [...edges]
    .filter((edge) => {
      const [from, to] = edge.split(' -> ') as [string, string];
      const a = rank.get(from);
      const b = rank.get(to);
      if (a === undefined || b === undefined) return true;
      return b >= a && known[edge] === undefined;
    })
    .sort();
}

describe('layering of src/', () => {
  const files = sourceFiles(SRC).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  const edges = importEdges(files);

  it('every folder has a layer', () => {
    const units = new Set(files.map(({ file }) => unitOf(file)));
    const placed = new Set<string>(LAYERS.flat());
    expect([...units].filter((unit) => !placed.has(unit))).toEqual([]);
  });

  it('imports only go down, but for the known back-edges', () => {
    expect(violations(edges, LAYERS, KNOWN_BACK_EDGES)).toEqual([]);
  });

  it('every known back-edge still exists (remove it from the list once fixed)', () => {
    expect(Object.keys(KNOWN_BACK_EDGES).filter((edge) => !edges.has(edge))).toEqual([]);
  });

  it('catches a new back-edge, type imports included', () => {
    const synthetic = importEdges([
      { file: join(SRC, 'metrics', 'x.ts'), text: "import type { RunResult } from '../results/types.js';\n" },
      { file: join(SRC, 'reports', 'y.ts'), text: "import { formatMicros } from '../format.js';\n" },
    ]);
    expect([...synthetic].sort()).toEqual(['metrics -> results', 'reports -> format']);
    expect(violations(synthetic, LAYERS, KNOWN_BACK_EDGES)).toEqual(['metrics -> results']);
  });
});
