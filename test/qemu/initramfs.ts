/**
 * The guest's initramfs: a static busybox (shell, insmod, mount, chroot),
 * the kernel modules in load order, and guest/init.sh as /init. Everything
 * else the guest runs comes from the host's root over virtio-9p.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { newcArchive, type CpioEntry } from './cpio.js';
import type { Kernel } from './kernel.js';

export const INIT_SCRIPT = fileURLToPath(new URL('./guest/init.sh', import.meta.url));

/**
 * busybox from the `busybox` package is dynamically linked and would not run
 * in an initramfs without libc; `busybox-static` replaces it with a static one.
 * An ELF file is dynamic when it has a PT_INTERP program header.
 */
export function isStaticElf(data: Buffer): boolean {
  if (data.length < 64 || data.readUInt32BE(0) !== 0x7f454c46 || data[4] !== 2 || data[5] !== 1) {
    throw new Error('expected a 64-bit little-endian ELF file');
  }
  const phoff = Number(data.readBigUInt64LE(0x20));
  const phentsize = data.readUInt16LE(0x36);
  const phnum = data.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    if (data.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  }
  return true;
}

export function buildInitramfs(kernel: Kernel, busyboxPath: string, out: string): { bytes: number } {
  const busybox = readFileSync(busyboxPath);
  if (!isStaticElf(busybox)) {
    throw new Error(`${busyboxPath} is dynamically linked; install Debian package busybox-static (apt-get install -y busybox-static)`);
  }
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'host', 'modules'].map((path): CpioEntry => ({ type: 'dir', path })),
    // init's stdin/stdout: the kernel opens /dev/console before devtmpfs is mounted.
    { type: 'char', path: 'dev/console', major: 5, minor: 1 },
    { type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { type: 'file', path: 'init', data: readFileSync(INIT_SCRIPT), mode: 0o755 },
    { type: 'file', path: 'modules/order', data: Buffer.from(kernel.modules.map((m) => `${m.name}\n`).join('')) },
    ...kernel.modules.map((m): CpioEntry => ({ type: 'file', path: `modules/${m.name}.ko`, data: readFileSync(m.file) })),
  ];
  // Level 1: the archive is built on every run; the kernel unpacks it either way.
  const gz = gzipSync(newcArchive(entries), { level: 1 });
  writeFileSync(out, gz);
  return { bytes: gz.length };
}
