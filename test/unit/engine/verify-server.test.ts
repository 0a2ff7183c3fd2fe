/** The path check from Redis's own view: what CLIENT LIST showed for the block's named connections. */
import { describe, expect, it } from 'vitest';
import { judgeServerView } from '../../../src/engine/verify-server.js';

const expectedSources = new Set(['198.19.0.12']);

describe('judgeServerView', () => {
  it('passes when every opened connection is listed from an expected source', () => {
    const view = judgeServerView({ server: 'redis', opened: 2, failures: [], observedSources: { '198.19.0.12': 2 }, expectedSources });
    expect(view).toMatchObject({ server: 'redis', opened: 2, ok: true });
    expect(view.detail).toMatch(/redis CLIENT LIST saw only the expected 1 source address/);
  });

  it('fails on a source the path does not promise (the wrong path)', () => {
    const view = judgeServerView({ server: 'redis', opened: 1, failures: [], observedSources: { '100.64.0.2': 1 }, expectedSources });
    expect(view.ok).toBe(false);
    expect(view.detail).toMatch(/redis CLIENT LIST saw unexpected sources 100\.64\.0\.2 \(expected 198\.19\.0\.12\)/);
  });

  it('fails when the server did not list every connection held open', () => {
    const view = judgeServerView({ server: 'redis', opened: 2, failures: [], observedSources: { '198.19.0.12': 1 }, expectedSources });
    expect(view.ok).toBe(false);
    expect(view.detail).toMatch(/listed 1 of the 2 connection/);
  });

  it('fails when no instance could connect, or when one could not', () => {
    expect(judgeServerView({ server: 'redis', opened: 0, failures: ['timed out'], observedSources: {}, expectedSources })).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/no warm instance could open a connection.*timed out/),
    });
    expect(judgeServerView({ server: 'redis', opened: 1, failures: ['WRONGPASS'], observedSources: { '198.19.0.12': 1 }, expectedSources })).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/1 instance\(s\) could not connect: WRONGPASS/),
    });
  });
});
