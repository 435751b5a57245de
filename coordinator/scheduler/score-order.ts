import type { CapacityIndex } from './capacity-index.js';
import { maskHosts, type PlaceContext } from './filters.js';
import { scoreHosts, type ScoreContext } from './scores.js';

/**
 * Finds the host a full scan would choose without scoring every host.
 *
 * Hosts are split into segments (one per rack, plus one for hosts without a rack;
 * each split again into spread and pack hosts) and kept sorted, per segment, by a
 * request-independent key:
 *
 *   spread: ws × (1 − base) + ww × warnValue      pack: ws × base + ww × warnValue
 *
 * where base = (vCPU share + memory share in use) / 2 before placing. What the
 * request adds to the share is d = (needV / vcpuCap + needM / memCap) / 2 ≥ 0, and
 * within a segment dMin ≤ d ≤ dMax (from the segment's least and largest
 * capacities). So, with the rack value rv (one per segment) and gv ≤ 1, every host
 * at or after a position whose key is k scores at most:
 *
 *   spread: (max(k − ws × dMin, ww × maxWarnValue) + wr × rv + wg) / Σw
 *           (the clamp of the share at 1 is the max(…, ww × maxWarnValue) branch)
 *   pack:   (k + ws × dMax + wr × rv + wg) / Σw
 *
 * Walking a segment in key order stops at the first position whose bound is below
 * the best exact score found so far (by a margin far above rounding error): no host
 * after it can win, nor tie (a tie would go to the lowest id, so an equal bound
 * never stops the walk). Every host the walk reaches is judged by maskHosts() and
 * scoreHosts() themselves, on that one host: the same code, the same numbers.
 *
 * A claim or release changes one host's key (adjust -> update); new static facts
 * for a host (replaceHost) widen its segment's extremes (restat); a host that
 * changes strategy, or a rebuilt index, gets a new order on next use.
 */
const MARGIN = 1e-9;

export class ScoreOrder {
  /** Host indexes, segment after segment, each segment sorted by key descending. */
  private readonly order: Int32Array;
  private readonly at: Int32Array;
  private readonly key: Float64Array;
  private readonly seg: Int32Array;
  private readonly segStart: Int32Array;
  private readonly segEnd: Int32Array;
  /** Per segment: rack number (-1: no rack), pack (1) or spread (0). */
  private readonly segRack: Int32Array;
  private readonly segPack: Uint8Array;
  private readonly minInvV: Float64Array;
  private readonly minInvM: Float64Array;
  private readonly maxInvV: Float64Array;
  private readonly maxInvM: Float64Array;
  private readonly maxWarn: Float64Array;
  private readonly segBound: Float64Array;
  private readonly one = new Uint8Array(1);
  private readonly oneScore = new Float64Array(1);
  /** boundTerms() output: [add, floor, rack]. */
  private readonly terms = new Float64Array(3);
  /** The walk's best so far (one object for every call: choose() is synchronous). */
  private readonly st = { best: -1, score: -Infinity };
  readonly ws: number;
  readonly ww: number;

  constructor(private readonly x: CapacityIndex) {
    const n = x.n;
    const w = x.snapshot.weights;
    this.ws = w.strategy;
    this.ww = w.warnings;
    const racks = x.rackNames.length;
    const segs = (racks + 1) * 2;
    const segOf = (i: number) => {
      const r = x.rack[i]!;
      return (r < 0 ? racks : r) * 2 + x.pack[i]!;
    };
    this.key = new Float64Array(n);
    this.seg = new Int32Array(n);
    this.at = new Int32Array(n);
    this.order = new Int32Array(n);
    this.segStart = new Int32Array(segs);
    this.segEnd = new Int32Array(segs);
    this.segRack = new Int32Array(segs);
    this.segPack = new Uint8Array(segs);
    this.minInvV = new Float64Array(segs).fill(Infinity);
    this.minInvM = new Float64Array(segs).fill(Infinity);
    this.maxInvV = new Float64Array(segs);
    this.maxInvM = new Float64Array(segs);
    this.maxWarn = new Float64Array(segs);
    this.segBound = new Float64Array(segs);
    const size = new Int32Array(segs);
    for (let i = 0; i < n; i++) {
      const k = segOf(i);
      this.seg[i] = k;
      size[k]!++;
      this.key[i] = this.keyOf(i);
      this.widen(k, i);
    }
    let p = 0;
    for (let k = 0; k < segs; k++) {
      this.segStart[k] = p;
      this.segEnd[k] = p;
      p += size[k]!;
      this.segRack[k] = k >> 1 === racks ? -1 : k >> 1;
      this.segPack[k] = k & 1;
      // Infinity left where a segment has no finite capacity: use 0 (d >= 0 always holds).
      if (!Number.isFinite(this.minInvV[k]!)) this.minInvV[k] = 0;
      if (!Number.isFinite(this.minInvM[k]!)) this.minInvM[k] = 0;
    }
    for (let i = 0; i < n; i++) this.order[this.segEnd[this.seg[i]!]!++] = i;
    for (let k = 0; k < segs; k++) {
      const part = Array.from(this.order.subarray(this.segStart[k]!, this.segEnd[k]!));
      part.sort((a, b) => this.key[b]! - this.key[a]! || a - b);
      for (let j = 0; j < part.length; j++) {
        this.order[this.segStart[k]! + j] = part[j]!;
        this.at[part[j]!] = this.segStart[k]! + j;
      }
    }
  }

  /**
   * Take host i's capacities and warnings into segment k's extremes. Only ever
   * widened (new facts for a host: restat), which keeps every bound valid.
   */
  private widen(k: number, i: number): void {
    const x = this.x;
    const iv = x.invVcpuCap[i]!;
    const im = x.invMemCap[i]!;
    // A host without capacity cannot pass the filters; its key is +Infinity, so it
    // is always judged and never bounds another host.
    if (Number.isFinite(iv)) {
      if (iv < this.minInvV[k]!) this.minInvV[k] = iv;
      if (iv > this.maxInvV[k]!) this.maxInvV[k] = iv;
    } else this.maxInvV[k] = Infinity;
    if (Number.isFinite(im)) {
      if (im < this.minInvM[k]!) this.minInvM[k] = im;
      if (im > this.maxInvM[k]!) this.maxInvM[k] = im;
    } else this.maxInvM[k] = Infinity;
    if (x.warnValue[i]! > this.maxWarn[k]!) this.maxWarn[k] = x.warnValue[i]!;
  }

  /** Host i has new static facts (same rack and strategy): widen its segment, re-place it. */
  restat(i: number): void {
    this.widen(this.seg[i]!, i);
    this.update(i);
  }

  private keyOf(i: number): number {
    const x = this.x;
    const base = (x.vcpuUsed[i]! * x.invVcpuCap[i]! + x.memUsed[i]! * x.invMemCap[i]!) * 0.5;
    const sv = x.pack[i] === 1 ? this.ws * base : this.ws * (1 - base);
    const k = sv + this.ww * x.warnValue[i]!;
    return Number.isFinite(k) ? k : Infinity;
  }

  /** Host i's usage changed: move it to its place in its segment. */
  update(i: number): void {
    const key = this.key;
    const order = this.order;
    const k = (key[i] = this.keyOf(i));
    const s = this.seg[i]!;
    const lo = this.segStart[s]!;
    const hi = this.segEnd[s]! - 1;
    let p = this.at[i]!;
    // Sorted by key descending, then index ascending: among equals the lowest id comes first.
    while (
      p > lo &&
      (key[order[p - 1]!]! < k || (key[order[p - 1]!]! === k && order[p - 1]! > i))
    ) {
      const o = order[p - 1]!;
      order[p] = o;
      this.at[o] = p;
      p--;
    }
    while (
      p < hi &&
      (key[order[p + 1]!]! > k || (key[order[p + 1]!]! === k && order[p + 1]! < i))
    ) {
      const o = order[p + 1]!;
      order[p] = o;
      this.at[o] = p;
      p++;
    }
    order[p] = i;
    this.at[i] = p;
  }

  /**
   * The host a full maskHosts() + scoreHosts() scan would choose (highest score,
   * lowest index on a tie), or -1 when no host passes. `bestScore` gets its score.
   * Requires non-negative weights (the config's schema) and the index's own weights.
   */
  choose(c: PlaceContext, s: ScoreContext, bestScore: { value: number }): number {
    const inv = s.totalWeight > 0 ? 1 / s.totalWeight : 0;
    const wg = s.soft ? s.w.groupSoft : 0;
    const segs = this.segStart.length;
    const bound = this.segBound;
    const t = this.terms;
    let first = -1;
    for (let k = 0; k < segs; k++) {
      const a = this.segStart[k]!;
      if (a === this.segEnd[k]!) {
        bound[k] = -Infinity;
        continue;
      }
      this.boundTerms(c, s, k);
      // The bound of the segment's first host (see walk()).
      let hb = this.key[this.order[a]!]! + t[0]!;
      if (this.segPack[k] === 0 && !(hb > t[1]!)) hb = t[1]!;
      let b = (hb + t[2]! + wg) * inv;
      if (b !== b) b = Infinity;
      bound[k] = b;
      if (b !== -Infinity && (first < 0 || b > bound[first]!)) first = k;
    }
    const st = this.st;
    st.best = -1;
    st.score = -Infinity;
    if (first >= 0) {
      this.walk(c, s, first, wg, inv);
      for (let k = 0; k < segs; k++)
        if (k !== first && bound[k]! !== -Infinity && bound[k]! + MARGIN >= st.score)
          this.walk(c, s, k, wg, inv);
    }
    bestScore.value = st.score;
    return st.best;
  }

  /**
   * Segment k's bound, less the key, for this request, into this.terms (the bound
   * is computed inline where it is used: a method returning a double would box it,
   * once per host walked):
   *   [0] what the request can add to a key: pack ws × dMax, spread −ws × dMin;
   *   [1] spread: the floor of the share term (the clamp at 1), ww × maxWarnValue;
   *   [2] wr × rack value.
   * A bound is then ((key + [0], floored by [1] for spread) + [2] + wg) × inv, and a
   * NaN (0 × Infinity: a capacity-less host) bounds nothing (Infinity).
   */
  private boundTerms(c: PlaceContext, s: ScoreContext, k: number): void {
    const t = this.terms;
    const r = this.segRack[k]!;
    const rv = s.rackValue === null || r < 0 ? 1 : s.rackValue[r]!;
    if (this.segPack[k] === 1) {
      t[0] = this.ws * ((c.needV * this.maxInvV[k]! + c.needM * this.maxInvM[k]!) * 0.5);
      t[1] = -Infinity;
    } else {
      t[0] = -(this.ws * ((c.needV * this.minInvV[k]! + c.needM * this.minInvM[k]!) * 0.5));
      t[1] = this.ww * this.maxWarn[k]!;
    }
    t[2] = s.w.rackBalance * rv;
  }

  private walk(c: PlaceContext, s: ScoreContext, k: number, wg: number, inv: number): void {
    const st = this.st;
    const end = this.segEnd[k]!;
    const one = this.one;
    const out = this.oneScore;
    const x = this.x;
    const vU = x.vcpuUsed;
    const mU = x.memUsed;
    const iV = x.invVcpuCap;
    const iM = x.invMemCap;
    const wv = x.warnValue;
    const keys = this.key;
    this.boundTerms(c, s, k);
    const add = this.terms[0]!;
    const floor = this.terms[1]!;
    const rack = this.terms[2]!;
    const spread = this.segPack[k] === 0;
    // The previous host scored in this segment: a host with the very same inputs
    // (same segment = same rack and strategy; usage, capacities, warnings) has the
    // very same score, so it can be judged without scoring it again. Not with a soft
    // group: its term depends on the host's members.
    let last = -1;
    let lastScore = 0;
    for (let p = this.segStart[k]!; p < end; p++) {
      const i = this.order[p]!;
      if (st.best >= 0) {
        let hb = keys[i]! + add;
        if (spread && !(hb > floor)) hb = floor;
        const b = (hb + rack + wg) * inv;
        if (b === b && b + MARGIN < st.score) return;
      }
      let v: number;
      if (
        last >= 0 &&
        !s.soft &&
        vU[i] === vU[last] &&
        mU[i] === mU[last] &&
        iV[i] === iV[last] &&
        iM[i] === iM[last] &&
        wv[i] === wv[last]
      )
        v = lastScore;
      else {
        one[0] = 0;
        scoreHosts(c, s, i, i + 1, one, out, null);
        v = out[0]!;
        last = i;
        lastScore = v;
      }
      // Filters only for a host that would win: the score of a rejected host is unused.
      if (!(v > st.score || (v === st.score && i < st.best))) continue;
      maskHosts(c, i, i + 1, one);
      if (one[0] !== 0) continue;
      st.score = v;
      st.best = i;
    }
  }
}

/** Whether choose() applies: it needs non-negative finite weights (the bounds add them). */
export function orderable(x: CapacityIndex, s: ScoreContext): boolean {
  const w = s.w;
  const ws = x.snapshot.weights;
  for (const v of [w.strategy, w.rackBalance, w.warnings, w.groupSoft])
    if (!(v >= 0 && Number.isFinite(v))) return false;
  return s.totalWeight > 0 && w.strategy === ws.strategy && w.warnings === ws.warnings;
}
