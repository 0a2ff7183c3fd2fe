/**
 * A daemon started through the driver (`Daemon.start`): its lines come from the channel's text (replayed
 * when they arrived before it listened), its signals go through the driver's `signalIn` for its node (its
 * pid is its machine's), and its end is the channel's. No root: a fake driver and a channel over streams.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineChannel } from '../../../src/exec/line-channel.js';
import type { KernelDriver, NodeProcess } from '../../../src/kernel/kernel-driver.js';
import { Daemon } from '../../../src/services/daemon.js';

class EndableChannel extends LineChannel {
  finish(error: Error): void {
    this.end(error);
  }
}

function fake(): { driver: KernelDriver; stdout: PassThrough; stderr: PassThrough; channel: EndableChannel; signals: string[] } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const channel = new EndableChannel({ label: 'keepalived', argv: ['keepalived'], input: new PassThrough(), output: stdout, stderr, spawnedAt: 0 });
  const signals: string[] = [];
  const signalIn: KernelDriver['signalIn'] = async (node, pids, signal) => {
    signals.push(`${node} ${signal} ${pids.join(' ')}`);
    return { delivered: [...pids], gone: [], startUs: 1, endUs: 2 };
  };
  const spawned: NodeProcess = { channel, pid: 4321, stop: async () => {} };
  const driver = { netnsOf: (node: string) => `coldpath-abcd-${node}`, signalIn, spawnIn: async () => spawned } as unknown as KernelDriver;
  return { driver, stdout, stderr, channel, signals };
}

describe('a daemon on the node’s machine (Daemon.start)', () => {
  it('reads stdout and stderr as text lines, replaying those that came before it listened', async () => {
    const { driver, stdout, stderr } = fake();
    stderr.write('(plat) Entering BACKUP STATE\n');
    await new Promise((resolve) => setImmediate(resolve));
    const daemon = await Daemon.start(driver, { node: 'px0', argv: ['keepalived'], label: 'keepalived on px0' });
    stdout.write('42\n');
    expect(await daemon.waitFor((l) => /MASTER/.test(l.text), 50)).toBeUndefined();
    stderr.write('(plat) Entering MASTER STATE\n');
    const master = await daemon.waitFor((l) => /MASTER/.test(l.text), 1000);
    expect(master?.stream).toBe('stderr');
    expect(daemon.output().map((l) => l.text)).toEqual(['(plat) Entering BACKUP STATE', '42', '(plat) Entering MASTER STATE']);
    expect(daemon.output()[0]?.at).toBeGreaterThan(0);
  });

  it("signals it through the driver on its node's machine, and sees its end through the channel", async () => {
    const { driver, channel, signals } = fake();
    const daemon = await Daemon.start(driver, { node: 'px0', argv: ['keepalived'], label: 'keepalived on px0' });
    expect(daemon.pid).toBe(4321);
    expect(await daemon.signal('SIGSTOP')).toBe(true);
    expect(signals).toEqual(['px0 SIGSTOP 4321']);
    const exited = daemon.exited(1000);
    channel.finish(new Error('exited with SIGKILL'));
    expect(await exited).toBe(true);
    expect(daemon.hasExited).toBe(true);
    expect(daemon.exit).toBe('SIGKILL');
    expect(await daemon.signal('SIGCONT')).toBe(false);
    expect(signals).toHaveLength(1);
  });
});
