/** Which nodes exist after a plan: those it adds join, those it deletes leave (plans as data, no kernel). */
import type { Plan } from './ops.js';

export function liveNodesAfter(before: ReadonlySet<string>, plan: Plan): Set<string> {
  const nodes = new Set(before);
  for (const op of plan.ops) {
    if (op.kind === 'node.add') nodes.add(op.node);
    if (op.kind === 'node.del') nodes.delete(op.node);
  }
  return nodes;
}
