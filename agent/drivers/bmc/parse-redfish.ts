import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import {
  normaliseUnit,
  statusFromThresholds,
  type Fru,
  type PowerState,
  type SelEntry,
  type SensorResult,
  type SensorStatus,
  type SensorType,
  type Thresholds,
} from './model.js';

/**
 * Pure parsers for Redfish (DMTF) resources: Thermal (Temperatures, Fans), Power
 * (Voltages, PowerControl), the newer Sensors collection, ComputerSystem and LogEntry
 * collections. Inputs are `unknown`: a BMC's JSON is checked field by field.
 */

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' ? v : undefined;
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function arr(o: unknown, k: string): unknown[] {
  if (!isObj(o)) return [];
  const v = o[k];
  return Array.isArray(v) ? v : [];
}

/** Absent or disabled parts (an empty PSU bay) are not sensors; anything else is. */
function isAbsent(o: Obj): boolean {
  const st = o.Status;
  if (!isObj(st)) return false;
  return st.State === 'Absent' || st.State === 'Disabled' || st.State === 'UnavailableOffline';
}

function healthStatus(o: Obj): SensorStatus | undefined {
  const st = o.Status;
  if (!isObj(st)) return undefined;
  switch (st.Health) {
    case 'OK':
      return 'ok';
    case 'Warning':
      return 'non-critical';
    case 'Critical':
      return 'critical';
    default:
      return undefined;
  }
}

/** The worse of the threshold-derived status and the BMC's own health. */
function worst(a: SensorStatus, b: SensorStatus | undefined): SensorStatus {
  const rank = ['ok', 'non-critical', 'critical', 'non-recoverable'];
  if (!b) return a;
  return rank.indexOf(b) > rank.indexOf(a) ? b : a;
}

/** Thermal/Power-style thresholds (UpperThresholdCritical, ...). */
function legacyThresholds(o: Obj): Thresholds {
  const t: Thresholds = {};
  const map: [string, keyof Thresholds][] = [
    ['LowerThresholdFatal', 'lowerNonRecoverable'],
    ['LowerThresholdCritical', 'lowerCritical'],
    ['LowerThresholdNonCritical', 'lowerNonCritical'],
    ['UpperThresholdNonCritical', 'upperNonCritical'],
    ['UpperThresholdCritical', 'upperCritical'],
    ['UpperThresholdFatal', 'upperNonRecoverable'],
  ];
  for (const [k, key] of map) {
    const v = finite(o[k]);
    if (v !== undefined) t[key] = v;
  }
  return t;
}

function reading(
  name: string,
  type: SensorType,
  unit: string,
  o: Obj,
  raw: unknown,
  t: Thresholds,
): SensorResult {
  const value = finite(raw);
  if (value === undefined) {
    return {
      ok: false,
      name,
      error:
        raw === undefined || raw === null
          ? 'no reading'
          : `non-numeric reading ${JSON.stringify(raw).slice(0, 30)}`,
    };
  }
  return {
    ok: true,
    name,
    type,
    unit,
    value,
    status: worst(statusFromThresholds(value, t), healthStatus(o)),
    thresholds: t,
  };
}

function nameOf(o: Obj, fallback: string): string | undefined {
  return str(o, 'Name') ?? str(o, 'MemberId') ?? (fallback || undefined);
}

/** Chassis/{id}/Thermal: Temperatures[] (ReadingCelsius) and Fans[] (Reading + ReadingUnits). */
export function parseThermal(json: unknown): SensorResult[] {
  const out: SensorResult[] = [];
  for (const [i, t] of arr(json, 'Temperatures').entries()) {
    if (!isObj(t)) continue;
    const name = nameOf(t, `Temperature ${i}`)!;
    if (isAbsent(t)) continue;
    out.push(reading(name, 'temperature', 'celsius', t, t.ReadingCelsius, legacyThresholds(t)));
  }
  for (const [i, f] of arr(json, 'Fans').entries()) {
    if (!isObj(f)) continue;
    const name = str(f, 'Name') ?? str(f, 'FanName') ?? `Fan ${i}`;
    if (isAbsent(f)) continue;
    const units = str(f, 'ReadingUnits');
    out.push(
      reading(name, 'fan', units ? normaliseUnit(units) : 'rpm', f, f.Reading, legacyThresholds(f)),
    );
  }
  return out;
}

/** Chassis/{id}/Power: Voltages[] (ReadingVolts) and PowerControl[] (PowerConsumedWatts). */
export function parsePower(json: unknown): SensorResult[] {
  const out: SensorResult[] = [];
  for (const [i, v] of arr(json, 'Voltages').entries()) {
    if (!isObj(v)) continue;
    const name = nameOf(v, `Voltage ${i}`)!;
    if (isAbsent(v)) continue;
    out.push(reading(name, 'voltage', 'volts', v, v.ReadingVolts, legacyThresholds(v)));
  }
  for (const [i, p] of arr(json, 'PowerControl').entries()) {
    if (!isObj(p)) continue;
    const name = nameOf(p, `Power ${i}`)!;
    if (isAbsent(p)) continue;
    out.push(reading(name, 'power', 'watts', p, p.PowerConsumedWatts, {}));
  }
  return out;
}

const READING_TYPE: Record<string, SensorType> = {
  Temperature: 'temperature',
  Rotational: 'fan',
  Voltage: 'voltage',
  Current: 'current',
  Power: 'power',
};

/** One member of Chassis/{id}/Sensors (Sensor schema: Reading, ReadingType, ReadingUnits, Thresholds). */
export function parseSensor(json: unknown): SensorResult | undefined {
  if (!isObj(json))
    return { ok: false, name: '(unnamed)', error: 'sensor resource is not an object' };
  const name = str(json, 'Name') ?? str(json, 'Id');
  if (!name) return { ok: false, name: '(unnamed)', error: 'sensor without Name or Id' };
  if (isAbsent(json)) return undefined;
  const readingType = str(json, 'ReadingType');
  const units = str(json, 'ReadingUnits');
  if (!units) return { ok: false, name, error: 'missing ReadingUnits' };
  const unit = normaliseUnit(units);
  const type: SensorType = (readingType ? READING_TYPE[readingType] : undefined) ?? 'other';
  const t: Thresholds = {};
  const th = json.Thresholds;
  if (isObj(th)) {
    const map: [string, keyof Thresholds][] = [
      ['LowerFatal', 'lowerNonRecoverable'],
      ['LowerCritical', 'lowerCritical'],
      ['LowerCaution', 'lowerNonCritical'],
      ['UpperCaution', 'upperNonCritical'],
      ['UpperCritical', 'upperCritical'],
      ['UpperFatal', 'upperNonRecoverable'],
    ];
    for (const [k, key] of map) {
      const e = th[k];
      const v = isObj(e) ? finite(e.Reading) : undefined;
      if (v !== undefined) t[key] = v;
    }
  }
  return reading(name, type, unit, json, json.Reading, t);
}

/** ComputerSystem.PowerState: On/Off (PoweringOn/PoweringOff are transitions, reported as such). */
export function parsePowerState(json: unknown): PowerState | 'powering-on' | 'powering-off' {
  const ps = isObj(json) ? json.PowerState : undefined;
  switch (ps) {
    case 'On':
      return 'on';
    case 'Off':
      return 'off';
    case 'PoweringOn':
      return 'powering-on';
    case 'PoweringOff':
      return 'powering-off';
    default:
      throw new PlinthError(
        ErrorCodes.PARSE,
        `unexpected Redfish PowerState ${JSON.stringify(ps)}`,
      );
  }
}

/** FRU facts from a ComputerSystem (or Chassis) resource. */
export function parseFruResource(json: unknown): Fru {
  const fru: Fru = {};
  if (!isObj(json)) return fru;
  const vendor = str(json, 'Manufacturer');
  const model = str(json, 'Model');
  const serial = str(json, 'SerialNumber');
  if (vendor) fru.vendor = vendor;
  if (model) fru.model = model;
  if (serial) fru.serial = serial;
  return fru;
}

/** A LogEntry collection (Managers/{id}/LogServices/{log}/Entries). Non-numeric ids are skipped. */
export function parseLogEntries(json: unknown): { entries: SelEntry[]; skipped: number } {
  const entries: SelEntry[] = [];
  let skipped = 0;
  for (const m of arr(json, 'Members')) {
    if (!isObj(m)) {
      skipped++;
      continue;
    }
    const idText = str(m, 'Id');
    const message = str(m, 'Message');
    if (!idText || !/^\d{1,9}$/.test(idText) || message === undefined) {
      skipped++;
      continue;
    }
    const code = str(m, 'EntryCode');
    const sev = str(m, 'Severity');
    const entry: SelEntry = {
      id: Number(idText),
      time: str(m, 'Created') ?? '',
      // LogEntry names no sensor (only SensorType/SensorNumber); the Message carries the rest.
      sensor: str(m, 'SensorType') ?? '',
      event: message,
      severity: sev === 'Critical' ? 'critical' : sev === 'Warning' ? 'warning' : 'info',
    };
    if (code === 'Assert') entry.direction = 'asserted';
    if (code === 'Deassert') entry.direction = 'deasserted';
    entries.push(entry);
  }
  return { entries, skipped };
}

/** `@odata.id` links of a collection's Members. */
export function memberLinks(json: unknown): string[] {
  return arr(json, 'Members')
    .map((m) => (isObj(m) ? str(m, '@odata.id') : undefined))
    .filter((x): x is string => typeof x === 'string' && x.startsWith('/redfish/'));
}

/** The `@odata.id` of a navigation property (e.g. ServiceRoot.Systems, Chassis.Thermal). */
export function link(json: unknown, prop: string): string | undefined {
  if (!isObj(json)) return undefined;
  const v = json[prop];
  if (!isObj(v)) return undefined;
  const id = str(v, '@odata.id');
  return id && id.startsWith('/redfish/') ? id : undefined;
}
