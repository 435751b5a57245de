/**
 * The mass-failure brake, pure (time is an argument, monotonic ms).
 *
 * Many hosts going dark together is far more often a switch, a power feed or the
 * coordinator's own network than many independent host deaths. Fencing them all
 * would turn a partition into an outage, so automatic evacuation stops and an
 * operator looks.
 */

export interface BrakeConfig {
  /** Engage when more than this share of all hosts was lost within the window. */
  threshold: number;
  windowMs: number;
  /** Never engage for fewer lost hosts than this. */
  minHosts: number;
  autoRelease: boolean;
}

export interface BrakeState {
  engaged: boolean;
  /** 'auto': engaged by the rule, may release by itself; 'operator': held by a person. */
  by: 'auto' | 'operator' | null;
  reason: string;
  /** Hosts that went suspect (or straight to down) and when; pruned to the window. */
  losses: readonly { hostId: string; atMs: number }[];
  /** While engaged by the rule: since when the cluster has looked calm. */
  calmSinceMs: number | null;
}

export const RELEASED: BrakeState = {
  engaged: false,
  by: null,
  reason: '',
  losses: [],
  calmSinceMs: null,
};

export interface BrakeInput {
  nowMs: number;
  /** Every host the coordinator knows. */
  totalHosts: number;
  /** Hosts suspect or down right now. */
  outHosts: number;
  /** Hosts lost since the last step. */
  lost?: readonly string[];
  /** True during the coordinator's startup grace: counts are not yet meaningful, never release. */
  holdRelease?: boolean;
}

export interface BrakeStep {
  state: BrakeState;
  change?: 'engaged' | 'released';
  message?: string;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

/** Lost hosts at or above minHosts and above the threshold share. */
export function exceeds(lost: number, total: number, cfg: BrakeConfig): boolean {
  return total > 0 && lost >= cfg.minHosts && lost / total > cfg.threshold;
}

export function brakeStep(s: BrakeState, i: BrakeInput, cfg: BrakeConfig): BrakeStep {
  const since = i.nowMs - cfg.windowMs;
  const losses = [
    ...s.losses.filter((l) => l.atMs > since),
    ...(i.lost ?? []).map((hostId) => ({ hostId, atMs: i.nowMs })),
  ];
  const lostHosts = new Set(losses.map((l) => l.hostId));
  const state: BrakeState = { ...s, losses };

  if (!s.engaged) {
    if (!exceeds(lostHosts.size, i.totalHosts, cfg)) return { state };
    const reason =
      `${lostHosts.size} of ${i.totalHosts} hosts (${pct(lostHosts.size / i.totalHosts)}) lost contact ` +
      `within ${cfg.windowMs / 1000} s (threshold: more than ${pct(cfg.threshold)} and at least ${cfg.minHosts})`;
    return {
      state: { ...state, engaged: true, by: 'auto', reason, calmSinceMs: null },
      change: 'engaged',
      message: `mass-failure brake engaged: ${reason}; automatic fencing and relocation are paused (hosts: ${[...lostHosts].sort().join(', ')})`,
    };
  }

  if (s.by !== 'auto' || !cfg.autoRelease || i.holdRelease) return { state };
  const calm = !exceeds(i.outHosts, i.totalHosts, cfg);
  if (!calm) return { state: { ...state, calmSinceMs: null } };
  const calmSinceMs = s.calmSinceMs ?? i.nowMs;
  if (i.nowMs - calmSinceMs < cfg.windowMs) return { state: { ...state, calmSinceMs } };
  return {
    state: { ...RELEASED },
    change: 'released',
    message: `mass-failure brake released: ${i.outHosts} of ${i.totalHosts} hosts out of contact for ${cfg.windowMs / 1000} s, at or below the threshold; hosts still down are evacuated one by one at the rate limit`,
  };
}

/** An operator holds or releases the brake. A release forgets the losses that engaged it. */
export function operatorBrake(s: BrakeState, action: 'engage' | 'release', who: string): BrakeStep {
  if (action === 'engage') {
    if (s.engaged && s.by === 'operator') return { state: s };
    return {
      state: { ...s, engaged: true, by: 'operator', reason: `held by ${who}`, calmSinceMs: null },
      change: s.engaged ? undefined : 'engaged',
      message: `mass-failure brake held by ${who}: automatic fencing and relocation are paused until an operator releases it`,
    };
  }
  if (!s.engaged) return { state: { ...RELEASED } };
  return {
    state: { ...RELEASED },
    change: 'released',
    message: `mass-failure brake released by ${who}: hosts still down are evacuated one by one at the rate limit`,
  };
}
