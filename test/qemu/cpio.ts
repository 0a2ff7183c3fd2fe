/**
 * A writer for the cpio "newc" format the kernel unpacks as its initramfs.
 * Written here (some 40 lines) rather than run through cpio(1): no staging
 * directory, no extra package, and a /dev/console node without root.
 */

export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'char'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFCHR = 0o020000;

const hex8 = (value: number): string => value.toString(16).padStart(8, '0');
const pad4 = (length: number): Buffer => Buffer.alloc((4 - (length % 4)) % 4);

function header(ino: number, mode: number, size: number, name: string, rdev: readonly [number, number] = [0, 0]): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
  const head = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return Buffer.concat([head, nameBytes, pad4(head.length + nameBytes.length)]);
}

/** The archive, entries in the order given (parents before children), with the trailer. */
export function newcArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((entry, index) => {
    const ino = index + 1;
    switch (entry.type) {
      case 'dir':
        parts.push(header(ino, S_IFDIR | (entry.mode ?? 0o755), 0, entry.path));
        break;
      case 'char':
        parts.push(header(ino, S_IFCHR | (entry.mode ?? 0o600), 0, entry.path, [entry.major, entry.minor]));
        break;
      case 'file':
        parts.push(header(ino, S_IFREG | (entry.mode ?? 0o644), entry.data.length, entry.path), entry.data, pad4(entry.data.length));
        break;
    }
  });
  parts.push(header(0, 0, 0, 'TRAILER!!!'));
  return Buffer.concat(parts);
}
