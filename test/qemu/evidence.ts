/**
 * Reads the evidence the guest wrote (guest/job.sh): `ip -j` output and a
 * pcap file. The GRE header is decoded here, byte by byte, so the check does
 * not depend on how a tcpdump version words its output.
 */
import { readFileSync } from 'node:fs';

export interface IpLink {
  ifname: string;
  link?: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
}

export interface IpAddr {
  ifname: string;
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}

export const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The IPv4 address of `dev` in an `ip -j -4 addr show` dump. */
export function addressOf(addrs: readonly IpAddr[], dev: string): string | undefined {
  return addrs.find((a) => a.ifname === dev)?.addr_info.find((i) => i.family === 'inet')?.local;
}

/** How iproute2 prints a GRE key: as a dotted quad (1001 → 0.0.3.233). */
export function dottedKey(key: number): string {
  return [24, 16, 8, 0].map((shift) => (key >>> shift) & 0xff).join('.');
}

export interface GrePacket {
  src: string;
  dst: string;
  /** First 16 bits of the GRE header: C 0x8000, K 0x2000, S 0x1000, version 0x0007. */
  flags: number;
  version: number;
  /** EtherType of the payload (0x0800 = IPv4). */
  protocol: number;
  key: number | undefined;
  inner?: { src: string; dst: string; protocol: number };
  /** When tcpdump captured it (the pcap record's time, µs since the epoch, on the capturing machine's clock). */
  capturedUs: number;
}

export const GRE_KEY_PRESENT = 0x2000;
const GRE_CSUM_PRESENT = 0x8000;
const GRE_SEQ_PRESENT = 0x1000;

const ipv4 = (data: Buffer, at: number): string => [0, 1, 2, 3].map((i) => data[at + i]).join('.');

/** GRE packets in a pcap file of Ethernet frames (tcpdump -w, link type EN10MB). */
export function grePacketsFromPcap(pcap: Buffer): GrePacket[] {
  return framesOf(pcap).flatMap(({ frame, capturedUs }) => {
    const packet = decodeFrame(frame);
    return packet === undefined ? [] : [{ ...packet, capturedUs }];
  });
}

/** An IPIP packet (IP protocol 4): outer endpoints, and the IPv4 packet it carries. No key: nothing names a tenant. */
export interface IpipPacket {
  src: string;
  dst: string;
  inner: { src: string; dst: string; protocol: number };
}

/** IPIP packets in a pcap file of Ethernet frames (tcpdump -w, link type EN10MB). */
export function ipipPacketsFromPcap(pcap: Buffer): IpipPacket[] {
  return framesOf(pcap).flatMap(({ frame }): IpipPacket[] => {
    if (frame.length < 14 + 20 || frame.readUInt16BE(12) !== 0x0800) return [];
    const ip = 14;
    const inner = ip + ((frame[ip] ?? 0) & 0x0f) * 4;
    if (frame[ip + 9] !== 4 || frame.length < inner + 20) return [];
    return [{ src: ipv4(frame, ip + 12), dst: ipv4(frame, ip + 16), inner: { src: ipv4(frame, inner + 12), dst: ipv4(frame, inner + 16), protocol: frame[inner + 9] ?? 0 } }];
  });
}

/** The Ethernet frames of a little-endian pcap file (microsecond timestamps, tcpdump's default), with their capture time. */
function framesOf(pcap: Buffer): Array<{ frame: Buffer; capturedUs: number }> {
  if (pcap.length < 24) throw new Error('pcap file is shorter than its header: the capture saw nothing');
  const magic = pcap.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`not a little-endian pcap file (magic 0x${magic.toString(16)})`);
  const linkType = pcap.readUInt32LE(20);
  if (linkType !== 1) throw new Error(`expected Ethernet frames (link type 1), got link type ${linkType}`);
  const frames: Array<{ frame: Buffer; capturedUs: number }> = [];
  for (let at = 24; at + 16 <= pcap.length; ) {
    const length = pcap.readUInt32LE(at + 8);
    const capturedUs = pcap.readUInt32LE(at) * 1e6 + pcap.readUInt32LE(at + 4);
    frames.push({ frame: pcap.subarray(at + 16, at + 16 + length), capturedUs });
    at += 16 + length;
  }
  return frames;
}

function decodeFrame(frame: Buffer): Omit<GrePacket, 'capturedUs'> | undefined {
  if (frame.length < 14 + 20 || frame.readUInt16BE(12) !== 0x0800) return undefined;
  const ip = 14;
  const ihl = ((frame[ip] ?? 0) & 0x0f) * 4;
  if (frame[ip + 9] !== 47) return undefined;
  const gre = ip + ihl;
  if (frame.length < gre + 4) return undefined;
  const flags = frame.readUInt16BE(gre);
  const protocol = frame.readUInt16BE(gre + 2);
  let field = gre + 4;
  if (flags & GRE_CSUM_PRESENT) field += 4;
  let key: number | undefined;
  if (flags & GRE_KEY_PRESENT) {
    key = frame.readUInt32BE(field);
    field += 4;
  }
  if (flags & GRE_SEQ_PRESENT) field += 4;
  const packet: Omit<GrePacket, 'capturedUs'> = { src: ipv4(frame, ip + 12), dst: ipv4(frame, ip + 16), flags, version: flags & 0x7, protocol, key };
  if (protocol === 0x0800 && frame.length >= field + 20) {
    packet.inner = { src: ipv4(frame, field + 12), dst: ipv4(frame, field + 16), protocol: frame[field + 9] ?? 0 };
  }
  return packet;
}
