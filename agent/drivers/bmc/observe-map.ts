import type { JsonObject } from '../../../lib/json.js';
import type { Condition, DriverEvent, ObservedObject } from '../driver.js';
import {
  atLeastCritical,
  type Fru,
  type SelEntry,
  type SensorReading,
  type SensorResult,
} from './model.js';

/**
 * Pure mapping from the normalised model to what the agent reports.
 *
 * Where readings live: a reading is volatile, so it is NOT part of a `bmc.sensor` object
 * while the sensor is `ok` (the agent would send a delta every pass for every fan). The
 * object carries name, type, unit, thresholds and status, so it changes only when the
 * status does. While a sensor is outside `ok`, its object also carries `value` — the
 * coordinator sees the reading that crossed the threshold (and later ones) — and the
 * `degraded` condition names the sensor and its reading. Every reading, always, is in
 * the `plinth_bmc_sensor_value` metric.
 */

export const SENSOR_KIND = 'bmc.sensor';
export const POWER_KIND = 'bmc.power';
export const FRU_KIND = 'bmc.fru';

export function sensorObject(r: SensorResult): ObservedObject {
  if (!r.ok) return { kind: SENSOR_KIND, id: r.name, data: { name: r.name, readError: r.error } };
  const data: JsonObject = {
    name: r.name,
    type: r.type,
    unit: r.unit,
    status: r.status,
    thresholds: { ...r.thresholds },
  };
  if (r.status !== 'ok') data.value = r.value;
  return { kind: SENSOR_KIND, id: r.name, data };
}

/** Sensor names are unique per BMC in practice; a duplicate gets a numeric suffix so ids stay unique. */
export function sensorObjects(results: readonly SensorResult[]): ObservedObject[] {
  const seen = new Map<string, number>();
  return results.map((r) => {
    const o = sensorObject(r);
    const n = (seen.get(o.id) ?? 0) + 1;
    seen.set(o.id, n);
    if (n > 1) o.id = `${o.id}#${n}`;
    return o;
  });
}

function describeReading(r: SensorReading): string {
  const t = r.thresholds;
  const limit =
    r.value >= (t.upperNonRecoverable ?? Infinity)
      ? ` (upper non-recoverable ${t.upperNonRecoverable})`
      : r.value >= (t.upperCritical ?? Infinity)
        ? ` (upper critical ${t.upperCritical})`
        : r.value <= (t.lowerNonRecoverable ?? -Infinity)
          ? ` (lower non-recoverable ${t.lowerNonRecoverable})`
          : r.value <= (t.lowerCritical ?? -Infinity)
            ? ` (lower critical ${t.lowerCritical})`
            : '';
  return `${r.name} reads ${r.value} ${r.unit}, ${r.status}${limit}`;
}

/**
 * `degraded` while any sensor is critical or non-recoverable; an explicit `false` after a
 * successful pass with none, so the coordinator clears it. No condition at all when no
 * sensor could be read (unknown is not healthy).
 */
export function sensorConditions(results: readonly SensorResult[]): Condition[] {
  const readings = results.filter((r): r is SensorReading => r.ok);
  if (readings.length === 0) return [];
  const bad = readings.filter((r) => atLeastCritical(r.status));
  if (bad.length === 0) {
    return [
      {
        type: 'degraded',
        status: false,
        reason: 'SensorsOk',
        message: 'no BMC sensor is critical',
      },
    ];
  }
  return [
    {
      type: 'degraded',
      status: true,
      reason: 'SensorCritical',
      message: bad.map(describeReading).join('; ').slice(0, 1000),
    },
  ];
}

export function powerObject(state: string): ObservedObject {
  return { kind: POWER_KIND, id: 'chassis', data: { state } };
}

export function fruObject(f: Fru): ObservedObject {
  const data: JsonObject = {};
  if (f.vendor) data.vendor = f.vendor;
  if (f.model) data.model = f.model;
  if (f.serial) data.serial = f.serial;
  return { kind: FRU_KIND, id: '0', data };
}

export interface SelCursor {
  /** Identity of the BMC the id belongs to (ids of another BMC mean nothing). */
  source: string;
  lastId: number;
}

/**
 * New SEL entries since the cursor. The first pass against a BMC sets a baseline and
 * reports nothing (a years-old SEL is history, not news). A cleared SEL (highest id below
 * the cursor) resets the cursor, and everything in it is new.
 */
export function newSelEntries(
  entries: readonly SelEntry[],
  cursor: SelCursor | undefined,
  source: string,
): { fresh: SelEntry[]; cursor: SelCursor; baseline: boolean } {
  const sorted = [...entries].sort((a, b) => a.id - b.id);
  const maxId = sorted.length > 0 ? sorted[sorted.length - 1]!.id : 0;
  if (!cursor || cursor.source !== source) {
    return { fresh: [], cursor: { source, lastId: maxId }, baseline: true };
  }
  if (maxId < cursor.lastId) {
    return { fresh: sorted, cursor: { source, lastId: maxId }, baseline: false };
  }
  const fresh = sorted.filter((e) => e.id > cursor.lastId);
  return { fresh, cursor: { source, lastId: Math.max(cursor.lastId, maxId) }, baseline: false };
}

export function selEvent(e: SelEntry): DriverEvent {
  const dir = e.direction && !e.event.toLowerCase().includes(e.direction) ? ` ${e.direction}` : '';
  const data: JsonObject = { id: e.id, time: e.time, sensor: e.sensor, event: e.event };
  if (e.direction) data.direction = e.direction;
  if (e.detail) data.detail = e.detail;
  return {
    type: 'bmc.sel',
    severity: e.severity,
    message: `SEL ${e.id}: ${e.sensor}: ${e.event}${dir}${e.detail ? ` (${e.detail})` : ''}`.slice(
      0,
      500,
    ),
    data,
  };
}
