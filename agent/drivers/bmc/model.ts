/**
 * The one sensor model every source (ipmitool in-band, ipmitool lanplus, Redfish) is
 * normalised into. Units are normalised too, so a dashboard never has to know which
 * protocol a host's BMC speaks.
 */

export type SensorType = 'temperature' | 'fan' | 'voltage' | 'current' | 'power' | 'other';
export type SensorStatus = 'ok' | 'non-critical' | 'critical' | 'non-recoverable';

/** Normalised units: celsius, rpm, percent, volts, amps, watts; anything else lower-cased as given. */
export type SensorUnit = string;

export interface Thresholds {
  lowerNonRecoverable?: number;
  lowerCritical?: number;
  lowerNonCritical?: number;
  upperNonCritical?: number;
  upperCritical?: number;
  upperNonRecoverable?: number;
}

export interface SensorReading {
  ok: true;
  name: string;
  type: SensorType;
  unit: SensorUnit;
  value: number;
  status: SensorStatus;
  thresholds: Thresholds;
}

/**
 * A reply that is truncated, non-numeric or missing a field. It is reported as an error,
 * never as a zero reading: a zero fan speed would look like a dead fan, a zero
 * temperature like a healthy one.
 */
export interface SensorReadError {
  ok: false;
  name: string;
  error: string;
}

export type SensorResult = SensorReading | SensorReadError;

export type SelDirection = 'asserted' | 'deasserted';

export interface SelEntry {
  /** Record id as the BMC numbers it (ipmitool prints it in hex). */
  id: number;
  /** As the BMC reports it ('Pre-Init' before the BMC's clock is set). */
  time: string;
  sensor: string;
  event: string;
  direction?: SelDirection;
  detail?: string;
  severity: 'info' | 'warning' | 'critical';
}

export type PowerState = 'on' | 'off';

export interface Fru {
  vendor?: string;
  model?: string;
  serial?: string;
}

const STATUS_RANK: Record<SensorStatus, number> = {
  ok: 0,
  'non-critical': 1,
  critical: 2,
  'non-recoverable': 3,
};

/** Numeric status for the `plinth_bmc_sensor_status` metric (-1 = read error). */
export function statusRank(s: SensorStatus): number {
  return STATUS_RANK[s];
}

export function atLeastCritical(s: SensorStatus): boolean {
  return STATUS_RANK[s] >= STATUS_RANK.critical;
}

/** Status from the thresholds, for sources (Redfish) whose own health field is coarser. */
export function statusFromThresholds(value: number, t: Thresholds): SensorStatus {
  const above = (x: number | undefined) => x !== undefined && value >= x;
  const below = (x: number | undefined) => x !== undefined && value <= x;
  if (above(t.upperNonRecoverable) || below(t.lowerNonRecoverable)) return 'non-recoverable';
  if (above(t.upperCritical) || below(t.lowerCritical)) return 'critical';
  if (above(t.upperNonCritical) || below(t.lowerNonCritical)) return 'non-critical';
  return 'ok';
}

/** A severity for a SEL entry from its event text (IPMI) or severity field (Redfish). */
export function selSeverity(event: string, direction?: SelDirection): SelEntry['severity'] {
  if (direction === 'deasserted') return 'info';
  const e = event.toLowerCase();
  if (e.includes('non-recoverable') || /(^|\W)critical/.test(e.replace('non-critical', '')))
    return 'critical';
  if (e.includes('non-critical') || e.includes('warning')) return 'warning';
  return 'info';
}

const UNIT_ALIASES: Record<string, SensorUnit> = {
  'degrees c': 'celsius',
  cel: 'celsius',
  celsius: 'celsius',
  rpm: 'rpm',
  percent: 'percent',
  '%': 'percent',
  volts: 'volts',
  v: 'volts',
  amps: 'amps',
  a: 'amps',
  watts: 'watts',
  w: 'watts',
};

export function normaliseUnit(raw: string): SensorUnit {
  const k = raw.trim().toLowerCase();
  return UNIT_ALIASES[k] ?? k;
}

export function typeFromUnit(unit: SensorUnit): SensorType {
  switch (unit) {
    case 'celsius':
    case 'degrees f':
    case 'degrees k':
      return 'temperature';
    case 'rpm':
      return 'fan';
    case 'volts':
      return 'voltage';
    case 'amps':
      return 'current';
    case 'watts':
      return 'power';
    default:
      return 'other';
  }
}
