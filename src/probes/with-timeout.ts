/** A client call bounded in time: the clients' own timeouts do not cover every step (auth, the first query). */

/** `work`, or `timeoutError()` after `ms` (then `onTimeout` drops the connection, so nothing keeps running). */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => void, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(timeoutError());
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
