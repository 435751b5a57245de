import { ErrorCodes, PlinthError } from '../../../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../../../lib/json.js';
import type { OvsdbClient } from './client.js';
import { applyTableUpdates2, columnTypes, type ColumnTypes } from './update2.js';
import type { OvsdbRow } from './values.js';

export type Tables = Map<string, Map<string, OvsdbRow>>;

export interface ReplicaOptions {
  db: string;
  /** Columns to monitor per table; columns absent from the server's schema are dropped. */
  columns: Readonly<Record<string, readonly string[]>>;
  /** Changes to only these columns do not count as meaningful (e.g. Interface.statistics). */
  quietColumns?: Readonly<Record<string, readonly string[]>>;
  /** Called after every applied update; `meaningful` is false for counter-only changes. */
  onChange?: (meaningful: boolean) => void;
}

/**
 * An in-memory copy of the monitored tables, kept current by `monitor_cond` with
 * `update2` diffs (ovsdb-server(7)), or by RFC 7047 `monitor` (§4.1.5) with full rows
 * where the server rejects monitor_cond. `resync` replaces the copy wholesale from the
 * monitor's initial reply, so after a reconnect nothing learnt on the old connection
 * survives.
 */
export class OvsdbReplica {
  private tablesValue: Tables = new Map();
  private syncedValue = false;
  private monitorSeq = 0;
  private currentMonitor: string | undefined;
  private notification: 'update' | 'update2' = 'update2';
  private types: ColumnTypes = {};
  schemaVersion: string | undefined;

  constructor(private readonly opts: ReplicaOptions) {}

  get synced(): boolean {
    return this.syncedValue;
  }
  get tables(): Tables {
    return this.tablesValue;
  }

  /** The connection went away: the copy may already be stale. */
  invalidate(): void {
    this.syncedValue = false;
    this.currentMonitor = undefined;
  }

  async resync(client: OvsdbClient): Promise<void> {
    this.invalidate();
    const schema = await client.getSchema(this.opts.db);
    const requests = monitorRequests(schema, this.opts.columns);
    this.schemaVersion = schemaVersionOf(schema);
    const types = columnTypes(schema, monitoredColumns(requests));
    const id = `plinth-ovs-${++this.monitorSeq}`;
    const tables: Tables = new Map();
    for (const t of Object.keys(requests)) tables.set(t, new Map());
    let initial: JsonValue | undefined;
    const condRequests: JsonObject = {};
    for (const [t, r] of Object.entries(requests)) condRequests[t] = [r];
    try {
      initial = await client.request('monitor_cond', [this.opts.db, id, condRequests]);
      this.notification = 'update2';
      applyTableUpdates2(tables, initial, types);
    } catch (e) {
      // An error *reply* means the server lacks monitor_cond; anything else is fatal here.
      if (!(e instanceof PlinthError) || e.code !== ErrorCodes.INTERNAL) throw e;
      initial = undefined;
    }
    if (initial === undefined) {
      initial = await client.request('monitor', [this.opts.db, id, requests]);
      this.notification = 'update';
      applyTableUpdates(tables, initial);
    }
    this.types = types;
    this.tablesValue = tables;
    this.currentMonitor = id;
    this.syncedValue = true;
    this.opts.onChange?.(true);
  }

  /** Feed every client notification here. */
  onNotification(method: string, params: JsonValue): void {
    if (method !== this.notification || !Array.isArray(params) || params.length !== 2) return;
    if (params[0] !== this.currentMonitor) return;
    const meaningful =
      method === 'update2'
        ? applyTableUpdates2(this.tablesValue, params[1]!, this.types, this.opts.quietColumns)
        : applyTableUpdates(this.tablesValue, params[1]!, this.opts.quietColumns);
    this.opts.onChange?.(meaningful);
  }
}

function monitoredColumns(requests: JsonObject): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [t, r] of Object.entries(requests)) {
    const cols = r && typeof r === 'object' && !Array.isArray(r) ? r.columns : undefined;
    out[t] = Array.isArray(cols) ? cols.filter((c): c is string => typeof c === 'string') : [];
  }
  return out;
}

function schemaVersionOf(schema: JsonValue): string | undefined {
  return schema &&
    typeof schema === 'object' &&
    !Array.isArray(schema) &&
    typeof schema.version === 'string'
    ? schema.version
    : undefined;
}

/** Pure: the monitor request for the wanted columns that this server's schema has. */
export function monitorRequests(
  schema: JsonValue,
  wanted: Readonly<Record<string, readonly string[]>>,
): JsonObject {
  const tables =
    schema && typeof schema === 'object' && !Array.isArray(schema) ? schema.tables : undefined;
  if (!tables || typeof tables !== 'object' || Array.isArray(tables)) {
    throw new PlinthError(ErrorCodes.PARSE, 'get_schema reply has no tables');
  }
  const out: JsonObject = {};
  for (const [table, cols] of Object.entries(wanted)) {
    const t = tables[table];
    const known =
      t && typeof t === 'object' && !Array.isArray(t) && t.columns && typeof t.columns === 'object'
        ? (t.columns as JsonObject)
        : undefined;
    if (!known) {
      throw new PlinthError(ErrorCodes.PARSE, `OVSDB schema has no table ${table}`);
    }
    out[table] = { columns: cols.filter((c) => c in known) };
  }
  return out;
}

/**
 * Pure apart from mutating `tables`: applies RFC 7047 <table-updates>. For "modify",
 * `new` carries the row after the change and `old` the previous values of the changed
 * columns, which tells counter-only changes apart. Returns whether anything meaningful changed.
 */
export function applyTableUpdates(
  tables: Tables,
  updates: JsonValue,
  quiet: Readonly<Record<string, readonly string[]>> = {},
): boolean {
  if (!updates || typeof updates !== 'object' || Array.isArray(updates)) {
    throw new PlinthError(ErrorCodes.PARSE, 'monitor update is not an object');
  }
  let meaningful = false;
  for (const [table, rows] of Object.entries(updates)) {
    if (!rows || typeof rows !== 'object' || Array.isArray(rows)) continue;
    let t = tables.get(table);
    if (!t) tables.set(table, (t = new Map()));
    const quietCols = quiet[table] ?? [];
    for (const [uuid, u] of Object.entries(rows)) {
      if (!u || typeof u !== 'object' || Array.isArray(u)) continue;
      const nu = u.new;
      const old = u.old;
      if (nu && typeof nu === 'object' && !Array.isArray(nu)) {
        const prev = t.get(uuid);
        t.set(uuid, prev ? { ...prev, ...nu } : { ...nu });
        if (!prev || !old || typeof old !== 'object' || Array.isArray(old)) meaningful = true;
        else if (Object.keys(old).some((c) => !quietCols.includes(c))) meaningful = true;
      } else {
        t.delete(uuid);
        meaningful = true;
      }
    }
  }
  return meaningful;
}
