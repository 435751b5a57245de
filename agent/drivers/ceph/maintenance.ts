import { ErrorCodes, PlinthError, isPlinthError, toPlinthError } from '../../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../../lib/json.js';
import type { DriverContext } from '../driver.js';
import { errorMessage } from '../driver.js';
import type { CephCli } from './cli.js';
import type { CephConfig } from './config.js';
import { allActiveClean, localOsdIds, pgSummary, type ClusterSnapshot } from './model.js';
import type { OsdControl, OsdLocation } from './osd-control.js';
import { parseOkToStop, parseOsdDump, parseStatus, type OkToStop } from './parse.js';

/**
 * Storage-side host maintenance, gated the way cephadm gates it: Ceph decides with
 * `ok-to-stop` whether this host's OSDs may go, in its own words; then noout on the
 * host's CRUSH bucket, then the OSDs are stopped however they run. Every step is an
 * event with its outcome.
 */
export interface MaintenanceEngine {
  ctx: DriverContext;
  config: CephConfig;
  hostBucket: string;
  cli: CephCli;
  control: OsdControl;
  /** Fresh status + osd dump + osd tree + health (one CLI process). */
  snapshot(signal?: AbortSignal): Promise<ClusterSnapshot>;
  /** Locations of OSDs this driver stopped, kept across agent restarts. */
  loadStopped(): Promise<Map<number, OsdLocation>>;
  saveStopped(locs: OsdLocation[]): Promise<void>;
  /** Whether the admin socket of a local OSD answers. */
  running(id: number, fsid: string): Promise<boolean>;
}

export const COMMANDS = [
  'ceph.maintenance.enter',
  'ceph.maintenance.exit',
  'ceph.maintenance.status',
  'ceph.osd.out',
  'ceph.osd.in',
] as const;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new PlinthError(ErrorCodes.TIMEOUT, 'aborted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new PlinthError(ErrorCodes.TIMEOUT, 'aborted'));
      },
      { once: true },
    );
  });

/** Pure: an OSD id from a command argument (7, "7" or "osd.7"). */
export function parseOsdIdArg(v: JsonValue | undefined): number {
  const text =
    typeof v === 'number' ? String(v) : typeof v === 'string' ? v.replace(/^osd\./, '') : '';
  if (!/^\d{1,6}$/.test(text)) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid OSD id ${JSON.stringify(v ?? null)}: expected a whole number or "osd.N"`,
    );
  }
  return Number(text);
}

function emit(
  e: MaintenanceEngine,
  severity: 'info' | 'warning' | 'critical',
  step: string,
  message: string,
  data: JsonObject = {},
  osd?: number,
) {
  e.ctx.emit({
    type: 'ceph.maintenance',
    severity,
    message,
    ...(osd !== undefined ? { object: { kind: 'ceph.osd', id: `osd.${osd}` } } : {}),
    data: { host: e.hostBucket, step, ...data },
  });
}

async function okToStop(
  e: MaintenanceEngine,
  ids: number[],
  signal?: AbortSignal,
): Promise<OkToStop> {
  const args = ['osd', 'ok-to-stop', ...ids.map(String), '--format', 'json'];
  try {
    const r = await e.cli.run(args, { signal });
    return parseOkToStop(r.stdout, r.stderr);
  } catch (err) {
    // "No" is exit status EBUSY with the verdict on stdout and the reason on stderr.
    if (isPlinthError(err) && err.code === ErrorCodes.EXEC_FAILED && err.details) {
      const stdout = String(err.details.stdout ?? '');
      const stderr = String(err.details.stderr ?? '');
      return parseOkToStop(stdout, stderr);
    }
    throw err;
  }
}

function osdList(ids: number[]): string {
  return ids.map((i) => `osd.${i}`).join(', ') || '(none)';
}

async function enter(e: MaintenanceEngine, signal?: AbortSignal): Promise<JsonObject> {
  const s = await e.snapshot(signal);
  const ids = localOsdIds(s.tree, e.hostBucket);
  emit(
    e,
    'info',
    'begin',
    `maintenance enter on CRUSH host ${e.hostBucket}: local OSDs ${osdList(ids)}`,
    {
      osds: ids,
    },
  );
  if (ids.length === 0) {
    emit(e, 'warning', 'begin', `no OSDs under CRUSH host ${e.hostBucket}: nothing to do`, {
      ok: false,
    });
    throw new PlinthError(
      ErrorCodes.NOT_FOUND,
      `no OSDs under CRUSH host ${e.hostBucket}; check drivers.ceph.hostBucket`,
      { host: e.hostBucket },
    );
  }
  {
    const verdict = await okToStop(e, ids, signal);
    if (!verdict.ok) {
      const reason = verdict.reason ?? 'not ok to stop';
      emit(e, 'warning', 'ok-to-stop', `Ceph refuses to stop ${osdList(ids)}: ${reason}`, {
        ok: false,
        reason,
        osds: ids,
      });
      throw new PlinthError(
        ErrorCodes.CONFLICT,
        `maintenance refused by Ceph for host ${e.hostBucket} (${osdList(ids)}): ${reason}`,
        {
          reason,
          osds: ids,
          numNotOkPgs: verdict.numNotOkPgs,
          badBecomeInactive: verdict.badBecomeInactive?.slice(0, 50),
        },
      );
    }
    emit(e, 'info', 'ok-to-stop', `Ceph says ${osdList(ids)} are ok to stop`, {
      ok: true,
      osds: ids,
    });
  }
  await e.cli.run(['osd', 'set-group', 'noout', e.hostBucket], { signal });
  emit(e, 'info', 'noout', `noout set on CRUSH host ${e.hostBucket}`, { ok: true });

  const previously = await e.loadStopped();
  const stopped: OsdLocation[] = [];
  const results: JsonObject[] = [];
  for (const id of ids) {
    let loc: OsdLocation | undefined;
    try {
      loc = await e.control.locate(id, s.status.fsid, previously.get(id));
      const what = await e.control.stop(loc, signal);
      stopped.push(loc);
      results.push({ osd: id, runner: loc.runner, ok: true, message: what });
      emit(
        e,
        'info',
        'stop-osd',
        `osd.${id} (${loc.runner}): ${what}`,
        { ok: true, runner: loc.runner },
        id,
      );
    } catch (err) {
      const pe = toPlinthError(err);
      emit(e, 'critical', 'stop-osd', `osd.${id}: stop failed: ${pe.message}`, { ok: false }, id);
      await e.saveStopped([...previously.values(), ...stopped]);
      throw new PlinthError(
        pe.code,
        `maintenance enter: stopping osd.${id} failed: ${pe.message}`,
        {
          done: results,
        },
      );
    }
  }
  await e.saveStopped(stopped.length > 0 ? stopped : [...previously.values()]);
  emit(e, 'info', 'done', `host ${e.hostBucket} is in storage maintenance`, { ok: true });
  e.ctx.markDirty('ceph maintenance enter');
  return { ok: true, host: e.hostBucket, noout: true, osds: results };
}

async function waitOsdsUp(
  e: MaintenanceEngine,
  ids: number[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = e.ctx.clock.monotonic() + timeoutMs;
  for (let i = 0; i < Math.ceil(timeoutMs / 1000) + 1; i++) {
    const [raw] = await e.cli.batch(['osd dump'], { signal });
    const dump = parseOsdDump(raw);
    if (ids.every((id) => dump.osds.find((o) => o.id === id)?.up)) return true;
    if (e.ctx.clock.monotonic() > deadline) break;
    await sleep(1000, signal);
  }
  return false;
}

async function exit(
  e: MaintenanceEngine,
  args: JsonObject,
  signal?: AbortSignal,
): Promise<JsonObject> {
  const timeoutMs =
    typeof args.timeoutMs === 'number' && args.timeoutMs > 0
      ? Math.min(args.timeoutMs, e.config.recoveryTimeoutMs)
      : e.config.recoveryTimeoutMs;
  const started0 = e.ctx.clock.monotonic();
  const s = await e.snapshot(signal);
  const ids = localOsdIds(s.tree, e.hostBucket);
  emit(
    e,
    'info',
    'begin',
    `maintenance exit on CRUSH host ${e.hostBucket}: local OSDs ${osdList(ids)}`,
    {
      osds: ids,
    },
  );
  const remembered = await e.loadStopped();
  const results: JsonObject[] = [];
  for (const id of ids) {
    try {
      const loc = await e.control.locate(id, s.status.fsid, remembered.get(id));
      const what = await e.control.start(loc, signal);
      results.push({ osd: id, runner: loc.runner, ok: true, message: what });
      emit(
        e,
        'info',
        'start-osd',
        `osd.${id} (${loc.runner}): ${what}`,
        { ok: true, runner: loc.runner },
        id,
      );
    } catch (err) {
      const pe = toPlinthError(err);
      emit(e, 'critical', 'start-osd', `osd.${id}: start failed: ${pe.message}`, { ok: false }, id);
      throw new PlinthError(pe.code, `maintenance exit: starting osd.${id} failed: ${pe.message}`, {
        done: results,
      });
    }
  }
  const upWait = Math.min(timeoutMs, 120_000);
  const allUp = ids.length === 0 || (await waitOsdsUp(e, ids, upWait, signal));
  emit(
    e,
    allUp ? 'info' : 'warning',
    'osds-up',
    allUp ? `${osdList(ids)} are up` : `${osdList(ids)} not all up after ${upWait} ms`,
    { ok: allUp },
  );
  await e.cli.run(['osd', 'unset-group', 'noout', e.hostBucket], { signal });
  emit(e, 'info', 'noout', `noout cleared on CRUSH host ${e.hostBucket}`, { ok: true });
  await e.saveStopped([]);
  e.ctx.markDirty('ceph maintenance exit');

  // Recovery: bounded in time and in polls; one progress event per PG-state change.
  const deadline = started0 + timeoutMs;
  let last = '';
  let clean = false;
  let pgs: JsonObject = {};
  for (let i = 0; i < Math.ceil(timeoutMs / 1000) + 1; i++) {
    const [raw] = await e.cli.batch(['status'], { signal });
    const st = parseStatus(raw);
    pgs = { ...st.pgsByState };
    clean = allActiveClean(st);
    const summary = pgSummary(st);
    if (summary !== last) {
      emit(e, 'info', 'recovery', `PGs: ${summary}`, { pgs, activeClean: clean });
      last = summary;
    }
    if (clean || e.ctx.clock.monotonic() > deadline) break;
    await sleep(1000, signal);
  }
  const waitedMs = Math.round(e.ctx.clock.monotonic() - started0);
  emit(
    e,
    clean ? 'info' : 'warning',
    'done',
    clean
      ? `host ${e.hostBucket} left storage maintenance; all PGs active+clean after ${waitedMs} ms`
      : `host ${e.hostBucket} left storage maintenance; PGs not active+clean after ${waitedMs} ms: ${last}`,
    { ok: clean, activeClean: clean, waitedMs },
  );
  return {
    ok: true,
    host: e.hostBucket,
    noout: false,
    osds: results,
    activeClean: clean,
    waitedMs,
    pgs,
  };
}

async function status(e: MaintenanceEngine, signal?: AbortSignal): Promise<JsonObject> {
  const s = await e.snapshot(signal);
  const ids = localOsdIds(s.tree, e.hostBucket);
  const noout = (s.dump.crushNodeFlags[e.hostBucket] ?? []).includes('noout');
  const osds: JsonObject[] = [];
  for (const id of ids) {
    const d = s.dump.osds.find((o) => o.id === id);
    osds.push({
      osd: id,
      up: d?.up ?? false,
      in: d?.in ?? false,
      running: await e.running(id, s.status.fsid),
    });
  }
  return {
    host: e.hostBucket,
    noout,
    inMaintenance: noout && osds.every((o) => o.running === false),
    osds,
    health: s.health.status,
    activeClean: allActiveClean(s.status),
    pgs: { ...s.status.pgsByState },
  };
}

async function markOutIn(
  e: MaintenanceEngine,
  which: 'out' | 'in',
  args: JsonObject,
  signal?: AbortSignal,
): Promise<JsonObject> {
  const id = parseOsdIdArg(args.id ?? args.osd);
  const s = await e.snapshot(signal);
  const ids = localOsdIds(s.tree, e.hostBucket);
  if (!ids.includes(id)) {
    e.ctx.emit({
      type: 'ceph.osd',
      severity: 'warning',
      message: `refused: osd.${id} is not on this host (${e.hostBucket} holds ${osdList(ids)})`,
      data: { osd: id, action: which, ok: false },
    });
    throw new PlinthError(
      ErrorCodes.PERMISSION_DENIED,
      `osd.${id} is not on this host: CRUSH host ${e.hostBucket} holds ${osdList(ids)}`,
      { osd: id, local: ids },
    );
  }
  await e.cli.run(['osd', which, String(id)], { signal });
  e.ctx.emit({
    type: 'ceph.osd',
    severity: 'info',
    message: `osd.${id} marked ${which}`,
    object: { kind: 'ceph.osd', id: `osd.${id}` },
    data: { osd: id, action: which, ok: true },
  });
  e.ctx.markDirty(`ceph osd ${which}`);
  return { ok: true, osd: id, in: which === 'in' };
}

export async function runCommand(
  e: MaintenanceEngine,
  kind: string,
  args: JsonObject,
  signal?: AbortSignal,
): Promise<JsonObject> {
  try {
    switch (kind) {
      case 'ceph.maintenance.enter':
        return await enter(e, signal);
      case 'ceph.maintenance.exit':
        return await exit(e, args, signal);
      case 'ceph.maintenance.status':
        return await status(e, signal);
      case 'ceph.osd.out':
        return await markOutIn(e, 'out', args, signal);
      case 'ceph.osd.in':
        return await markOutIn(e, 'in', args, signal);
      default:
        throw new PlinthError(
          ErrorCodes.INVALID_ARGUMENT,
          `unknown Ceph command ${JSON.stringify(kind)}; known: ${COMMANDS.join(', ')}`,
        );
    }
  } catch (err) {
    if (!isPlinthError(err)) {
      throw new PlinthError(ErrorCodes.INTERNAL, `${kind}: ${errorMessage(err)}`, undefined, {
        cause: err,
      });
    }
    throw err;
  }
}
