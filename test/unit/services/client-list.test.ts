/** CLIENT LIST as redis-server writes it: the source address of each client, as the server sees it. */
import { describe, expect, it } from 'vitest';
import { addressOf, parseClientList, sourcesOf } from '../../../src/services/redis/client-list.js';

// Redis 7.0's format (redis-cli prints the AUTH reply first when commands come on stdin).
const OUTPUT = [
  'OK',
  'id=3 addr=198.19.0.12:41822 laddr=198.19.0.4:6379 fd=8 name=coldpath-r0-gre-proxy age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=1800 events=r cmd=client|setname user=default redir=-1 resp=2',
  'id=4 addr=198.19.0.4:50000 laddr=198.19.0.4:6379 fd=9 name= age=0 idle=0 flags=N db=0 cmd=client|list user=default resp=2',
  'id=5 addr=[::1]:6000 laddr=[::1]:6379 fd=10 name=x age=3 cmd=get',
  '',
].join('\n');

describe('CLIENT LIST', () => {
  it('parses one entry per client, with its addr, source address and name', () => {
    const entries = parseClientList(OUTPUT);
    expect(entries.map((entry) => [entry.id, entry.addr, entry.address, entry.name])).toEqual([
      ['3', '198.19.0.12:41822', '198.19.0.12', 'coldpath-r0-gre-proxy'],
      ['4', '198.19.0.4:50000', '198.19.0.4', ''],
      ['5', '[::1]:6000', '::1', 'x'],
    ]);
    expect(entries[0]?.fields['cmd']).toBe('client|setname');
  });

  it('skips lines that are not clients', () => {
    expect(parseClientList('OK\n\n(error) nothing\n')).toEqual([]);
  });

  it('takes the address from addr in each of its forms', () => {
    expect(addressOf('100.64.0.5:1234')).toBe('100.64.0.5');
    expect(addressOf('[fd00::1]:6379')).toBe('fd00::1');
    expect(addressOf('fd00::1:6379')).toBe('fd00::1');
  });

  it('counts connections per source address', () => {
    const named = parseClientList(OUTPUT).filter((entry) => entry.address !== '198.19.0.4');
    expect(sourcesOf(named)).toEqual({ '198.19.0.12': 1, '::1': 1 });
  });
});
