/** The strategy plug-ins, by name. */
import type { StrategyName } from '../scenario/schema.js';
import { baselineStrategy } from './baseline.js';
import { eniStrategy } from './eni.js';
import { greProxyStrategy } from './gre-proxy.js';
import { peeringStrategy } from './peering.js';
import type { Strategy, StrategyContext } from './types.js';

const FACTORIES: Record<StrategyName, (ctx: StrategyContext) => Strategy> = {
  baseline: baselineStrategy,
  eni: eniStrategy,
  peering: peeringStrategy,
  'gre-proxy': greProxyStrategy,
};

export function createStrategy(name: StrategyName, ctx: StrategyContext): Strategy {
  return FACTORIES[name](ctx);
}

export type { Strategy, StrategyContext, TunnelChoice } from './types.js';
