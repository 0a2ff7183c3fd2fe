/**
 * A stock Debian kernel with ip_gre as a module: found through the
 * `linux-image-amd64` metapackage, fetched with `apt-get download` (Debian's
 * mirror is the only network this tier uses), unpacked with `dpkg-deb -x`.
 * Only vmlinuz and the module closure are kept in the cache (the unpacked
 * package is ~400 MB); the .deb is kept so a changed module list costs an
 * unpack, not a download.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { tool } from './prereqs.js';
import { indexModules, moduleClosure, ROOT_MODULES } from './modules.js';

export interface Kernel {
  package: string;
  release: string;
  vmlinuz: string;
  /** Load order: dependencies first. */
  modules: Array<{ name: string; file: string }>;
}

interface Manifest {
  package: string;
  deb: string;
  release: string;
  roots: string[];
  modules: string[];
}

/** The versioned package `linux-image-amd64` depends on, e.g. linux-image-6.1.0-56-amd64. */
export async function resolveKernelPackage(): Promise<string> {
  const pinned = process.env['COLDPATH_QEMU_KERNEL_PACKAGE'];
  if (pinned !== undefined && pinned !== '') return pinned;
  const result = await execa(tool('apt-cache'), ['depends', 'linux-image-amd64'], { reject: false });
  const match = /Depends:\s*(linux-image-[0-9][^\s]*-amd64)\s*$/m.exec(result.stdout);
  if (result.exitCode !== 0 || match?.[1] === undefined) {
    throw new Error(
      `apt-cache depends linux-image-amd64 found no kernel package (exit ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim() || 'no output'}); ` +
        'run `apt-get update` (as root) so apt knows Debian main, or set COLDPATH_QEMU_KERNEL_PACKAGE=linux-image-<abi>-amd64',
    );
  }
  return match[1];
}

async function download(pkg: string, dir: string): Promise<string> {
  const existing = readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (existing !== undefined) return join(dir, existing);
  const result = await execa(tool('apt-get'), ['download', pkg], { cwd: dir, reject: false, timeout: 600_000 });
  const deb = readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (result.exitCode !== 0 || deb === undefined) {
    throw new Error(
      `apt-get download ${pkg} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}\n` +
        'the QEMU tier fetches the kernel from the Debian mirror at test time: check the mirror is reachable and run `apt-get update`',
    );
  }
  return join(dir, deb);
}

/** Downloads (once), unpacks and keeps vmlinuz plus the modules the guest loads. */
export async function prepareKernel(cacheDir: string, roots: readonly string[] = ROOT_MODULES): Promise<Kernel> {
  const pkg = await resolveKernelPackage();
  const dir = join(cacheDir, pkg);
  const keep = join(dir, 'kernel');
  const manifestFile = join(keep, 'manifest.json');
  mkdirSync(dir, { recursive: true });
  const deb = await download(pkg, dir);

  const cached = readManifest(manifestFile);
  if (cached !== undefined && cached.deb === basename(deb) && sameList(cached.roots, roots)) {
    const kernel = fromManifest(keep, cached);
    if ([kernel.vmlinuz, ...kernel.modules.map((m) => m.file)].every((f) => existsSync(f))) return kernel;
  }

  const tree = join(dir, 'unpacked');
  rmSync(tree, { recursive: true, force: true });
  rmSync(keep, { recursive: true, force: true });
  try {
    const unpack = await execa(tool('dpkg-deb'), ['-x', deb, tree], { reject: false });
    if (unpack.exitCode !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${unpack.stderr.trim()}`);
    const modules = indexModules(tree);
    const order = await moduleClosure(modules, roots);
    mkdirSync(join(keep, 'modules'), { recursive: true });
    const vmlinuz = join(tree, 'boot', `vmlinuz-${modules.release}`);
    if (!existsSync(vmlinuz)) throw new Error(`${pkg} has no boot/vmlinuz-${modules.release}`);
    copyFileSync(vmlinuz, join(keep, 'vmlinuz'));
    for (const name of order) copyFileSync(modules.files.get(name) as string, join(keep, 'modules', `${name}.ko`));
    const manifest: Manifest = { package: pkg, deb: basename(deb), release: modules.release, roots: [...roots], modules: order };
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    return fromManifest(keep, manifest);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

function readManifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function fromManifest(keep: string, manifest: Manifest): Kernel {
  return {
    package: manifest.package,
    release: manifest.release,
    vmlinuz: join(keep, 'vmlinuz'),
    modules: manifest.modules.map((name) => ({ name, file: join(keep, 'modules', `${name}.ko`) })),
  };
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
