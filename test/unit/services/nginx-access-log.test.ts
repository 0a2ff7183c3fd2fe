/** nginx's access log in coldpath's format: the source address nginx saw, per witness request. */
import { describe, expect, it } from 'vitest';
import { parseAccessLog, witnessSources, witnessUri } from '../../../src/services/nginx/access-log.js';

const LOG = [
  '100.64.0.2 1 200 /',
  '100.64.0.2 1 200 /',
  '198.19.0.12 7 200 /coldpath-witness/coldpath-r0-gre-proxy',
  '198.19.0.13 8 200 /coldpath-witness/coldpath-r0-gre-proxy',
  '198.19.0.12 9 200 /coldpath-witness/coldpath-r1-gre-proxy',
  '100.64.0.3 10 404 /coldpath-witness/coldpath-r0-gre-proxy',
  'not a line of ours',
  '',
].join('\n');

describe('nginx access log', () => {
  it('parses address, connection, status and URI; skips lines not in the format', () => {
    const entries = parseAccessLog(LOG);
    expect(entries).toHaveLength(6);
    expect(entries[2]).toEqual({ address: '198.19.0.12', connection: 7, status: 200, uri: '/coldpath-witness/coldpath-r0-gre-proxy' });
  });

  it('counts the answered witness requests of one block per source address, ignoring other blocks and the measurement', () => {
    const entries = parseAccessLog(LOG);
    expect(witnessSources(entries, 'coldpath-r0-gre-proxy')).toEqual({ '198.19.0.12': 1, '198.19.0.13': 1 });
    expect(witnessSources(entries, 'coldpath-r1-gre-proxy')).toEqual({ '198.19.0.12': 1 });
    expect(witnessSources(entries, 'coldpath-r2-eni')).toEqual({});
  });

  it('names a witness in its path, refusing names that would need escaping', () => {
    expect(witnessUri('coldpath-r0-eni')).toBe('/coldpath-witness/coldpath-r0-eni');
    expect(() => witnessUri('a b')).toThrow(/letters, digits/);
  });
});
