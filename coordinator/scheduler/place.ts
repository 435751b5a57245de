import { CapacityIndex } from './capacity-index.js';
import { FILTERS, filterReason, filterVerdicts, maskHosts, prepare } from './filters.js';
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
}

/**
 * Pure: the same snapshot and request always give the same Placement. Every filter
 * runs on every host (so the summary can say how many hosts each one removed); the
 * best score wins and ties go to the lowest host id.
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

function summarise(
  c: PlaceContext,
  mask: Uint8Array,
  removed: number[],
  anyRejected: boolean,
): FilterSummary[] {
  return FILTERS.map(({ name, bit }, f) => {
    const count = removed[f]!;
    if (!anyRejected || count === 0) return { filter: name, removed: 0, reasons: [] };
    const reasons = new Map<string, number>();
    for (let i = 0; i < c.idx.n; i++) {
      if ((mask[i]! & bit) === 0) continue;
      const r = filterReason(c, i, bit, false);
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
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
