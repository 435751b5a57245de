import { ErrorCodes, PlinthError } from '../../lib/errors.js';

/**
 * Run `fn` with a hard deadline. The AbortSignal tells well-behaved code to stop;
 * the race guarantees the caller moves on even when the callee ignores it.
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(
        new PlinthError(ErrorCodes.TIMEOUT, `${what} did not finish within ${ms} ms`, {
          timeoutMs: ms,
        }),
      );
    }, ms);
  });
  try {
    return await Promise.race([fn(ac.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
