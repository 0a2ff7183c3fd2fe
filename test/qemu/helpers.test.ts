/**
 * The QEMU tier's own helpers, checked without booting anything (milliseconds):
 * a wrong byte offset here would make the conformance test pass or fail for
 * the wrong reason.
 */
import { describe, expect, it } from 'vitest';
import { newcArchive } from './cpio.js';
import { dottedKey, GRE_KEY_PRESENT, grePacketsFromPcap, ipipPacketsFromPcap } from './evidence.js';
import { softdepPre } from './modules.js';

/** One Ethernet frame in a pcap file: IPv4 / GRE (K bit, key) / IPv4 TCP. */
function pcapWithGre(key: number): Buffer {
  const gre = Buffer.alloc(8);
  gre.writeUInt16BE(GRE_KEY_PRESENT, 0);
  gre.writeUInt16BE(0x0800, 2);
  gre.writeUInt32BE(key, 4);
  return pcapOf(47, gre);
}

/** One Ethernet frame in a pcap file: IPv4 (protocol `outerProtocol`) / `header` / IPv4 TCP. */
function pcapOf(outerProtocol: number, header: Buffer): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(262144, 16);
  global.writeUInt32LE(1, 20);
  const inner = Buffer.alloc(20);
  inner[0] = 0x45;
  inner[9] = 6;
  Buffer.from([100, 127, 0, 128]).copy(inner, 12);
  Buffer.from([198, 19, 0, 4]).copy(inner, 16);
  const outer = Buffer.alloc(20);
  outer[0] = 0x45;
  outer[9] = outerProtocol;
  Buffer.from([198, 18, 0, 16]).copy(outer, 12);
  Buffer.from([198, 18, 0, 64]).copy(outer, 16);
  const ether = Buffer.alloc(14);
  ether.writeUInt16BE(0x0800, 12);
  const frame = Buffer.concat([ether, outer, header, inner]);
  const record = Buffer.alloc(16);
  record.writeUInt32LE(1_700_000_000, 0);
  record.writeUInt32LE(123_456, 4);
  record.writeUInt32LE(frame.length, 8);
  record.writeUInt32LE(frame.length, 12);
  return Buffer.concat([global, record, frame]);
}

describe('QEMU tier helpers', () => {
  it('decodes the GRE header: K bit, key, payload, addresses, and the capture time', () => {
    expect(grePacketsFromPcap(pcapWithGre(0x1234))).toEqual([
      {
        src: '198.18.0.16',
        dst: '198.18.0.64',
        flags: GRE_KEY_PRESENT,
        version: 0,
        protocol: 0x0800,
        key: 0x1234,
        inner: { src: '100.127.0.128', dst: '198.19.0.4', protocol: 6 },
        capturedUs: 1_700_000_000_123_456,
      },
    ]);
  });

  it('decodes IPIP (protocol 4): outer endpoints and the packet inside, and tells it from GRE', () => {
    const ipip = pcapOf(4, Buffer.alloc(0));
    expect(ipipPacketsFromPcap(ipip)).toEqual([{ src: '198.18.0.16', dst: '198.18.0.64', inner: { src: '100.127.0.128', dst: '198.19.0.4', protocol: 6 } }]);
    expect(grePacketsFromPcap(ipip)).toEqual([]);
    expect(ipipPacketsFromPcap(pcapWithGre(1))).toEqual([]);
  });

  it('prints keys the way iproute2 does', () => {
    expect(dottedKey(1001)).toBe('0.0.3.233');
    expect(dottedKey(0x1234)).toBe('0.0.18.52');
  });

  it('reads softdep pre: names', () => {
    expect(softdepPre('pre: crc32c')).toEqual(['crc32c']);
    expect(softdepPre('pre: a b post: c\npre: d')).toEqual(['a', 'b', 'd']);
  });

  it('writes newc entries aligned to 4 bytes, ending with the trailer', () => {
    const archive = newcArchive([
      { type: 'dir', path: 'bin' },
      { type: 'file', path: 'init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    ]);
    const text = archive.toString('latin1');
    expect(text.startsWith('070701')).toBe(true);
    expect(archive.length % 4).toBe(0);
    const init = text.indexOf('init\0');
    const header = text.slice(init - 110, init);
    expect(header.slice(14, 22)).toBe((0o100755).toString(16).padStart(8, '0'));
    expect(parseInt(header.slice(54, 62), 16)).toBe(10);
    expect(text).toContain('TRAILER!!!\0');
  });
});
