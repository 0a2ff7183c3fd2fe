/** For tests: the ColdpathError a promise rejects with; anything else (or no rejection) fails the test. */
import { isColdpathError, type ColdpathError } from '../src/errors.js';

export async function coldpathErrorOf(promise: Promise<unknown>): Promise<ColdpathError> {
  try {
    await promise;
  } catch (error) {
    if (isColdpathError(error)) return error;
    throw error;
  }
  throw new Error('expected a ColdpathError');
}
