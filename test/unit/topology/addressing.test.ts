import { describe, expect, it } from 'vitest';
import { contains, host, hostCidr, overlaps, parseCidr, size, subnet } from '../../../src/cidr.js';
import { checkIfname, netnsName, parseNetnsName, taggedIfname } from '../../../src/topology/naming.js';

describe('CIDR arithmetic', () => {
  it('normalises to the network address', () => {
    expect(parseCidr('198.18.3.7/20').text).toBe('198.18.0.0/20');
    expect(size(parseCidr('10.0.0.0/24'))).toBe(256);
  });
  it('finds hosts and subnets, and refuses addresses outside', () => {
    const net = parseCidr('100.64.0.0/16');
    expect(subnet(net, 24, 3).text).toBe('100.64.3.0/24');
    expect(host(subnet(net, 24, 3), 2)).toBe('100.64.3.2');
    expect(hostCidr(parseCidr('198.19.0.0/24'), 4)).toBe('198.19.0.4/24');
    expect(() => host(parseCidr('10.0.0.0/30'), 4, 'user.subnet')).toThrow(/user\.subnet: 10\.0\.0\.0\/30 has no address number 4/);
    expect(() => subnet(net, 24, 256, 'platform.podCidr')).toThrow(/holds 256 \/24 subnets, not 257/);
  });
  it('detects overlap in both directions and containment', () => {
    const a = parseCidr('198.18.0.0/15');
    const b = parseCidr('198.19.4.0/24');
    expect(overlaps(a, b)).toBe(true);
    expect(overlaps(b, a)).toBe(true);
    expect(contains(a, b)).toBe(true);
    expect(contains(b, a)).toBe(false);
    expect(overlaps(parseCidr('10.0.0.0/24'), parseCidr('10.0.1.0/24'))).toBe(false);
  });
  it('rejects text that is not an IPv4 CIDR, naming the field', () => {
    expect(() => parseCidr('banana', 'user.cidr')).toThrow(/user\.cidr: "banana" is not a CIDR/);
    expect(() => parseCidr('fd00::/8', 'user.cidr')).toThrow(/IPv6/);
  });
});

describe('naming', () => {
  it('puts the run tag in every namespace and parses it back', () => {
    expect(netnsName('3fa1', 'fh0-c12')).toBe('coldpath-3fa1-fh0-c12');
    expect(parseNetnsName('coldpath-3fa1-fh0-c12')).toEqual({ tag: '3fa1', node: 'fh0-c12' });
    expect(parseNetnsName('coldpathx-3fa1-a')).toBeUndefined();
    expect(parseNetnsName('other')).toBeUndefined();
  });
  it('enforces the 15-character interface limit with a message that names the field', () => {
    expect(taggedIfname('3fa1', 'c9999')).toBe('cp3fa1c9999');
    expect(checkIfname('eth0')).toBe('eth0');
    expect(() => checkIfname('a-very-long-interface', 'services.0.name')).toThrow(/services\.0\.name: interface name "a-very-long-interface" is 21 characters; Linux allows at most 15/);
    expect(() => checkIfname('bad name')).toThrow(/characters Linux refuses/);
    expect(() => taggedIfname('3fa1', 'x'.repeat(10))).toThrow(/at most 15/);
  });
  it('refuses node names that are not lowercase words', () => {
    expect(() => netnsName('3fa1', 'Bad_Node')).toThrow(/invalid node name/);
  });
});
