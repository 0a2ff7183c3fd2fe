/**
 * What the QEMU tier needs on the host, checked before anything slow starts,
 * each missing piece named with the Debian package that provides it. The
 * guest chroots into the host's own files, so tools used *inside* the guest
 * (node, ip, nft, tcpdump) must be installed on the host too. Missing
 * prerequisites fail the tier: it is never skipped silently.
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export interface Tool {
  command: string;
  debian: string;
  why: string;
}

export const TOOLS: readonly Tool[] = [
  { command: 'qemu-system-x86_64', debian: 'qemu-system-x86', why: 'boots the Debian kernel (TCG)' },
  { command: 'apt-get', debian: 'apt', why: 'downloads linux-image-*-amd64' },
  { command: 'apt-cache', debian: 'apt', why: 'finds the kernel package linux-image-amd64 points to' },
  { command: 'dpkg-deb', debian: 'dpkg', why: 'unpacks the kernel package' },
  { command: 'modinfo', debian: 'kmod', why: 'resolves module dependencies (the package ships no modules.dep)' },
  { command: 'busybox', debian: 'busybox-static', why: "the initramfs's init and insmod" },
  { command: 'tcpdump', debian: 'tcpdump', why: 'captures GRE inside the guest (the guest runs the host binaries)' },
  { command: 'ip', debian: 'iproute2', why: 'coldpath inside the guest' },
  { command: 'nft', debian: 'nftables', why: 'coldpath inside the guest' },
];

/** The absolute path of `command` on PATH, like `command -v`, without a shell. */
export function which(command: string): string | undefined {
  const dirs = (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter);
  // Debian keeps modinfo and friends in /sbin, which a non-root PATH may lack.
  for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A command by absolute path where found (/usr/sbin may be missing from PATH), else its bare name. */
export const tool = (command: string): string => which(command) ?? command;

/** Throws one error naming every missing tool and the apt-get line that installs them. */
export function requireTools(tools: readonly Tool[] = TOOLS): Map<string, string> {
  const found = new Map<string, string>();
  const missing: Tool[] = [];
  for (const tool of tools) {
    const path = which(tool.command);
    if (path === undefined) missing.push(tool);
    else found.set(tool.command, path);
  }
  if (missing.length > 0) {
    const lines = missing.map((t) => `  - ${t.command} (Debian package ${t.debian}): ${t.why}`);
    const packages = [...new Set(missing.map((t) => t.debian))].join(' ');
    throw new Error(`the QEMU tier is missing prerequisites:\n${lines.join('\n')}\n` + `install them (as root): DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages}`);
  }
  return found;
}

/**
 * coldpath runs from dist/ inside the guest: it must exist and be newer than
 * every source file, or the tier would prove old code.
 */
export function requireFreshBuild(repoRoot: string): void {
  const main = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (tsc -p .) before the QEMU tier`);
  const built = statSync(main).mtimeMs;
  const stale = newestFile(join(repoRoot, 'src'), '.ts');
  if (stale !== undefined && stale.mtimeMs > built + 1000) {
    throw new Error(`dist/ is older than ${stale.path}: run \`npm run build\` so the guest runs the current sources`);
  }
}

function newestFile(dir: string, suffix: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const candidate = entry.isDirectory() ? newestFile(path, suffix) : entry.name.endsWith(suffix) ? { path, mtimeMs: statSync(path).mtimeMs } : undefined;
    if (candidate !== undefined && (newest === undefined || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

/**
 * The guest mounts the checkout at its own path (passed on the kernel command
 * line, which splits on whitespace), so the path must be a plain word.
 */
export function requireVisibleInGuest(repoRoot: string): void {
  const path = resolve(repoRoot);
  if (/\s/.test(path)) {
    throw new Error(`the QEMU tier passes the checkout path on the guest kernel's command line; ${JSON.stringify(path)} contains whitespace: move the checkout`);
  }
}
