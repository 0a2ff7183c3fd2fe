/** keepalived.conf for the proxy pair, its command line, log parsing and VRRP's bound: text and arithmetic, no root. */
import { describe, expect, it } from 'vitest';
import { advertSeconds, keepalivedArgv, keepalivedConfig, parseTransition, vrrpBound } from '../../../src/experiments/failover/keepalived.js';

const options = {
  routerId: 'coldpath-px0',
  priority: 200,
  advertIntervalMs: 10,
  platform: { dev: 'eth0', self: '198.18.0.64', peer: '198.18.0.65', vip: '198.18.0.63/32', vrid: 63 },
  user: { dev: 'eth1', self: '198.19.0.5', peer: '198.19.0.6', vip: '198.19.0.12/32', vrid: 64 },
};

describe('keepalived configuration', () => {
  it('is the whole file, stable', () => {
    expect(keepalivedConfig(options)).toMatchSnapshot();
  });

  it('uses VRRPv3 with the advert interval in seconds, unicast peers, both VIPs in one sync group', () => {
    const text = keepalivedConfig({ ...options, advertIntervalMs: 100 });
    expect(text).toContain('vrrp_version 3');
    expect(text.match(/advert_int 0\.1\n/g)).toHaveLength(2);
    expect(text).toMatch(/vrrp_sync_group proxy \{\n {2}group \{\n {4}plat\n {4}user\n {2}\}\n\}/);
    expect(text).toMatch(/vrrp_instance plat \{[^}]*interface eth0[^}]*unicast_src_ip 198\.18\.0\.64\n {2}unicast_peer \{\n {4}198\.18\.0\.65\n {2}\}/);
    expect(text).toContain('198.18.0.63/32 dev eth0');
    expect(text).toContain('198.19.0.12/32 dev eth1');
    // Neither node claims MASTER at start: priority decides.
    expect(text.match(/state BACKUP/g)).toHaveLength(2);
    expect(text).not.toMatch(/state MASTER|nopreempt|vrrp_strict/);
  });

  it('advert_int: centiseconds only', () => {
    expect(advertSeconds(10)).toBe('0.01');
    expect(advertSeconds(1000)).toBe('1');
    expect(advertSeconds(2500)).toBe('2.5');
    expect(() => advertSeconds(5)).toThrow(/multiple of 10/);
    expect(() => advertSeconds(15)).toThrow(/multiple of 10/);
  });

  it('runs in the foreground, VRRP only, logging to stderr, without respawn, with its own pid files', () => {
    expect(keepalivedArgv('/usr/sbin/keepalived', { config: '/run/coldpath/abcd/k.conf', pid: '/p', vrrpPid: '/v' })).toEqual([
      '/usr/sbin/keepalived',
      '-n',
      '-P',
      '-l',
      '-D',
      '-G',
      '-R',
      '-f',
      '/run/coldpath/abcd/k.conf',
      '-p',
      '/p',
      '-r',
      '/v',
    ]);
  });
});

describe('keepalived log lines', () => {
  it('finds state changes', () => {
    expect(parseTransition('Thu Nov 26 09:21:03 2026: (plat) Entering MASTER STATE')).toEqual({ instance: 'plat', state: 'MASTER' });
    expect(parseTransition('Thu Nov 26 09:21:03 2026: (user) Entering BACKUP STATE (init)')).toEqual({ instance: 'user', state: 'BACKUP' });
    expect(parseTransition('Thu Nov 26 09:21:03 2026: (plat) Entering FAULT STATE')).toEqual({ instance: 'plat', state: 'FAULT' });
    expect(parseTransition('Thu Nov 26 09:21:03 2026: (plat) sent 0 priority')).toEqual({ instance: 'plat', state: 'STOP' });
    expect(parseTransition('Thu Nov 26 09:21:03 2026: Sending gratuitous ARP on eth0 for 198.18.0.63')).toBeUndefined();
  });
});

describe('VRRP bound', () => {
  it('is 3 × advert_int + (256 − priority) / 256 × advert_int', () => {
    expect(vrrpBound(1000, 100)).toEqual({ advertIntervalUs: 1_000_000, skewUs: 609_375, masterDownUs: 3_609_375 });
    expect(vrrpBound(10, 100)).toEqual({ advertIntervalUs: 10_000, skewUs: 6094, masterDownUs: 36_094 });
    expect(vrrpBound(100, 255).skewUs).toBe(391);
  });
});
