import type { HostState } from '../../lib/model.js';

export interface LivenessConfig {
  suspectAfterMs: number;
  downAfterMs: number;
  /**
   * After a coordinator (re)start, no host is marked down before this much time has
   * passed: agents need time to notice and redial. At least as long as the
   * measured reconnect time of a full cluster (see the benchmark).
   */
  startupGraceMs: number;
}

export const DEFAULT_LIVENESS: LivenessConfig = {
  suspectAfterMs: 6_000,
  downAfterMs: 15_000,
  startupGraceMs: 30_000,
};

/**
 * Pure: a host's state from the receiver's monotonic clock. `lastSeenMs` is when
 * we last heard from the host (undefined = not since this coordinator started).
 * Nothing destructive follows from this alone: `down` is a fact about silence,
 * fencing decides what happens to the host's work.
 */
export function livenessState(
  lastSeenMs: number | undefined,
  nowMs: number,
  startedMs: number,
  cfg: LivenessConfig,
): HostState {
  const since = lastSeenMs ?? startedMs;
  const silence = nowMs - since;
  const inGrace = nowMs - startedMs < cfg.startupGraceMs;
  if (silence < cfg.suspectAfterMs) return lastSeenMs === undefined ? 'unknown' : 'ready';
  if (silence < cfg.downAfterMs || inGrace) return lastSeenMs === undefined ? 'unknown' : 'suspect';
  return 'down';
}
