/**
 * Jittered exponential backoff ("equal jitter"): half of the delay is fixed so a
 * retry never comes back instantly, half is random so a thousand agents that lost
 * the same coordinator do not reconnect in lockstep. Pure: randomness is injected.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5000, factor: 2 };

export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exp = Math.min(
    policy.maxMs,
    policy.initialMs * Math.pow(policy.factor, Math.max(0, attempt)),
  );
  const half = exp / 2;
  return Math.round(half + random() * half);
}
