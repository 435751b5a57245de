import type { PlaceContext } from './filters.js';
import type { ScoreTerm, ScoreWeights } from './types.js';

/**
 * Scores of a host that passed every filter, each 0..1, combined as a weighted mean
 * (a score reads the same whatever the weights add up to). Higher wins; the caller
 * breaks ties on host id.
 *
 * - strategy: pack = fuller after placing is better, spread = emptier (mean of the
 *   vCPU and memory share in use after placing), per pool;
 * - rack-balance: 1 - the share of the rack's vCPU capacity in use (a host without a
 *   rack label is neutral: 1);
 * - warnings: 1 / (1 + active warning conditions);
 * - group-soft (soft groups only): affinity = 1 where members are in scope (or before
 *   the first member), else 0; anti-affinity = 1 / (1 + members in scope).
 */
export interface ScoreContext {
  w: ScoreWeights;
  /** Per rack: the rack-balance value (1 - share of vCPU capacity in use). */
  rackValue: Float64Array | null;
  soft: boolean;
  totalWeight: number;
}

export function prepareScores(c: PlaceContext, w: ScoreWeights): ScoreContext {
  const x = c.idx;
  let rackValue: Float64Array | null = null;
  if (w.rackBalance > 0 && x.rackNames.length > 0) {
    // prepare() is done with scratchRackB (group counts per rack are in groupCount now).
    rackValue = x.scratchRackB;
    for (let r = 0; r < rackValue.length; r++) {
      const cap = x.rackCap[r]!;
      const v = cap > 0 ? 1 - x.rackUsed[r]! / cap : 0;
      rackValue[r] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  const soft = c.q.group !== undefined && !c.q.group.hard && w.groupSoft > 0;
  const totalWeight = w.strategy + w.rackBalance + w.warnings + (soft ? w.groupSoft : 0);
  return { w, rackValue, soft, totalWeight };
}

/**
 * The one scoring implementation: scores of the hosts in [from, to) whose mask is 0,
 * into out[0 .. to - from); returns the best (first on a tie: hosts are sorted by
 * id), or -1. With `terms` (length 4) the last host's four values are kept too: the
 * explanation runs this on one host.
 */
export function scoreHosts(
  c: PlaceContext,
  s: ScoreContext,
  from: number,
  to: number,
  mask: Uint8Array,
  out: Float64Array,
  terms: Float64Array | null,
): number {
  const x = c.idx;
  const ws = s.w.strategy;
  const wr = s.w.rackBalance;
  const ww = s.w.warnings;
  const wg = s.soft ? s.w.groupSoft : 0;
  const inv = s.totalWeight > 0 ? 1 / s.totalWeight : 0;
  const vcpuUsed = x.vcpuUsed;
  const memUsed = x.memUsed;
  const invVcpuCap = x.invVcpuCap;
  const invMemCap = x.invMemCap;
  const pack = x.pack;
  const rack = x.rack;
  const warnValue = x.warnValue;
  const rackValue = s.rackValue;
  const group = s.soft ? c.groupCount : null;
  const affinity = c.q.group?.policy === 'affinity';
  const groupEmpty = c.groupTotal === 0;
  const needV = c.needV;
  const needM = c.needM;
  let best = -1;
  let bestScore = -Infinity;
  for (let i = from; i < to; i++) {
    if (mask[i - from] !== 0) continue;
    // A passing host has capacity >= the request >= 1, so the inverses are finite.
    const u =
      ((vcpuUsed[i]! + needV) * invVcpuCap[i]! + (memUsed[i]! + needM) * invMemCap[i]!) * 0.5;
    const use = u > 1 ? 1 : u < 0 ? 0 : u;
    const sv = pack[i] === 1 ? use : 1 - use;
    const r = rack[i]!;
    const rv = rackValue === null || r < 0 ? 1 : rackValue[r]!;
    const wv = warnValue[i]!;
    let gv = 0;
    if (group !== null) {
      const n = group[i]!;
      gv = affinity ? (groupEmpty || n > 0 ? 1 : 0) : 1 / (1 + n);
    }
    const score = (ws * sv + wr * rv + ww * wv + wg * gv) * inv;
    out[i - from] = score;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
    if (terms !== null) {
      terms[0] = sv;
      terms[1] = rv;
      terms[2] = wv;
      terms[3] = gv;
    }
  }
  return best;
}

// Scratch for scoreOne: scoring is synchronous, so one set serves every call.
const ONE_MASK = new Uint8Array(1);
const ONE_SCORE = new Float64Array(1);
const ONE_TERMS = new Float64Array(4);

/** One passing host's score and its terms (weights and 0..1 values), from scoreHosts. */
export function scoreOne(
  c: PlaceContext,
  s: ScoreContext,
  i: number,
): { score: number; terms: ScoreTerm[] } {
  const out = ONE_SCORE;
  const t = ONE_TERMS;
  ONE_MASK[0] = 0;
  scoreHosts(c, s, i, i + 1, ONE_MASK, out, t);
  const w = s.w;
  const terms: ScoreTerm[] = [];
  if (w.strategy > 0) terms.push({ score: 'strategy', weight: w.strategy, value: t[0]! });
  if (w.rackBalance > 0) terms.push({ score: 'rack-balance', weight: w.rackBalance, value: t[1]! });
  if (w.warnings > 0) terms.push({ score: 'warnings', weight: w.warnings, value: t[2]! });
  if (s.soft && w.groupSoft > 0)
    terms.push({ score: 'group-soft', weight: w.groupSoft, value: t[3]! });
  return { score: out[0]!, terms };
}
