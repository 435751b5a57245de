import { CapacityIndex } from './capacity-index.js';
import { FILTERS, filterReason, filterVerdicts, hostMask, maskHosts, prepare } from './filters.js';
import { ScoreOrder, orderable } from './score-order.js';
import { prepareScores, scoreHosts, scoreOne, type ScoreContext } from './scores.js';
import type { PlaceContext } from './filters.js';
import type {
  FilterSummary,
  HostVerdict,
  Placement,
  PlacementRequest,
  SchedulerSnapshot,
} from './types.js';

export interface PlaceOptions {
  /**
   * 'full' (default): a verdict for every host. 'summary': only the chosen host's
   * verdict (the hot path of the engine). A rejection always carries every host:
   * the table is the explanation.
   */
  detail?: 'full' | 'summary';
  /**
   * 'summary' only: find the chosen host through the index's score order instead of
   * scoring every host (score-order.ts; the same choice, proven there and checked by
   * the property tests). Default true; false forces the full scan (tests compare).
   */
  ordered?: boolean;
}

/**
 * Pure: the same snapshot and request always give the same Placement. Every filter
 * counts on every host (the summary says how many hosts each one removed); the best
 * score wins and ties go to the lowest host id. 'summary' finds that host through
 * the score order (score-order.ts) and proves the other hosts' verdicts in bulk.
 */
export function place(
  snapshot: SchedulerSnapshot,
  request: PlacementRequest,
  opts: PlaceOptions = {},
): Placement {
  return placeIndexed(new CapacityIndex(snapshot), request, opts);
}

/** place() over an already compiled index (the engine keeps one live). */
export function placeIndexed(
  idx: CapacityIndex,
  q: PlacementRequest,
  opts: PlaceOptions = {},
): Placement {
  const c = prepare(idx, q);
  const s = prepareScores(c, idx.snapshot.weights);
  if (opts.detail === 'summary' && opts.ordered !== false && orderable(idx, s)) {
    const p = placeOrdered(c, s);
    if (p) return p;
  }
  const mask = idx.scratchMask;
  const scores = idx.scratchScore;
  const n = idx.n;
  const anyRejected = maskHosts(c, 0, n, mask) > 0;
  const best = scoreHosts(c, s, 0, n, mask, scores, null);
  const bestScore = best >= 0 ? scores[best]! : 0;
  const removed = [0, 0, 0, 0, 0, 0, 0, 0];
  if (anyRejected)
    for (let i = 0; i < n; i++) {
      const m = mask[i]!;
      if (m !== 0) for (let f = 0; f < 8; f++) if (m & (1 << f)) removed[f]!++;
    }
  const filters = summarise(c, mask, removed, anyRejected);
  const ok = best >= 0;
  const full = !ok || opts.detail !== 'summary';
  const hosts = full ? allVerdicts(c, s, mask, scores, best) : [verdict(c, s, best, 0)];
  if (!ok) {
    return { ok, hosts, filters, message: rejectionLine(q.name, idx.n, filters) };
  }
  const hostId = idx.hosts[best]!.id;
  return {
    ok,
    hostId,
    score: bestScore,
    hosts,
    filters,
    message: `placed ${q.name} on ${hostId} (score ${bestScore.toFixed(2)})`,
  };
}

/**
 * The hot path: the choice from the score order. The filter summary judges only
 * the hosts that could be rejected (rejectionScope), with the same filter code, or
 * all of them when that cannot be narrowed down. Null when no host passes: the
 * caller builds the full rejection.
 */
function placeOrdered(c: PlaceContext, s: ScoreContext): Placement | null {
  const idx = c.idx;
  const order = (idx.order ??= new ScoreOrder(idx));
  const got = { value: 0 };
  const best = order.choose(c, s, got);
  if (best < 0) return null;
  const mask = idx.scratchMask;
  const scope = rejectionScope(c);
  const removed = [0, 0, 0, 0, 0, 0, 0, 0];
  let anyRejected = false;
  if (scope === 'all') {
    anyRejected = maskHosts(c, 0, idx.n, mask) > 0;
    if (anyRejected)
      for (let i = 0; i < idx.n; i++) {
        const m = mask[i]!;
        if (m !== 0) for (let f = 0; f < 8; f++) if (m & (1 << f)) removed[f]!++;
      }
  } else if (scope !== null) {
    // Only these hosts can be rejected: judge them, one by one, with the same code.
    for (const i of scope) {
      const m = (mask[i] = hostMask(c, i));
      if (m !== 0) anyRejected = true;
      for (let f = 0; f < 8; f++) if (m & (1 << f)) removed[f]!++;
    }
  }
  const filters = summarise(c, mask, removed, anyRejected, scope === 'all' ? null : scope);
  const hostId = idx.hosts[best]!.id;
  const score = got.value;
  return {
    ok: true,
    hostId,
    score,
    hosts: [verdict(c, s, best, 0)],
    filters,
    message: `placed ${c.q.name} on ${hostId} (score ${score.toFixed(2)})`,
  };
}

/** Past this many statically rejected hosts the full maskHosts() pass is cheaper. */
const SPARSE_MAX = 256;

/**
 * Which hosts maskHosts() could reject, without building the whole mask: null when
 * none; a short list (the hosts failing a static filter, the excluded ones, the
 * members' hosts of a hard host anti-affinity group) when only those can be; else
 * 'all'. The static filters are listed once per request shape; the capacity
 * filters are ruled out from the index's least free room.
 */
function rejectionScope(c: PlaceContext): null | 'all' | readonly number[] {
  const x = c.idx;
  const n = x.n;
  if (x.anyLacksRoom(c.needV, c.needM)) return 'all';
  const fixed = x.shapeRejects(c.shape, () => {
    const out: number[] = [];
    for (let i = 0; i < n; i++)
      if (
        x.staticMask[i] !== 0 ||
        c.hyp[i] === 0 ||
        (c.labels !== null && c.labels[i] === 0) ||
        (c.nets !== null && c.nets[i] === 0)
      ) {
        if (out.length === SPARSE_MAX) return null;
        out.push(i);
      }
    return out;
  });
  if (fixed === null) return 'all';
  const extra: number[] = [];
  for (const id of c.q.excludeHosts ?? []) {
    const i = x.pos.get(id);
    if (i !== undefined) extra.push(i);
  }
  const g = c.q.group;
  if (c.groupHard && g && c.groupTotal !== 0) {
    // Host scope, anti-affinity: groupCount is non-zero exactly on the members' hosts.
    if (g.policy !== 'anti-affinity' || g.scope !== 'host') return 'all';
    const members = x.groups.get(g.name);
    if (members) for (const i of members.keys()) extra.push(i);
  }
  if (extra.length === 0) return fixed.length ? fixed : null;
  return [...new Set([...fixed, ...extra])];
}

/**
 * A filter that removed nothing, shared and frozen: most placements reject no host,
 * and the hot path then allocates no summary at all (GC pauses stop every request
 * in flight; the fewer objects a placement leaves, the rarer and shorter they are).
 */
const NOTHING_REMOVED: readonly FilterSummary[] = Object.freeze(
  FILTERS.map(({ name }): FilterSummary =>
    Object.freeze({ filter: name, removed: 0, reasons: Object.freeze([]) as never }),
  ),
);

function summarise(
  c: PlaceContext,
  mask: Uint8Array,
  removed: number[],
  anyRejected: boolean,
  only: readonly number[] | null = null,
): FilterSummary[] {
  if (!anyRejected) return NOTHING_REMOVED as FilterSummary[];
  return FILTERS.map(({ name, bit }, f) => {
    const count = removed[f]!;
    if (count === 0) return NOTHING_REMOVED[f]!;
    const reasons = new Map<string, number>();
    const count1 = (i: number) => {
      if ((mask[i]! & bit) === 0) return;
      const r = filterReason(c, i, bit, false);
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    };
    if (only) for (const i of only) count1(i);
    else for (let i = 0; i < c.idx.n; i++) count1(i);
    return {
      filter: name,
      removed: count,
      reasons: [...reasons]
        .map(([reason, hosts]) => ({ reason, hosts }))
        .sort((a, b) => b.hosts - a.hosts || (a.reason < b.reason ? -1 : 1)),
    };
  });
}

function verdict(c: PlaceContext, s: ScoreContext, i: number, m: number): HostVerdict {
  const v: HostVerdict = {
    hostId: c.idx.hosts[i]!.id,
    pass: m === 0,
    filters: filterVerdicts(c, i, m),
  };
  if (m === 0) {
    const { score, terms } = scoreOne(c, s, i);
    v.score = score;
    v.scores = terms;
  }
  return v;
}

function allVerdicts(
  c: PlaceContext,
  s: ScoreContext,
  mask: Uint8Array,
  scores: Float64Array,
  best: number,
): HostVerdict[] {
  const passing: number[] = [];
  const rejected: number[] = [];
  for (let i = 0; i < c.idx.n; i++) {
    if (i === best) continue;
    (mask[i] === 0 ? passing : rejected).push(i);
  }
  // Same order as the choice: score descending, then host id (index order).
  passing.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const order = best >= 0 ? [best, ...passing, ...rejected] : [...passing, ...rejected];
  return order.map((i) => verdict(c, s, i, mask[i]!));
}

/** "no host fits vm-1 (5 hosts): vcpus removed 2 (needs 4, free 2 at ratio 4.0); …" */
export function rejectionLine(
  vm: string,
  hosts: number,
  filters: readonly FilterSummary[],
): string {
  if (hosts === 0) return `no host fits ${vm}: the cluster has no hosts`;
  const parts = filters
    .filter((f) => f.removed > 0)
    .map((f) => `${f.filter} removed ${f.removed} (${reasonsText(f, 2)})`);
  return `no host fits ${vm} (${hosts} ${hosts === 1 ? 'host' : 'hosts'}): ${parts.join('; ')}`;
}

export function reasonsText(f: FilterSummary, max: number): string {
  const shown = f.reasons.slice(0, max).map((r) => `${r.hosts}: ${r.reason}`);
  const more = f.reasons.length - max;
  return more > 0 ? `${shown.join(', ')}, +${more} more` : shown.join(', ');
}
