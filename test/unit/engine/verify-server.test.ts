/** The path check from Redis's own view: what CLIENT LIST showed for the block's named connections. */
import { describe, expect, it } from 'vitest';
import type { LiveInstance } from '../../../src/engine/instance.js';
import type { RealServer } from '../../../src/engine/real-servers/types.js';
import { judgeServerView, verifyServerView } from '../../../src/engine/verify-server.js';
import type { WitnessEvent, WitnessSpec } from '../../../src/probes/protocol.js';

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

describe('verifyServerView', () => {
  /** A real server that records what the check asked of it, and warm instances whose probes record their witnesses. */
  function fixture(observed: Record<string, number>, failing = 0) {
    const calls: string[] = [];
    const server: RealServer = {
      kind: 'nginx',
      pid: 1,
      address: '198.19.0.4',
      port: 80,
      requestSpec: () => ({}),
      witnessSpec: (name, timeoutMs, holdMs) => ({ host: '198.19.0.4', port: 80, password: '', key: '', http: { path: `/coldpath-witness/${name}` }, name, timeoutMs, holdMs }),
      observedSources: async (name, opened) => {
        calls.push(`list ${name} ${opened}`);
        return observed;
      },
      stop: async () => {},
    };
    const instances = [0, 1].map((index) => ({
      probe: {
        witness: async (spec: WitnessSpec) => {
          calls.push(`witness ${spec.http?.path ?? ''}`);
          const event: WitnessEvent = index < failing ? { event: 'witnessing', id: index, ok: false, message: 'ECONNREFUSED' } : { event: 'witnessing', id: index, ok: true };
          return { event, release: async () => void calls.push(`release ${index}`) };
        },
      },
    })) as unknown as LiveInstance[];
    return { server, instances, calls };
  }

  it('opens the kind’s witness on every warm instance, asks the server while they are held, then releases them', async () => {
    const { server, instances, calls } = fixture({ '198.19.0.12': 2 });
    const view = await verifyServerView({ server, instances, expectedSources: new Set(['198.19.0.12']), name: 'coldpath-r0-eni', timeoutMs: 1000 });
    expect(view).toMatchObject({ server: 'nginx', opened: 2, ok: true, observedSources: { '198.19.0.12': 2 } });
    expect(view.detail).toMatch(/^nginx access log saw only the expected 1 source address/);
    expect(calls).toEqual(['witness /coldpath-witness/coldpath-r0-eni', 'witness /coldpath-witness/coldpath-r0-eni', 'list coldpath-r0-eni 2', 'release 0', 'release 1']);
  });

  it('tells the server how many witnesses it should find (those that connected) and fails on the one that could not', async () => {
    const { server, instances, calls } = fixture({ '198.19.0.12': 1 }, 1);
    const view = await verifyServerView({ server, instances, expectedSources: new Set(['198.19.0.12']), name: 'coldpath-r1-eni', timeoutMs: 1000 });
    expect(calls).toContain('list coldpath-r1-eni 1');
    expect(view).toMatchObject({ ok: false, opened: 1, detail: expect.stringMatching(/1 instance\(s\) could not connect: ECONNREFUSED/) });
  });
});
