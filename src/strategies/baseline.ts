/** The floor: the same service inside the function's own (platform) VPC; nothing crosses VPCs. */
import { plan } from '../topology/ops.js';
import { NO_RESOURCES, type Strategy, type StrategyContext } from './types.js';
import { serviceTarget } from './target.js';

export function baselineStrategy(ctx: StrategyContext): Strategy {
  const service = ctx.layout.platformServices[0];
  if (service === undefined) throw new Error('scenario has no service');
  return {
    name: 'baseline',
    modeledColdPath: [],
    prewarm: () => ({ ok: true, plan: plan('baseline: nothing to prewarm', []), modeled: [], longLivedNodes: [] }),
    attach: (instance) => ({ ok: true, plan: plan(`instance ${instance.id}: baseline attach`, []), expectedSource: instance.podAddress }),
    release: () => {},
    teardown: () => plan('baseline: nothing to tear down', []),
    target: () => serviceTarget(service),
    natNodes: () => [],
    pathCounters: () => [],
    resources: () => ({ ...NO_RESOURCES }),
  };
}
