import { ErrorCodes, PlinthError } from '../../../lib/errors.js';

/**
 * Pure parsers for the `ceph` CLI's JSON and the OSD admin socket. Each one checks
 * the shape it relies on and throws PLINTH_E_PARSE naming the command, so a Ceph
 * release that changes a field is reported, not silently read as zero.
 */

type Obj = Record<string, unknown>;

function parseError(what: string, detail: string): PlinthError {
  return new PlinthError(ErrorCodes.PARSE, `ceph ${what}: ${detail}`, { command: what });
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, what: string, field: string): Obj {
  if (!isObj(v)) throw parseError(what, `expected an object at ${field}`);
  return v;
}

function arr(v: unknown, what: string, field: string): unknown[] {
  if (!Array.isArray(v)) throw parseError(what, `expected a list at ${field}`);
  return v;
}

function num(v: unknown, what: string, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw parseError(what, `expected a number at ${field}`);
  }
  return v;
}

function str(v: unknown, what: string, field: string): string {
  if (typeof v !== 'string') throw parseError(what, `expected a string at ${field}`);
  return v;
}

function optNum(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw parseError(
      what,
      `malformed JSON (${e instanceof Error ? e.message : String(e)}): ${JSON.stringify(text.slice(0, 120))}`,
    );
  }
}

/**
 * Split the output of one `ceph` run fed several commands on stdin (interactive
 * mode: one Python start-up for many mon commands) into its JSON documents.
 */
export function splitJsonDocuments(text: string, what = 'batch'): unknown[] {
  const docs: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) break;
    const start = i;
    const open = text[i];
    if (open !== '{' && open !== '[') {
      throw parseError(
        what,
        `unexpected ${JSON.stringify(text.slice(i, i + 40))} between documents`,
      );
    }
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) throw parseError(what, 'truncated JSON document');
    docs.push(parseJson(text.slice(start, i), what));
  }
  return docs;
}

export type CephHealthStatus = 'HEALTH_OK' | 'HEALTH_WARN' | 'HEALTH_ERR';

export interface HealthCheck {
  severity: string;
  message: string;
  count: number;
  muted: boolean;
  /** Only from `health detail`. */
  detail?: string[];
}

export interface CephHealth {
  status: CephHealthStatus;
  checks: Record<string, HealthCheck>;
}

export interface CephStatus {
  fsid: string;
  health: CephHealth;
  osdmapEpoch: number;
  numOsds: number;
  numUpOsds: number;
  numInOsds: number;
  numPgs: number;
  pgsByState: Record<string, number>;
  numPools: number;
  mgrAvailable: boolean;
}

const HEALTH_STATUSES: readonly string[] = ['HEALTH_OK', 'HEALTH_WARN', 'HEALTH_ERR'];

export function healthStatusValue(s: CephHealthStatus): number {
  return HEALTH_STATUSES.indexOf(s);
}

export function parseHealth(raw: unknown, what = 'health'): CephHealth {
  const h = obj(raw, what, 'health');
  const status = str(h.status, what, 'health.status');
  if (!HEALTH_STATUSES.includes(status)) throw parseError(what, `unknown health status ${status}`);
  const checks: Record<string, HealthCheck> = {};
  for (const [code, v] of Object.entries(obj(h.checks ?? {}, what, 'health.checks'))) {
    const c = obj(v, what, `health.checks.${code}`);
    const summary = obj(c.summary, what, `health.checks.${code}.summary`);
    const check: HealthCheck = {
      severity: str(c.severity, what, `health.checks.${code}.severity`),
      message: str(summary.message, what, `health.checks.${code}.summary.message`),
      count: optNum(summary.count),
      muted: c.muted === true,
    };
    if (Array.isArray(c.detail)) {
      check.detail = c.detail.map((d) =>
        isObj(d) && typeof d.message === 'string' ? d.message : '',
      );
    }
    checks[code] = check;
  }
  return { status: status as CephHealthStatus, checks };
}

export function parseStatus(raw: unknown): CephStatus {
  const what = 'status';
  const s = obj(raw, what, '(top)');
  const osdmap = obj(s.osdmap, what, 'osdmap');
  const pgmap = obj(s.pgmap, what, 'pgmap');
  const pgsByState: Record<string, number> = {};
  for (const e of arr(pgmap.pgs_by_state ?? [], what, 'pgmap.pgs_by_state')) {
    const o = obj(e, what, 'pgmap.pgs_by_state[]');
    pgsByState[str(o.state_name, what, 'state_name')] = num(o.count, what, 'count');
  }
  const mgrmap = isObj(s.mgrmap) ? s.mgrmap : {};
  return {
    fsid: str(s.fsid, what, 'fsid'),
    health: parseHealth(s.health, what),
    osdmapEpoch: num(osdmap.epoch, what, 'osdmap.epoch'),
    numOsds: num(osdmap.num_osds, what, 'osdmap.num_osds'),
    numUpOsds: num(osdmap.num_up_osds, what, 'osdmap.num_up_osds'),
    numInOsds: num(osdmap.num_in_osds, what, 'osdmap.num_in_osds'),
    numPgs: num(pgmap.num_pgs, what, 'pgmap.num_pgs'),
    pgsByState,
    numPools: optNum(pgmap.num_pools),
    mgrAvailable: mgrmap.available === true,
  };
}

export interface OsdTreeOsd {
  id: number;
  name: string;
  up: boolean;
  /** `reweight` > 0 means in. */
  reweight: number;
  crushWeight: number;
  deviceClass: string;
  /** The CRUSH host bucket holding it, if any. */
  host?: string;
}

export function parseOsdTree(raw: unknown): OsdTreeOsd[] {
  const what = 'osd tree';
  const t = obj(raw, what, '(top)');
  const nodes = arr(t.nodes, what, 'nodes').map((n) => obj(n, what, 'nodes[]'));
  const hostOf = new Map<number, string>();
  for (const n of nodes) {
    if (n.type === 'host' && Array.isArray(n.children)) {
      for (const c of n.children) if (typeof c === 'number') hostOf.set(c, String(n.name));
    }
  }
  const stray = Array.isArray(t.stray) ? t.stray.filter(isObj) : [];
  const osds: OsdTreeOsd[] = [];
  for (const n of [...nodes, ...stray]) {
    if (n.type !== 'osd') continue;
    const id = num(n.id, what, 'nodes[].id');
    const osd: OsdTreeOsd = {
      id,
      name: str(n.name, what, 'nodes[].name'),
      up: n.status === 'up',
      reweight: optNum(n.reweight),
      crushWeight: optNum(n.crush_weight),
      deviceClass: typeof n.device_class === 'string' ? n.device_class : '',
    };
    const host = hostOf.get(id);
    if (host !== undefined) osd.host = host;
    osds.push(osd);
  }
  return osds.sort((a, b) => a.id - b.id);
}

export interface OsdDumpOsd {
  id: number;
  up: boolean;
  in: boolean;
  weight: number;
}

export interface OsdDumpPool {
  id: number;
  name: string;
  size: number;
  minSize: number;
}

export interface OsdDump {
  epoch: number;
  flags: string[];
  /** Flags set on CRUSH nodes, e.g. { 'host-a': ['noout'] } from `osd set-group`. */
  crushNodeFlags: Record<string, string[]>;
  osds: OsdDumpOsd[];
  pools: OsdDumpPool[];
}

export function parseOsdDump(raw: unknown): OsdDump {
  const what = 'osd dump';
  const d = obj(raw, what, '(top)');
  const flags = typeof d.flags === 'string' && d.flags !== '' ? d.flags.split(',') : [];
  const crushNodeFlags: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(isObj(d.crush_node_flags) ? d.crush_node_flags : {})) {
    if (Array.isArray(v)) crushNodeFlags[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return {
    epoch: num(d.epoch, what, 'epoch'),
    flags,
    crushNodeFlags,
    osds: arr(d.osds, what, 'osds').map((o) => {
      const x = obj(o, what, 'osds[]');
      return {
        id: num(x.osd, what, 'osds[].osd'),
        up: num(x.up, what, 'osds[].up') === 1,
        in: num(x.in, what, 'osds[].in') === 1,
        weight: optNum(x.weight),
      };
    }),
    pools: arr(d.pools ?? [], what, 'pools').map((p) => {
      const x = obj(p, what, 'pools[]');
      return {
        id: num(x.pool, what, 'pools[].pool'),
        name: str(x.pool_name, what, 'pools[].pool_name'),
        size: num(x.size, what, 'pools[].size'),
        minSize: num(x.min_size, what, 'pools[].min_size'),
      };
    }),
  };
}

export interface PoolUsage {
  id: number;
  name: string;
  storedBytes: number;
  usedBytes: number;
  objects: number;
  maxAvailBytes: number;
  percentUsed: number;
}

export interface CephDf {
  totalBytes: number;
  totalAvailBytes: number;
  totalUsedBytes: number;
  pools: PoolUsage[];
}

export function parseDf(raw: unknown): CephDf {
  const what = 'df';
  const d = obj(raw, what, '(top)');
  const stats = obj(d.stats, what, 'stats');
  return {
    totalBytes: num(stats.total_bytes, what, 'stats.total_bytes'),
    totalAvailBytes: num(stats.total_avail_bytes, what, 'stats.total_avail_bytes'),
    totalUsedBytes: num(stats.total_used_bytes, what, 'stats.total_used_bytes'),
    pools: arr(d.pools, what, 'pools').map((p) => {
      const x = obj(p, what, 'pools[]');
      const s = obj(x.stats, what, 'pools[].stats');
      return {
        id: num(x.id, what, 'pools[].id'),
        name: str(x.name, what, 'pools[].name'),
        storedBytes: num(s.stored, what, 'pools[].stats.stored'),
        usedBytes: optNum(s.bytes_used),
        objects: num(s.objects, what, 'pools[].stats.objects'),
        maxAvailBytes: num(s.max_avail, what, 'pools[].stats.max_avail'),
        percentUsed: optNum(s.percent_used),
      };
    }),
  };
}

export interface OkToStop {
  ok: boolean;
  osds: number[];
  /** Ceph's own words when it says no, e.g. "unsafe to stop osd(s) at this time (...)". */
  reason?: string;
  numNotOkPgs?: number;
  badBecomeInactive?: string[];
}

/**
 * `ceph osd ok-to-stop IDS --format json` prints its JSON verdict on stdout with
 * exit 0 (yes) or EBUSY=16 (no); the sentence a human reads is on stderr as
 * "Error EBUSY: unsafe to stop ...".
 */
export function parseOkToStop(stdout: string, stderr: string): OkToStop {
  const what = 'osd ok-to-stop';
  const reason = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('Error '));
  const text = stdout.trim();
  if (text === '') {
    if (reason) return { ok: false, osds: [], reason: reason.replace(/^Error [A-Z]+: /, '') };
    throw parseError(what, 'no verdict on stdout or stderr');
  }
  const v = obj(parseJson(text, what), what, '(top)');
  const ok = v.ok_to_stop === true;
  const out: OkToStop = {
    ok,
    osds: arr(v.osds ?? [], what, 'osds').filter((x): x is number => typeof x === 'number'),
  };
  if (typeof v.num_not_ok_pgs === 'number') out.numNotOkPgs = v.num_not_ok_pgs;
  if (Array.isArray(v.bad_become_inactive)) {
    out.badBecomeInactive = v.bad_become_inactive.filter((x): x is string => typeof x === 'string');
  }
  if (!ok) {
    out.reason = reason
      ? reason.replace(/^Error [A-Z]+: /, '')
      : `ceph says it is not ok to stop osd(s) ${out.osds.join(',')}`;
  }
  return out;
}

export interface OsdPerf {
  ops: number;
  opLatencySumSeconds: number;
  opLatencyCount: number;
  readOps: number;
  readBytes: number;
  readLatencySumSeconds: number;
  writeOps: number;
  writeBytes: number;
  writeLatencySumSeconds: number;
  numPgs: number;
}

/** Admin-socket commands answer errors in plain text ("ERROR: (22) ..."). */
function asokJson(text: string, what: string): Obj {
  if (text.startsWith('ERROR:')) throw parseError(what, text.trim().slice(0, 200));
  return obj(parseJson(text, what), what, '(top)');
}

function latency(o: Obj, key: string, what: string): { sum: number; count: number } {
  const l = obj(o[key], what, `osd.${key}`);
  return {
    sum: num(l.sum, what, `osd.${key}.sum`),
    count: num(l.avgcount, what, `osd.${key}.avgcount`),
  };
}

/** Admin socket `{"prefix":"perf dump","logger":"osd"}`. */
export function parsePerfDump(text: string): OsdPerf {
  const what = 'admin socket perf dump';
  const o = obj(asokJson(text, what).osd, what, 'osd');
  const op = latency(o, 'op_latency', what);
  return {
    ops: num(o.op, what, 'osd.op'),
    opLatencySumSeconds: op.sum,
    opLatencyCount: op.count,
    readOps: num(o.op_r, what, 'osd.op_r'),
    readBytes: num(o.op_r_out_bytes, what, 'osd.op_r_out_bytes'),
    readLatencySumSeconds: latency(o, 'op_r_latency', what).sum,
    writeOps: num(o.op_w, what, 'osd.op_w'),
    writeBytes: num(o.op_w_in_bytes, what, 'osd.op_w_in_bytes'),
    writeLatencySumSeconds: latency(o, 'op_w_latency', what).sum,
    numPgs: optNum(o.numpg),
  };
}

/** Admin socket `dump_blocked_ops`: ops in flight longer than osd_op_complaint_time (slow ops). */
export function parseBlockedOps(text: string): number {
  const what = 'admin socket dump_blocked_ops';
  return num(asokJson(text, what).num_blocked_ops, what, 'num_blocked_ops');
}
