/** The multi-host tier's pure helpers (clock-check.ts, guests.ts), without booting anything. */
import { describe, expect, it } from 'vitest';
import { interpolate, recoverOffset, recovers } from './clock-check.js';
import { macOf, markersOf, nicsOfRole } from './guests.js';

describe('recovering an injected clock offset', () => {
  // A guest clock running 200 ppm fast against the host, 58 000 s behind at t = 0; the injected agent reads it + 1000 s.
  const guest = (atUs: number): number => -58_000e6 + 200e-6 * atUs;
  const at = (atUs: number, uncertaintyUs: number, plus = 0) => ({ atUs, uncertaintyUs, offsetUs: guest(atUs) + plus });

  it('interpolates the reference on a straight line, with the bound of such a line', () => {
    const r = interpolate(at(0, 2_000), at(10e6, 4_000), 2.5e6);
    expect(r.offsetUs).toBeCloseTo(guest(2.5e6), 3);
    expect(r.uncertaintyUs).toBe(0.75 * 2_000 + 0.25 * 4_000);
    // Outside the interval the bound grows with the distance.
    expect(interpolate(at(0, 2_000), at(10e6, 4_000), 20e6).uncertaintyUs).toBe(2_000 + 2 * 4_000);
  });

  it('recovers the injected offset despite a drift that a plain difference would get wrong', () => {
    const before = at(0, 2_000);
    const after = at(100e6, 2_000);
    // The estimate's own error (1.5 ms) within its bound (3 ms).
    const injected = { ...at(60e6, 3_000, 1_000e6), offsetUs: guest(60e6) + 1_000e6 + 1_500 };
    const check = recoverOffset(injected, before, after);
    expect(check.recoveredUs).toBeCloseTo(1_000e6 + 1_500, 3);
    expect(check.boundUs).toBe(5_000);
    expect(recovers(check, 1_000e6)).toBe(true);
    // Against the earlier reference alone, 60 s of 200 ppm (12 ms) would be counted as offset.
    expect(Math.abs(injected.offsetUs - before.offsetUs - 1_000e6)).toBeGreaterThan(10_000);
    // And a wrong offset is refused.
    expect(recovers(check, 999e6)).toBe(false);
    expect(recovers(check, 1_000e6 + 10_000)).toBe(false);
  });

  it('refuses two references taken at the same time', () => {
    expect(() => interpolate(at(5, 1), at(5, 1), 5)).toThrow(/same time/);
  });
});

describe('the guests', () => {
  it('name their NICs as the inventory does, by role', () => {
    expect(nicsOfRole('function-host')).toEqual({ platform: 'eth0' });
    expect(nicsOfRole('proxy')).toEqual({ platform: 'eth0', user: 'eth1' });
    expect(nicsOfRole('service-host')).toEqual({ user: 'eth0' });
  });

  it('have fixed, locally administered, distinct MACs', () => {
    const macs = [0, 1, 2].flatMap((guest) => [1, 2, 3].map((nic) => macOf(guest, nic)));
    expect(new Set(macs).size).toBe(9);
    for (const mac of macs) expect(mac).toMatch(/^52:54:00:c9:[0-9a-f]{2}:[0-9a-f]{2}$/);
  });

  it('report through console markers', () => {
    expect(markersOf('noise\nCOLDPATH-QEMU: sshd-ready 12.5\r\nCOLDPATH-QEMU: stopping 99\n')).toEqual(['sshd-ready 12.5', 'stopping 99']);
  });
});
