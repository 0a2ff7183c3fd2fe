import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runLoop } from '../../../src/probes/load-loop.js';

describe('load loop', () => {
  it('closed loop: measures exactly the requests after warm-up and counts errors by kind', async () => {
    let calls = 0;
    const result = await runLoop(
      { requests: 50, warmup: 10, concurrency: 2, loop: 'closed' },
      async () => {
        calls++;
        if (calls % 10 === 0) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
      },
      new AbortController().signal,
    );
    expect(calls).toBe(60);
    expect(result.histogram.totalCount + (result.errors['refused'] ?? 0)).toBe(50);
    expect(result.errors['refused']).toBeGreaterThan(0);
    expect(result.raw).toBeUndefined();
  });

  it('open loop: a stall is charged to the requests that could not be sent (coordinated omission), the raw histogram does not see it', async () => {
    let index = 0;
    const result = await runLoop(
      { requests: 40, warmup: 0, concurrency: 1, loop: 'open', rate: 1000 },
      async () => {
        // One request stalls for 30 ms; at 1000/s, about 30 intended sends fall inside that stall.
        if (index++ === 5) await sleep(30);
      },
      new AbortController().signal,
    );
    expect(result.histogram.totalCount).toBe(40);
    expect(result.raw?.totalCount).toBe(40);
    const corrected = result.histogram.getValueAtPercentile(50);
    const raw = result.raw!.getValueAtPercentile(50);
    expect(corrected).toBeGreaterThan(5 * raw);
    expect(result.histogram.maxValue).toBeGreaterThanOrEqual(29_000);
  });

  it('stops when aborted and says so', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const result = await runLoop({ requests: 1_000_000, warmup: 0, concurrency: 1, loop: 'closed' }, () => sleep(1), controller.signal);
    expect(result.aborted).toBe(true);
    expect(result.histogram.totalCount).toBeLessThan(1_000_000);
  });
});
