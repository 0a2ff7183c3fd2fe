import { describe, expect, it } from 'vitest';
import { firstSpans } from '../../../src/engine/instance.js';
import { NETWORK_PHASES } from '../../../src/results/types.js';

const base = { event: 'first' as const, ok: true as const, localAddress: '100.64.0.2', status: 200, synRetransmits: 0 };

describe("an instance's first-request spans", () => {
  it('HTTP: first-connect, then first-response to the first byte', () => {
    expect(firstSpans({ ...base, connectStart: 1100, connected: 1300, firstByte: 1700, responseEnd: 1750 }, 1000)).toEqual([
      { phase: 'first-connect', startUs: 100, endUs: 300 },
      { phase: 'first-response', startUs: 300, endUs: 700 },
    ]);
  });

  it('PostgreSQL: client-load, first-connect, first-tls, first-auth, first-query back to back, ending at the first query', () => {
    const spans = firstSpans(
      { ...base, status: 0, connectStart: 51_000, connected: 52_000, firstByte: 70_000, responseEnd: 70_000, service: { loadStart: 1000, loaded: 51_000, tlsDone: 58_000, authDone: 69_000 } },
      0,
    );
    expect(spans.map((span) => span.phase)).toEqual(['client-load', 'first-connect', 'first-tls', 'first-auth', 'first-query']);
    for (const [index, span] of spans.entries()) if (index > 0) expect(span.startUs).toBe(spans[index - 1]!.endUs);
    expect(spans.at(-1)!.endUs).toBe(70_000);
    const network = spans.filter((span) => NETWORK_PHASES.includes(span.phase)).reduce((sum, span) => sum + span.endUs - span.startUs, 0);
    expect(network).toBe(19_000);
  });

  it('Redis: no first-tls; authentication starts at the connect', () => {
    const spans = firstSpans({ ...base, status: 0, connectStart: 200, connected: 400, firstByte: 900, responseEnd: 900, service: { loadStart: 0, loaded: 200, authDone: 700 } }, 0);
    expect(spans).toEqual([
      { phase: 'client-load', startUs: 0, endUs: 200 },
      { phase: 'first-connect', startUs: 200, endUs: 400 },
      { phase: 'first-auth', startUs: 400, endUs: 700 },
      { phase: 'first-query', startUs: 700, endUs: 900 },
    ]);
  });
});
