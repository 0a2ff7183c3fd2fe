/**
 * CIDR arithmetic on IPv4 (ipaddr.js parses; the arithmetic on 32-bit
 * integers is small enough to keep here).
 */
import ipaddr from 'ipaddr.js';
import { ColdpathError } from './errors.js';

export interface Cidr {
  /** Network address as a 32-bit unsigned integer. */
  network: number;
  prefix: number;
  /** The text as written, normalised to its network address. */
  text: string;
}

export function parseCidr(text: string, field = 'cidr'): Cidr {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    throw new ColdpathError(`${field}: ${JSON.stringify(text)} is not a CIDR`, {
      kind: 'input',
      field,
      hint: 'write an IPv4 network like 198.18.0.0/16',
    });
  }
  const [address, prefix] = parsed;
  if (address.kind() !== 'ipv4') {
    throw new ColdpathError(`${field}: ${JSON.stringify(text)} is IPv6; coldpath builds IPv4 topologies`, { kind: 'input', field });
  }
  const value = toInt(address.toString());
  const network = prefix === 0 ? 0 : (value & mask(prefix)) >>> 0;
  return { network, prefix, text: `${fromInt(network)}/${prefix}` };
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function toInt(address: string): number {
  const bytes = ipaddr.IPv4.parse(address).toByteArray();
  return (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
}

export function fromInt(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

export function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && (inner.network & mask(outer.prefix)) >>> 0 === outer.network;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** The n-th address of a CIDR (0 = network address); throws when outside it. */
export function host(cidr: Cidr, n: number, field = 'cidr'): string {
  if (!Number.isInteger(n) || n < 0 || n >= size(cidr)) {
    throw new ColdpathError(`${field}: ${cidr.text} has no address number ${n}`, {
      kind: 'input',
      field,
      hint: `use a larger network than /${cidr.prefix}`,
    });
  }
  return fromInt((cidr.network + n) >>> 0);
}

/** The n-th subnet of length `prefix` inside `cidr`. */
export function subnet(cidr: Cidr, prefix: number, n: number, field = 'cidr'): Cidr {
  const count = prefix >= cidr.prefix ? 2 ** (prefix - cidr.prefix) : 0;
  if (n < 0 || n >= count) {
    throw new ColdpathError(`${field}: ${cidr.text} holds ${count} /${prefix} subnets, not ${n + 1}`, {
      kind: 'input',
      field,
      hint: `use a larger network than /${cidr.prefix}, or fewer hosts`,
    });
  }
  const network = (cidr.network + n * 2 ** (32 - prefix)) >>> 0;
  return { network, prefix, text: `${fromInt(network)}/${prefix}` };
}

/** `address/prefix` of host n in cidr, the form `ip addr add` takes. */
export function hostCidr(cidr: Cidr, n: number, field?: string): string {
  return `${host(cidr, n, field)}/${cidr.prefix}`;
}
