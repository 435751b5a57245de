/**
 * Sliding-window rate limit of relocations, pure (monotonic ms as argument): at
 * most `perMinute` relocations start in any 60 s. A window rather than a token
 * bucket so the rule an operator reads is exactly the rule that runs.
 */

export const RATE_WINDOW_MS = 60_000;

export interface RateState {
  /** When each relocation in the last minute started. */
  readonly starts: readonly number[];
}

export const EMPTY_RATE: RateState = { starts: [] };

export function rateAvailable(s: RateState, nowMs: number, perMinute: number): number {
  const recent = s.starts.filter((t) => t > nowMs - RATE_WINDOW_MS).length;
  return Math.max(0, perMinute - recent);
}

export function rateTake(s: RateState, nowMs: number): RateState {
  return { starts: [...s.starts.filter((t) => t > nowMs - RATE_WINDOW_MS), nowMs] };
}
