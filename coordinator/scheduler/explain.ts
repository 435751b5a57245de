import { fmtNum, fmtRatio } from './filters.js';
import type { FilterName, FilterSummary, FilterVerdict, HostVerdict, Placement } from './types.js';

/**
 * The operator's view of a Placement: Nova answers "NoValidHost"; we answer with a
 * table (one row per host, one column per filter, with the numbers) and, when no
 * host fits, a message naming every filter that removed hosts and why.
 */

export interface ExplainCell {
  pass: boolean;
  text: string;
  needed?: number;
  free?: number;
  ratio?: number;
}

export interface ExplainRow {
  host: string;
  pass: boolean;
  chosen: boolean;
  cells: Record<FilterName, ExplainCell>;
  score?: number;
}

/** JSON-friendly form (for `--json` and the Admin API). */
export interface ExplainJson {
  ok: boolean;
  hostId?: string;
  score?: number;
  message: string;
  /** One line per filter that removed hosts; empty when placed. */
  rejection: string[];
  filters: FilterSummary[];
  rows: ExplainRow[];
}

const COLUMNS: { filter: FilterName; title: string; truncatable: boolean }[] = [
  { filter: 'ready', title: 'READY', truncatable: false },
  { filter: 'schedulable', title: 'SCHEDULABLE', truncatable: true },
  { filter: 'hypervisor', title: 'HYPERVISOR', truncatable: true },
  { filter: 'vcpus', title: 'VCPUS NEED/FREE (RATIO)', truncatable: false },
  { filter: 'memory', title: 'MEMORY MiB NEED/FREE', truncatable: false },
  { filter: 'labels', title: 'LABELS', truncatable: true },
  { filter: 'networks', title: 'NETWORKS', truncatable: true },
  { filter: 'group', title: 'GROUP', truncatable: true },
];

function cell(v: FilterVerdict | undefined): ExplainCell {
  if (!v) return { pass: true, text: '-' };
  let text: string;
  if (v.filter === 'vcpus') {
    text = `${fmtNum(v.needed ?? 0)}/${fmtNum(v.free ?? 0)} (${fmtRatio(v.ratio ?? 0)})`;
    if (!v.pass && !v.reason.startsWith('needs')) text += ` ${v.reason}`;
  } else if (v.filter === 'memory') {
    text = `${fmtNum(v.needed ?? 0)}/${fmtNum(v.free ?? 0)}`;
    if (!v.pass && !v.reason.startsWith('needs')) text += ` ${v.reason}`;
  } else if (v.filter === 'ready' || v.filter === 'schedulable') {
    text = v.pass ? 'yes' : v.reason;
  } else if (v.reason === 'none required' || v.reason === 'no group') {
    text = '-';
  } else {
    text = v.pass ? 'ok' : v.reason;
  }
  const c: ExplainCell = { pass: v.pass, text: v.pass ? text : `NO ${text}` };
  if (v.needed !== undefined) c.needed = v.needed;
  if (v.free !== undefined) c.free = v.free;
  if (v.ratio !== undefined) c.ratio = v.ratio;
  return c;
}

export function explainRows(p: Placement): ExplainRow[] {
  return p.hosts.map((h: HostVerdict) => {
    const cells = {} as Record<FilterName, ExplainCell>;
    for (const col of COLUMNS)
      cells[col.filter] = cell(h.filters.find((f) => f.filter === col.filter));
    const row: ExplainRow = {
      host: h.hostId,
      pass: h.pass,
      chosen: p.ok && h.hostId === p.hostId,
      cells,
    };
    if (h.score !== undefined) row.score = h.score;
    return row;
  });
}

/** "vcpus: 2 hosts (needs 4, free 2 at ratio 4.0)", one line per filter that removed hosts. */
export function rejectionLines(filters: readonly FilterSummary[], maxReasons = 3): string[] {
  return filters
    .filter((f) => f.removed > 0)
    .map((f) => {
      const hosts = `${f.removed} ${f.removed === 1 ? 'host' : 'hosts'}`;
      if (f.reasons.length === 1) return `${f.filter}: ${hosts} (${f.reasons[0]!.reason})`;
      const shown = f.reasons.slice(0, maxReasons).map((r) => `${r.hosts} × ${r.reason}`);
      const more = f.reasons.length - maxReasons;
      return `${f.filter}: ${hosts} (${shown.join('; ')}${more > 0 ? `; +${more} more` : ''})`;
    });
}

/** The rejection as the operator reads it: the headline, then every filter. */
export function rejectionMessage(p: Placement): string {
  const lines = rejectionLines(p.filters);
  if (p.ok || lines.length === 0) return p.message;
  const head = p.message.split(':')[0] ?? p.message;
  return [`${head}:`, ...lines.map((l) => `  ${l}`)].join('\n');
}

export function explainJson(p: Placement): ExplainJson {
  const j: ExplainJson = {
    ok: p.ok,
    message: p.message,
    rejection: p.ok ? [] : rejectionLines(p.filters, Infinity),
    filters: p.filters,
    rows: explainRows(p),
  };
  if (p.hostId !== undefined) j.hostId = p.hostId;
  if (p.score !== undefined) j.score = p.score;
  return j;
}

function truncate(s: string, w: number): string {
  return s.length <= w ? s : w <= 1 ? s.slice(0, w) : `${s.slice(0, w - 1)}…`;
}

export interface TableOptions {
  /** Terminal width; wide text columns are cut (with …) to fit. Default 160. */
  width?: number;
  /** At most this many host rows (chosen and passing come first); default all. */
  maxRows?: number;
}

/** The per-host table: host | ready | schedulable | hypervisor | vcpus | memory | labels | networks | group | score. */
export function renderTable(p: Placement, opts: TableOptions = {}): string {
  const width = opts.width ?? 160;
  const all = explainRows(p);
  const rows = all.slice(0, opts.maxRows ?? all.length);
  const header = ['HOST', ...COLUMNS.map((c) => c.title), 'SCORE'];
  const body = rows.map((r) => [
    r.host,
    ...COLUMNS.map((c) => r.cells[c.filter].text),
    r.score === undefined ? '-' : `${r.score.toFixed(2)}${r.chosen ? ' *' : ''}`,
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
  // Text columns shrink to 8; number columns only down to their widest number
  // (their title is cut instead); HOST and SCORE never shrink.
  const cut = COLUMNS.map((_, k) => k + 1);
  const bodyWidth = (k: number) => Math.max(0, ...body.map((b) => b[k]!.length));
  const minWidth = (k: number) =>
    COLUMNS[k - 1]!.truncatable ? Math.min(header[k]!.length, 8) : Math.max(5, bodyWidth(k));
  const gap = 2;
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  while (total() > width) {
    let widest = -1;
    for (const k of cut)
      if (widths[k]! > minWidth(k) && (widest < 0 || widths[k]! > widths[widest]!)) widest = k;
    if (widest < 0) break;
    widths[widest]!--;
  }
  const line = (cells: string[]) =>
    cells
      .map((s, k) => truncate(s, widths[k]!).padEnd(k === cells.length - 1 ? 0 : widths[k]!))
      .join(' '.repeat(gap))
      .trimEnd();
  const out = [line(header), ...body.map(line)];
  if (rows.length < all.length) out.push(`… ${all.length - rows.length} more hosts`);
  out.push(p.ok ? p.message : rejectionMessage(p));
  return out.join('\n');
}
