import { ErrorCodes, PlinthError } from '../../../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../../../lib/json.js';
import type { Tables } from './replica.js';

/**
 * `monitor_cond` / `update2` (ovsdb-server(7) §4.1.12–4.1.14). Unlike RFC 7047
 * `update`, rows arrive as differences, so applying them needs each column's kind:
 * - initial/insert rows omit columns that hold their type's default;
 * - modify carries, per changed column: the new value (a column holding at most one
 *   value, including optional ones such as Port.tag — checked against ovsdb-server
 *   3.1, see test/fixtures/ovs/exchanges.json), the symmetric difference (set), or
 *   the changed pairs (map: a key absent before is added, a key with the same value is
 *   removed, a key with another value takes the new one).
 */

export type ColumnKind = 'scalar' | 'set' | 'map';
export interface ColumnType {
  kind: ColumnKind;
  default: JsonValue;
}
export type ColumnTypes = Record<string, Record<string, ColumnType>>;

const SCALAR_DEFAULTS: Record<string, JsonValue> = {
  integer: 0,
  real: 0,
  boolean: false,
  string: '',
  uuid: ['uuid', '00000000-0000-0000-0000-000000000000'],
};

function baseTypeName(t: JsonValue | undefined): string {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && !Array.isArray(t) && typeof t.type === 'string') return t.type;
  return 'string';
}

/** Pure: the kind and default of every monitored column, from the server's schema. */
export function columnTypes(
  schema: JsonValue,
  monitored: Readonly<Record<string, readonly string[]>>,
): ColumnTypes {
  const tables =
    schema && typeof schema === 'object' && !Array.isArray(schema) ? schema.tables : undefined;
  const out: ColumnTypes = {};
  for (const [table, cols] of Object.entries(monitored)) {
    const t =
      tables && typeof tables === 'object' && !Array.isArray(tables) ? tables[table] : undefined;
    const defs =
      t && typeof t === 'object' && !Array.isArray(t) && t.columns && typeof t.columns === 'object'
        ? (t.columns as JsonObject)
        : {};
    out[table] = {};
    for (const c of cols) {
      const def = defs[c];
      const type = def && typeof def === 'object' && !Array.isArray(def) ? def.type : undefined;
      let kind: ColumnKind = 'scalar';
      let key: JsonValue | undefined = type;
      let min = 1;
      if (type && typeof type === 'object' && !Array.isArray(type)) {
        key = type.key;
        min = typeof type.min === 'number' ? type.min : 1;
        const max = type.max === undefined ? 1 : type.max;
        if (type.value !== undefined) kind = 'map';
        else if (max !== 1) kind = 'set';
      }
      out[table]![c] = {
        kind,
        default:
          kind === 'map'
            ? ['map', []]
            : kind === 'set' || min === 0
              ? ['set', []]
              : (SCALAR_DEFAULTS[baseTypeName(key)] ?? ''),
      };
    }
  }
  return out;
}

const atomKey = (a: JsonValue): string => JSON.stringify(a);

function setElems(v: JsonValue | undefined): JsonValue[] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v[0] === 'set' && Array.isArray(v[1])) return v[1];
  return [v];
}

function mapPairs(v: JsonValue | undefined): Array<[JsonValue, JsonValue]> {
  if (Array.isArray(v) && v[0] === 'map' && Array.isArray(v[1])) {
    return v[1].filter((p): p is [JsonValue, JsonValue] => Array.isArray(p) && p.length === 2);
  }
  return [];
}

function applySetDiff(old: JsonValue | undefined, diff: JsonValue): JsonValue {
  const out = new Map(setElems(old).map((a) => [atomKey(a), a]));
  for (const a of setElems(diff)) {
    const k = atomKey(a);
    if (out.has(k)) out.delete(k);
    else out.set(k, a);
  }
  return ['set', [...out.values()]];
}

function applyMapDiff(old: JsonValue | undefined, diff: JsonValue): JsonValue {
  const out = new Map(
    mapPairs(old).map(([k, v]) => [atomKey(k), [k, v] as [JsonValue, JsonValue]]),
  );
  for (const [k, v] of mapPairs(diff)) {
    const key = atomKey(k);
    const prev = out.get(key);
    if (prev && atomKey(prev[1]) === atomKey(v)) out.delete(key);
    else out.set(key, [k, v]);
  }
  return ['map', [...out.values()]];
}

/**
 * Applies <table-updates2> to `tables` (in place). Returns whether anything outside
 * the `quiet` columns changed.
 */
export function applyTableUpdates2(
  tables: Tables,
  updates: JsonValue,
  types: ColumnTypes,
  quiet: Readonly<Record<string, readonly string[]>> = {},
): boolean {
  if (!updates || typeof updates !== 'object' || Array.isArray(updates)) {
    throw new PlinthError(ErrorCodes.PARSE, 'update2 is not an object');
  }
  let meaningful = false;
  for (const [table, rows] of Object.entries(updates)) {
    if (!rows || typeof rows !== 'object' || Array.isArray(rows)) continue;
    let t = tables.get(table);
    if (!t) tables.set(table, (t = new Map()));
    const colTypes = types[table] ?? {};
    const quietCols = quiet[table] ?? [];
    for (const [uuid, u] of Object.entries(rows)) {
      if (!u || typeof u !== 'object' || Array.isArray(u)) continue;
      const full = u.initial ?? u.insert;
      if (full && typeof full === 'object' && !Array.isArray(full)) {
        const row: JsonObject = {};
        for (const [c, ct] of Object.entries(colTypes)) row[c] = structuredClone(ct.default);
        Object.assign(row, full);
        t.set(uuid, row);
        meaningful = true;
      } else if ('delete' in u) {
        t.delete(uuid);
        meaningful = true;
      } else if (u.modify && typeof u.modify === 'object' && !Array.isArray(u.modify)) {
        const prev = t.get(uuid);
        if (!prev) {
          throw new PlinthError(ErrorCodes.PARSE, `update2 modifies unknown row ${table} ${uuid}`);
        }
        const row = { ...prev };
        for (const [c, diff] of Object.entries(u.modify)) {
          const kind = colTypes[c]?.kind ?? 'scalar';
          row[c] =
            kind === 'set'
              ? applySetDiff(prev[c], diff)
              : kind === 'map'
                ? applyMapDiff(prev[c], diff)
                : diff;
          if (!quietCols.includes(c)) meaningful = true;
        }
        t.set(uuid, row);
      }
    }
  }
  return meaningful;
}
