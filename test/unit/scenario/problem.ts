/** For scenario tests: the input error (exit 2) a raw scenario is refused with; an accepted scenario fails the test. */
import { expect } from 'vitest';
import { ColdpathError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/load.js';

export function problem(raw: unknown): ColdpathError {
  try {
    parseScenario(raw, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ColdpathError);
    const e = error as ColdpathError;
    expect(e.kind).toBe('input');
    expect(e.processExitCode).toBe(2);
    return e;
  }
  throw new Error('scenario was accepted');
}
