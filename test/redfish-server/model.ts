/**
 * The simulated hardware behind the Redfish test server: sensors with thresholds, one
 * system's power state and a SEL that gets entries when a reading crosses a threshold,
 * as a real BMC's does.
 */

export type RfSensorType = 'temperature' | 'fan' | 'voltage' | 'current' | 'power';

export interface RfSensorSpec {
  name: string;
  type: RfSensorType;
  value: number;
  upperNonCritical?: number;
  upperCritical?: number;
  upperNonRecoverable?: number;
  lowerNonCritical?: number;
  lowerCritical?: number;
  lowerNonRecoverable?: number;
}

export type RfPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export interface RfLogEntry {
  id: number;
  created: string;
  severity: 'OK' | 'Warning' | 'Critical';
  message: string;
  sensorType: string;
  entryCode: 'Assert' | 'Deassert';
}

type Level =
  | 'upperNonCritical'
  | 'upperCritical'
  | 'upperNonRecoverable'
  | 'lowerNonCritical'
  | 'lowerCritical'
  | 'lowerNonRecoverable';

const LEVELS: { key: Level; text: string; severity: RfLogEntry['severity']; upper: boolean }[] = [
  {
    key: 'upperNonCritical',
    text: 'Upper Non-critical going high',
    severity: 'Warning',
    upper: true,
  },
  { key: 'upperCritical', text: 'Upper Critical going high', severity: 'Critical', upper: true },
  {
    key: 'upperNonRecoverable',
    text: 'Upper Non-recoverable going high',
    severity: 'Critical',
    upper: true,
  },
  {
    key: 'lowerNonCritical',
    text: 'Lower Non-critical going low',
    severity: 'Warning',
    upper: false,
  },
  { key: 'lowerCritical', text: 'Lower Critical going low', severity: 'Critical', upper: false },
  {
    key: 'lowerNonRecoverable',
    text: 'Lower Non-recoverable going low',
    severity: 'Critical',
    upper: false,
  },
];

export const SENSOR_TYPE_NAME: Record<RfSensorType, string> = {
  temperature: 'Temperature',
  fan: 'Fan',
  voltage: 'Voltage',
  current: 'Current',
  power: 'Power Supply / Converter',
};

function crossed(s: RfSensorSpec, key: Level, upper: boolean, value: number): boolean {
  const t = s[key];
  if (t === undefined) return false;
  return upper ? value >= t : value <= t;
}

export function health(s: RfSensorSpec): 'OK' | 'Warning' | 'Critical' {
  if (LEVELS.some((l) => l.severity === 'Critical' && crossed(s, l.key, l.upper, s.value)))
    return 'Critical';
  if (LEVELS.some((l) => l.severity === 'Warning' && crossed(s, l.key, l.upper, s.value)))
    return 'Warning';
  return 'OK';
}

export class Hardware {
  readonly sensors: RfSensorSpec[];
  power: RfPowerState;
  readonly log: RfLogEntry[] = [];
  private nextLogId = 1;

  constructor(sensors: readonly RfSensorSpec[], power: 'On' | 'Off') {
    this.sensors = sensors.map((s) => ({ ...s }));
    this.power = power;
  }

  sensor(name: string): RfSensorSpec {
    const s = this.sensors.find((x) => x.name === name);
    if (!s) throw new Error(`no simulated sensor ${name}`);
    return s;
  }

  /** Set a reading; every threshold crossed either way adds a SEL entry. */
  setReading(name: string, value: number, now: Date = new Date()): void {
    const s = this.sensor(name);
    const before = s.value;
    s.value = value;
    for (const l of LEVELS) {
      const was = crossed(s, l.key, l.upper, before);
      const is = crossed(s, l.key, l.upper, value);
      if (was === is) continue;
      const t = s[l.key]!;
      this.log.push({
        id: this.nextLogId++,
        created: now.toISOString(),
        severity: is ? l.severity : 'OK',
        message: `${s.name}: ${l.text} ${is ? 'asserted' : 'deasserted'}, reading ${value} ${is === l.upper ? '>' : '<'} threshold ${t}`,
        sensorType: SENSOR_TYPE_NAME[s.type],
        entryCode: is ? 'Assert' : 'Deassert',
      });
    }
  }
}
