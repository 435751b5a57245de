import { canonicalJson } from '../../lib/canonical-json.js';
import type { JsonObject } from '../../lib/json.js';
import { objectKey, type ObjectChange } from '../../lib/model.js';
import type { ObservedObject } from '../drivers/driver.js';

export interface KnownObject {
  kind: string;
  id: string;
  driver: string;
  data: JsonObject;
  /** canonicalJson(data), cached so a pass compares strings, not trees. */
  canon: string;
}

export type KnownObjects = Map<string, KnownObject>;

/**
 * Pure: what changed in one driver's slice of the host state. Objects owned by
 * other drivers are never touched; objects of this driver that are no longer seen
 * are deletions. Duplicated (kind, id) pairs in one observation keep the last.
 */
export function diffDriverObjects(
  known: KnownObjects,
  driver: string,
  observed: readonly ObservedObject[],
): ObjectChange[] {
  const changes: ObjectChange[] = [];
  const seen = new Set<string>();
  const latest = new Map<string, ObservedObject>();
  for (const o of observed) latest.set(objectKey(o.kind, o.id), o);
  for (const [key, o] of latest) {
    seen.add(key);
    const prev = known.get(key);
    if (!prev || prev.canon !== canonicalJson(o.data) || prev.driver !== driver) {
      changes.push({ kind: o.kind, id: o.id, data: o.data });
    }
  }
  for (const [key, prev] of known) {
    if (prev.driver === driver && !seen.has(key))
      changes.push({ kind: prev.kind, id: prev.id, deleted: true });
  }
  return changes;
}

/** Apply changes to the in-memory view (after they were persisted). */
export function applyChanges(
  known: KnownObjects,
  driver: string,
  changes: readonly ObjectChange[],
): void {
  for (const c of changes) {
    const key = objectKey(c.kind, c.id);
    if (c.deleted) known.delete(key);
    else
      known.set(key, {
        kind: c.kind,
        id: c.id,
        driver,
        data: c.data ?? {},
        canon: canonicalJson(c.data ?? {}),
      });
  }
}
