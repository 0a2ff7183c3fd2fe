/**
 * Counting what namespaces hold from the kernel's own JSON. The fixtures are
 * real output (iproute2 6.1, nftables 1.0.6) of a namespace with a bridge and
 * one port, a veth pair, two addresses, a static route, a static neighbour
 * and an nft table with one set and two rules.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../../src/cidr.js';
import { addCensus, censusDelta, countNamespace, EMPTY_CENSUS } from '../../../src/kernel/census.js';

const ip = readFileSync(new URL('./fixtures/census-ip.jsonl', import.meta.url), 'utf8');
const nft = readFileSync(new URL('./fixtures/census-nft.json', import.meta.url), 'utf8');
const userCidr = parseCidr('198.19.0.0/16');

describe('kernel census', () => {
  it('counts links without loopback, IPv4 addresses, IPv4 routes outside the local table, IPv4 neighbours, nft rules and sets', () => {
    expect(countNamespace(ip, nft, { userCidr })).toEqual({
      namespaces: 1,
      links: 3,
      addresses: 2,
      routes: 3,
      neighbours: 1,
      nftRules: 2,
      nftSets: 1,
      userVpcPorts: 0,
      userVpcAddresses: 1,
    });
  });

  it('counts ports on the user VPC bridge only in its namespace', () => {
    expect(countNamespace(ip, nft, { userCidr, userBridge: { dev: 'br0' } }).userVpcPorts).toBe(1);
    expect(countNamespace(ip, nft, { userCidr, userBridge: { dev: 'other' } }).userVpcPorts).toBe(0);
  });

  it('a namespace without nft tables or output still counts', () => {
    expect(countNamespace(ip, '', { userCidr }).nftRules).toBe(0);
    expect(countNamespace('', '', { userCidr })).toMatchObject({ namespaces: 1, links: 0, routes: 0 });
  });

  it('adds namespaces up and takes what one census holds beyond another, never below zero', () => {
    const one = countNamespace(ip, nft, { userCidr });
    const two = addCensus(one, one);
    expect(two.links).toBe(6);
    expect(censusDelta(two, one)).toEqual(one);
    expect(censusDelta(EMPTY_CENSUS, one)).toEqual(EMPTY_CENSUS);
  });
});
