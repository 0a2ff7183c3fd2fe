import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isAlive, startTicksOf } from '../../../src/kernel/processes.js';

describe('process identity', () => {
  it('tells a process by pid and start time, whatever path it was started by', async () => {
    const own = startTicksOf('self');
    expect(own).toBeGreaterThan(0);
    expect(startTicksOf(process.pid)).toBe(own);
    const child = spawn('sleep', ['5']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(child.pid!)).toBe(true);
    expect(startTicksOf(child.pid!)).toBeGreaterThanOrEqual(own!);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(startTicksOf(child.pid!)).toBeUndefined();
  });
});
