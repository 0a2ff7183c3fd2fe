/**
 * TEST-ONLY hooks, read from the environment here and nowhere else. Never set
 * them outside coldpath's own tests: a run measured with one is wrong on purpose.
 *
 * COLDPATH_TEST_MISROUTE=peering really misroutes the peering path: while it
 * is built, the platform VPC router masquerades what it sends over the peering
 * link, so the user service sees the link's address instead of each pod's.
 * Requests still succeed and the figures look normal — exactly the case path
 * verification exists for — so the run must fail its path check and `compare`
 * must refuse it (test/integration/misroute.test.ts). Any other value is a bug
 * in the test and stops the run.
 */
import type { Strategy } from '../strategies/types.js';
import type { Layout } from '../topology/layout.js';
import { plan, type Op } from '../topology/ops.js';

export const MISROUTE_ENV = 'COLDPATH_TEST_MISROUTE';
const MISROUTE_TABLE = 'coldpath_test_misroute';

/** The strategy itself, or (under COLDPATH_TEST_MISROUTE=peering) peering with the masquerade added to its build and teardown. */
export function withTestMisroute(strategy: Strategy, layout: Layout): Strategy {
  const wanted = process.env[MISROUTE_ENV];
  if (wanted === undefined || wanted === '') return strategy;
  if (wanted !== 'peering') throw new Error(`${MISROUTE_ENV}=${wanted}: only peering can be misrouted (a test-only variable; unset it)`);
  if (strategy.name !== 'peering') return strategy;
  const node = layout.platform.node;
  const masquerade: Op = {
    kind: 'nft.table',
    node,
    family: 'ip',
    table: MISROUTE_TABLE,
    body: ['chain postrouting {', '  type nat hook postrouting priority srcnat; policy accept;', `  oifname "${layout.peering.platformDev}" masquerade`, '}'].join('\n'),
  };
  return {
    ...strategy,
    prewarm() {
      const built = strategy.prewarm();
      // First, so that a build failing half-way still leaves the table its teardown deletes.
      return built.ok ? { ...built, plan: plan(`${built.plan.title} (test: misrouted)`, [masquerade, ...built.plan.ops]) } : built;
    },
    teardown() {
      const removal = strategy.teardown();
      return plan(removal.title, [...removal.ops, { kind: 'nft.delete', node, family: 'ip', table: MISROUTE_TABLE }]);
    },
  };
}
