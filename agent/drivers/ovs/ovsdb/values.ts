import type { JsonValue } from '../../../../lib/json.js';

/**
 * RFC 7047 §5.1 value notation: an atom is a string, number, boolean or
 * ["uuid", U] / ["named-uuid", N]; a set is ["set", [atoms]] or a lone atom; a map is
 * ["map", [[k, v], ...]]. These helpers read and write that notation.
 */
export type OvsdbRow = Record<string, JsonValue>;
export type OvsdbAtom = string | number | boolean;

function isTagged(v: JsonValue | undefined, tag: string): v is [string, JsonValue] {
  return Array.isArray(v) && v.length === 2 && v[0] === tag;
}

export function uuidOf(v: JsonValue | undefined): string | undefined {
  return isTagged(v, 'uuid') && typeof v[1] === 'string' ? v[1] : undefined;
}

function atomOf(v: JsonValue): OvsdbAtom | undefined {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return uuidOf(v);
}

/** The elements of a set column (a lone atom is a one-element set). */
export function setOf(v: JsonValue | undefined): OvsdbAtom[] {
  if (v === undefined) return [];
  if (isTagged(v, 'set')) {
    const items = Array.isArray(v[1]) ? v[1] : [];
    return items.map(atomOf).filter((a): a is OvsdbAtom => a !== undefined);
  }
  const a = atomOf(v);
  return a === undefined ? [] : [a];
}

/** An optional scalar column: the empty set means "none". */
export function optionalOf(v: JsonValue | undefined): OvsdbAtom | undefined {
  return setOf(v)[0];
}

export function mapOf(v: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isTagged(v, 'map') || !Array.isArray(v[1])) return out;
  for (const pair of v[1]) {
    if (Array.isArray(pair) && pair.length === 2) {
      const k = atomOf(pair[0]!);
      const val = atomOf(pair[1]!);
      if (k !== undefined && val !== undefined) out[String(k)] = String(val);
    }
  }
  return out;
}

/** Map of string to integer (statistics). */
export function numberMapOf(v: JsonValue | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isTagged(v, 'map') || !Array.isArray(v[1])) return out;
  for (const pair of v[1]) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'number') {
      out[pair[0]] = pair[1];
    }
  }
  return out;
}

export const ovsSet = (atoms: readonly JsonValue[]): JsonValue => ['set', [...atoms]];
export const ovsUuid = (u: string): JsonValue => ['uuid', u];
export const ovsNamed = (n: string): JsonValue => ['named-uuid', n];
export function ovsMap(m: Readonly<Record<string, string>>): JsonValue {
  return [
    'map',
    Object.keys(m)
      .sort()
      .map((k) => [k, m[k]!]),
  ];
}
