import { afterEach, describe, expect, it, vi } from 'vitest';
import { MISROUTE_ENV, withTestMisroute } from '../../../src/engine/test-hooks.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { createStrategy } from '../../../src/strategies/index.js';
import type { TunnelChoice } from '../../../src/strategies/types.js';
import { buildLayout } from '../../../src/topology/layout.js';

const tunnel: TunnelChoice = { requested: 'auto', used: 'vxlan', reason: 'test' };
const scenario = parseScenario({});
const layout = buildLayout(scenario, 'abcd');
const strategy = (name: 'peering' | 'eni') => createStrategy(name, { scenario, layout, tunnel });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe(`${MISROUTE_ENV} (test-only)`, () => {
  it('unset: every strategy is itself', () => {
    vi.stubEnv(MISROUTE_ENV, '');
    const peering = strategy('peering');
    expect(withTestMisroute(peering, layout)).toBe(peering);
  });

  it('peering: masquerades on the platform router over the peering link, first built and last removed', () => {
    vi.stubEnv(MISROUTE_ENV, 'peering');
    const misrouted = withTestMisroute(strategy('peering'), layout);
    const prewarm = misrouted.prewarm();
    if (!prewarm.ok) throw new Error(prewarm.message);
    const [first, ...rest] = prewarm.plan.ops;
    expect(first).toMatchObject({ kind: 'nft.table', node: layout.platform.node, table: 'coldpath_test_misroute' });
    expect(first?.kind === 'nft.table' && first.body).toContain(`oifname "${layout.peering.platformDev}" masquerade`);
    expect(rest).toEqual((strategy('peering').prewarm() as { plan: { ops: unknown[] } }).plan.ops);
    expect(misrouted.teardown().ops.at(-1)).toEqual({ kind: 'nft.delete', node: layout.platform.node, family: 'ip', table: 'coldpath_test_misroute' });
    expect(misrouted.target()).toEqual(strategy('peering').target());
    const eni = strategy('eni');
    expect(withTestMisroute(eni, layout)).toBe(eni);
  });

  it('any other value stops the run', () => {
    vi.stubEnv(MISROUTE_ENV, 'gre-proxy');
    expect(() => withTestMisroute(strategy('eni'), layout)).toThrow(/only peering can be misrouted/);
  });
});
