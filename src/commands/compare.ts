/** `coldpath compare BASE NEW`: the regression gate (see src/compare/). */
import { ColdpathError } from '../errors.js';

export function compareCommand(_base: string, _next: string, _options: Record<string, unknown>): number {
  throw new ColdpathError('compare is not implemented yet', { kind: 'runtime', hint: 'see issue 5' });
}
