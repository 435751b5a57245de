import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import {
  normaliseUnit,
  selSeverity,
  typeFromUnit,
  type Fru,
  type PowerState,
  type SelDirection,
  type SelEntry,
  type SensorResult,
  type SensorStatus,
  type Thresholds,
} from './model.js';

/**
 * Pure parsers for ipmitool 1.8 text output, tested against output captured from a real
 * ipmi_sim (test/fixtures/bmc/). Anything that does not have the expected shape becomes a
 * per-sensor read error or a PLINTH_E_PARSE error, never a default value.
 */

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function num(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  const f = field.trim();
  return NUMBER.test(f) ? Number(f) : undefined;
}

const SENSOR_LIST_STATUS: Record<string, SensorStatus> = {
  ok: 'ok',
  nc: 'non-critical',
  cr: 'critical',
  nr: 'non-recoverable',
};

const THRESHOLD_COLUMNS: (keyof Thresholds)[] = [
  'lowerNonRecoverable',
  'lowerCritical',
  'lowerNonCritical',
  'upperNonCritical',
  'upperCritical',
  'upperNonRecoverable',
];

/**
 * `ipmitool sensor list` (pipe-separated, 10 columns: name | value | unit | status | lnr |
 * lcr | lnc | unc | ucr | unr) or `ipmitool -c sensor list` (the same columns, CSV).
 * Discrete sensors (unit `discrete`) carry no reading and are left out.
 */
export function parseSensorList(text: string): SensorResult[] {
  const out: SensorResult[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trimEnd();
    if (line.trim() === '') continue;
    const sep = line.includes('|') ? '|' : ',';
    let fields = line.split(sep);
    // A name containing the separator: the last nine columns are fixed.
    if (fields.length > 10)
      fields = [fields.slice(0, fields.length - 9).join(sep), ...fields.slice(fields.length - 9)];
    fields = fields.map((f) => f.trim());
    const name = fields[0] ?? '';
    if (name === '') {
      out.push({ ok: false, name: '(unnamed)', error: 'sensor line without a name' });
      continue;
    }
    if (fields.length < 10) {
      out.push({ ok: false, name, error: `truncated sensor line: ${fields.length} of 10 columns` });
      continue;
    }
    const unitRaw = fields[2]!;
    if (unitRaw.toLowerCase() === 'discrete') continue;
    const value = num(fields[1]);
    if (value === undefined) {
      out.push({
        ok: false,
        name,
        error: `no numeric reading (got ${JSON.stringify(fields[1]!.slice(0, 20))})`,
      });
      continue;
    }
    const status = SENSOR_LIST_STATUS[fields[3]!.toLowerCase()];
    if (!status) {
      out.push({
        ok: false,
        name,
        error: `unknown sensor status ${JSON.stringify(fields[3]!.slice(0, 20))}`,
      });
      continue;
    }
    if (unitRaw === '') {
      out.push({ ok: false, name, error: 'missing unit' });
      continue;
    }
    const thresholds: Thresholds = {};
    let bad: string | undefined;
    THRESHOLD_COLUMNS.forEach((key, i) => {
      const f = fields[4 + i]!;
      if (f === 'na' || f === '') return;
      const v = num(f);
      if (v === undefined) bad = `non-numeric threshold ${key} ${JSON.stringify(f.slice(0, 20))}`;
      else thresholds[key] = v;
    });
    if (bad) {
      out.push({ ok: false, name, error: bad });
      continue;
    }
    const unit = normaliseUnit(unitRaw);
    out.push({ ok: true, name, type: typeFromUnit(unit), unit, value, status, thresholds });
  }
  return out;
}

const SDR_STATUS: Record<string, SensorStatus> = {
  ok: 'ok',
  unc: 'non-critical',
  lnc: 'non-critical',
  nc: 'non-critical',
  ucr: 'critical',
  lcr: 'critical',
  cr: 'critical',
  unr: 'non-recoverable',
  lnr: 'non-recoverable',
  nr: 'non-recoverable',
};

/**
 * `ipmitool sdr elist` (name | id | status | entity | reading). No thresholds here:
 * the driver uses `sensor list`; this is for BMCs where `sensor list` is too slow.
 */
export function parseSdrElist(text: string): SensorResult[] {
  const out: SensorResult[] = [];
  for (const rawLine of text.split('\n')) {
    if (rawLine.trim() === '') continue;
    const fields = rawLine.split('|').map((f) => f.trim());
    const name = fields[0] || '(unnamed)';
    if (fields.length < 5) {
      out.push({ ok: false, name, error: `truncated sdr line: ${fields.length} of 5 columns` });
      continue;
    }
    const reading = fields.slice(4).join('|');
    const m = /^([-+]?\d+(?:\.\d+)?)\s+(.+)$/.exec(reading);
    if (!m) {
      // 'No Reading', 'Disabled', or a discrete state such as '0x00' — not a number.
      if (/^0x[0-9a-f]+$/i.test(reading) || /discrete/i.test(reading)) continue;
      out.push({
        ok: false,
        name,
        error: `no numeric reading (got ${JSON.stringify(reading.slice(0, 30))})`,
      });
      continue;
    }
    const status = SDR_STATUS[fields[2]!.toLowerCase()];
    if (!status) {
      out.push({
        ok: false,
        name,
        error: `unknown sensor status ${JSON.stringify(fields[2]!.slice(0, 10))}`,
      });
      continue;
    }
    const unit = normaliseUnit(m[2]!);
    out.push({
      ok: true,
      name,
      type: typeFromUnit(unit),
      unit,
      value: Number(m[1]),
      status,
      thresholds: {},
    });
  }
  return out;
}

/**
 * `ipmitool sel elist` / `sel list`: `id | date | time | sensor | event | direction [| detail]`,
 * where the BMC may print one `Pre-Init | timestamp` pair instead of date and time. Record
 * ids are hexadecimal. Lines that do not parse are skipped and counted.
 */
export function parseSelList(text: string): { entries: SelEntry[]; skipped: number } {
  const entries: SelEntry[] = [];
  let skipped = 0;
  for (const rawLine of text.split('\n')) {
    if (rawLine.trim() === '') continue;
    const f = rawLine.split('|').map((x) => x.trim());
    const idText = f[0] ?? '';
    if (!/^[0-9a-f]{1,4}$/i.test(idText) || f.length < 5) {
      skipped++;
      continue;
    }
    const dirIdx = f.findIndex((x, i) => i >= 3 && /^(asserted|deasserted)$/i.test(x));
    let sensor: string,
      event: string,
      direction: SelDirection | undefined,
      detail: string | undefined,
      timeParts: string[];
    if (dirIdx >= 0) {
      if (dirIdx < 4) {
        skipped++;
        continue;
      }
      sensor = f[dirIdx - 2]!;
      event = f[dirIdx - 1]!;
      direction = f[dirIdx]!.toLowerCase() as SelDirection;
      detail = f.slice(dirIdx + 1).join(' | ') || undefined;
      timeParts = f.slice(1, dirIdx - 2);
    } else {
      sensor = f[f.length - 2]!;
      event = f[f.length - 1]!;
      timeParts = f.slice(1, f.length - 2);
    }
    const entry: SelEntry = {
      id: parseInt(idText, 16),
      time: timeParts.join(' ').trim(),
      sensor,
      event,
      severity: selSeverity(event, direction),
    };
    if (direction) entry.direction = direction;
    if (detail) entry.detail = detail;
    entries.push(entry);
  }
  return { entries, skipped };
}

/** `ipmitool chassis power status` → on/off; anything else is a parse error. */
export function parsePowerStatus(text: string): PowerState {
  const m = /Chassis Power is (on|off)\b/i.exec(text);
  if (!m) {
    throw new PlinthError(
      ErrorCodes.PARSE,
      `unexpected chassis power status reply: ${JSON.stringify(text.trim().slice(0, 80))}`,
    );
  }
  return m[1]!.toLowerCase() as PowerState;
}

/** `ipmitool fru print 0`: product fields preferred, board fields as a fallback. */
export function parseFruPrint(text: string): Fru {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim();
    const v = line.slice(i + 1).trim();
    if (k && v && !kv.has(k)) kv.set(k, v);
  }
  const pick = (...keys: string[]) =>
    keys.map((k) => kv.get(k)).find((v) => v !== undefined && v !== '');
  const fru: Fru = {};
  const vendor = pick('Product Manufacturer', 'Board Mfg', 'Chassis Manufacturer');
  const model = pick('Product Name', 'Board Product', 'Chassis Part Number');
  const serial = pick('Product Serial', 'Board Serial', 'Chassis Serial');
  if (vendor) fru.vendor = vendor;
  if (model) fru.model = model;
  if (serial) fru.serial = serial;
  return fru;
}

export type IpmitoolFailure = 'auth' | 'unreachable' | 'other';

/**
 * Classify a failed ipmitool run from its stderr (ipmitool is run with `-v` so that the
 * RAKP messages distinguish a wrong password from a BMC that does not answer).
 */
export function classifyIpmitoolError(stderr: string): IpmitoolFailure {
  if (
    /RAKP 2 HMAC is invalid|unauthorized name|invalid (user ?name|password)|Authentication type .* not supported|insufficient privilege|RAKP \d message indicates an error/i.test(
      stderr,
    )
  )
    return 'auth';
  if (
    /Get Auth Capabilities error|Unable to establish|No response|timeout|Connection refused|Unable to get Channel/i.test(
      stderr,
    )
  )
    return 'unreachable';
  return 'other';
}
