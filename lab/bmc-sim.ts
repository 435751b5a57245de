/**
 * Files for one lab host's BMC: an OpenIPMI `ipmi_sim` with a few threshold sensors
 * whose readings come from files (so a test can heat a CPU by writing a number), a
 * FRU, one admin user, and a chassis-control program that really powers the host
 * off (kills every process in its namespace) and on (boots it again). Pure text
 * generators; lab/host.ts writes and starts them. The SDR and FRU encodings follow
 * test/harness/ipmi-sim.ts (checked against ipmitool there).
 */

export type SensorType = 'temperature' | 'voltage' | 'current' | 'fan' | 'power';

export interface LabSensor {
  /** Sensor id string in the SDR (at most 16 characters). */
  name: string;
  type: SensorType;
  /** Initial reading in the sensor's unit. */
  value: number;
  /** Thresholds in the sensor's unit; absent ones are not readable. */
  upperNonCritical?: number;
  upperCritical?: number;
  upperNonRecoverable?: number;
  lowerNonCritical?: number;
  lowerCritical?: number;
  lowerNonRecoverable?: number;
}

/** IPMI sensor type, unit and linear conversion (reading = raw × m × 10^rExp) per kind. */
export const SCALE: Record<
  SensorType,
  { sensorType: number; unit: number; m: number; rExp: number }
> = {
  temperature: { sensorType: 1, unit: 1, m: 1, rExp: 0 }, // degrees C, 0..255
  voltage: { sensorType: 2, unit: 4, m: 6, rExp: -2 }, // Volts, 0..15.3 in 0.06 steps
  current: { sensorType: 3, unit: 5, m: 1, rExp: -1 }, // Amps, 0..25.5
  fan: { sensorType: 4, unit: 18, m: 100, rExp: 0 }, // RPM, 0..25500
  power: { sensorType: 0x0b, unit: 6, m: 4, rExp: 0 }, // Watts, 0..1020 (other-units sensor)
};

export const LAB_SENSORS: readonly LabSensor[] = [
  { name: 'CPU Temp', type: 'temperature', value: 40, upperNonCritical: 75, upperCritical: 85 },
  { name: 'Inlet Temp', type: 'temperature', value: 24, upperNonCritical: 40, upperCritical: 45 },
  { name: 'FAN1', type: 'fan', value: 6000, lowerNonCritical: 1000, lowerCritical: 500 },
  { name: 'P12V', type: 'voltage', value: 12, lowerCritical: 10.8, upperCritical: 13.2 },
  { name: 'PSU1 Power', type: 'power', value: 320, upperNonCritical: 800, upperCritical: 900 },
];

/** The raw byte a sensor file holds for a reading. */
export function rawReading(type: SensorType, value: number): number {
  const k = SCALE[type];
  const raw = Math.round(value / k.m / Math.pow(10, k.rExp));
  if (raw < 0 || raw > 255) throw new Error(`reading ${value} out of range for a ${type} sensor`);
  return raw;
}

function sdrFor(s: LabSensor, num: number): string {
  const k = SCALE[s.type];
  const th: [keyof LabSensor, string, string][] = [
    ['upperNonCritical', 'unc', 'uncgh'],
    ['upperCritical', 'uc', 'ucgh'],
    ['upperNonRecoverable', 'unr', 'unrgh'],
    ['lowerNonCritical', 'lnc', 'lncgl'],
    ['lowerCritical', 'lc', 'lcgl'],
    ['lowerNonRecoverable', 'lnr', 'lnrgl'],
  ];
  const lines = [
    'sdr type 1',
    'sensor_owner_id 0x20',
    'sensor_owner_lun 0',
    'channel_number 0',
    `sensor_number ${num}`,
    'entity_id system_board',
    'entity_instance 1',
    `sensor_type ${k.sensorType}`,
    'init_scanning true',
    'init_events true',
    'init_thresholds true',
    'init_sensor_type true',
    'default_event_gen_on true',
    'default_sensor_scan_on true',
    'sensor_auto_rearm true',
    'sensor_threshold_access settable',
    'sensor_event_msg_ctrl per_state',
    'event_reading_type_code 1',
    'analog_data_format unsigned',
    'rate_unit none',
    'modifier_unit none',
    'percentage false',
    `base_unit ${k.unit}`,
    'modifier_unit_code unspecified',
    'linearization linear',
    `m ${k.m}`,
    'tolerance 0',
    'b 0',
    'accuracy 1',
    'accuracy_exp 0',
    'sensor_direction input',
    `r_exp ${k.rExp}`,
    'b_exp 0',
    'sensor_maximum 255',
    'sensor_minimum 0',
  ];
  for (const [key, short, assert] of th) {
    const v = s[key];
    if (typeof v !== 'number') continue;
    lines.push(`${short}_thrsh_readable true`, `return_${short} true`, `${short}_fthresh ${v}`);
    lines.push(`assert_${assert} true`, `deassert_${assert} true`);
  }
  lines.push(`id_string "${s.name}"`, 'endsdr');
  return lines.join('\n');
}

/** The SDR source for sdrcomp: one management controller named `mcName`, then the sensors. */
export function sdrsText(sensors: readonly LabSensor[], mcName = 'plinth-lab'): string {
  const mc = [
    'sdr type 18',
    'device_slave_address 0x20',
    'device_channel_number 0',
    'chassis true',
    'ipmb_event_gen false',
    'ipmb_event_recv false',
    'fru_inventory true',
    'sel true',
    'sdr true',
    'sensor true',
    'entity_id system_board',
    'entity_instance 1',
    `id_string "${mcName}"`,
    'endsdr',
  ].join('\n');
  return [mc, ...sensors.map((s, i) => sdrFor(s, i + 1))].join('\n\n') + '\n';
}

/** What a simulated BMC's FRU says about the board and the product. */
export interface FruInfo {
  boardManufacturer: string;
  boardProduct: string;
  boardSerial: string;
  productManufacturer: string;
  productName: string;
  productSerial: string;
}

/** A lab host's FRU: the serial says which host it is. */
export function labFru(serial: string): FruInfo {
  return {
    boardManufacturer: 'Plinth Lab',
    boardProduct: 'PL-LAB-MB',
    boardSerial: serial,
    productManufacturer: 'Plinth Lab',
    productName: 'PL-LAB-1U',
    productSerial: serial,
  };
}

/** IPMI FRU (Platform Management FRU Information Storage Definition v1.0): board + product areas. */
export function fruBytes(f: FruInfo): number[] {
  const field = (s: string): number[] => [0xc0 | s.length, ...Buffer.from(s, 'latin1')];
  const area = (head: number[], fields: string[]): number[] => {
    const body = [...head, ...fields.flatMap(field), 0xc1];
    while ((body.length + 1) % 8 !== 0) body.push(0);
    body[1] = (body.length + 1) / 8;
    const sum = body.reduce((a, b) => a + b, 0);
    return [...body, (0x100 - (sum & 0xff)) & 0xff];
  };
  const board = area(
    [0x01, 0, 0x00, 0, 0, 0],
    [f.boardManufacturer, f.boardProduct, f.boardSerial, 'PN-1', ''],
  );
  const product = area(
    [0x01, 0, 0x00],
    [f.productManufacturer, f.productName, 'MODEL-1', 'v1', f.productSerial, '', ''],
  );
  const header = [0x01, 0, 0, 1, 1 + board.length / 8, 0, 0];
  const hsum = header.reduce((a, b) => a + b, 0);
  return [...header, (0x100 - (hsum & 0xff)) & 0xff, ...board, ...product];
}

/** ipmi_sim's emulator commands: one BMC, a sensor per poll file `sensorDir/sN`, the FRU. */
export function emuText(sensorDir: string, sensors: readonly LabSensor[], fru: FruInfo): string {
  const data = fruBytes(fru);
  return (
    [
      'mc_setbmc 0x20',
      'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr',
      'sel_enable 0x20 1000 0x0a',
      ...sensors.map(
        (s, i) =>
          `sensor_add 0x20 0 ${i + 1} ${SCALE[s.type].sensorType} 0x01 poll 250 file "${sensorDir}/s${i + 1}"`,
      ),
      `mc_add_fru_data 0x20 0 ${data.length} data ${data.map((b) => `0x${b.toString(16)}`).join(' ')}`,
      'mc_enable 0x20',
    ].join('\n') + '\n'
  );
}

export function lanConfText(o: {
  simName: string;
  addr: string;
  port: number;
  chassisControl: string;
  user: string;
  password: string;
}): string {
  return (
    [
      `name "${o.simName}"`,
      'set_working_mc 0x20',
      'startlan 1',
      `  addr ${o.addr} ${o.port}`,
      '  priv_limit admin',
      '  allowed_auths_callback md5',
      '  allowed_auths_user md5',
      '  allowed_auths_operator md5',
      '  allowed_auths_admin md5',
      '  guid a123456789abcdefa123456789abcdef',
      'endlan',
      `chassis_control "${o.chassisControl} 0x20"`,
      `user 2 true "${o.user}" "${o.password}" admin 10 md5`,
    ].join('\n') + '\n'
  );
}

/**
 * ipmi_sim's chassis-control program. `set power 0` runs the host's power-off script
 * (SIGKILL to every process of the host: a power cut); `set power 1` its power-on
 * script (boots it again); `get power` reads the state file both scripts keep.
 * Paths are validated (no quote can occur) before they are written here.
 */
export function chassisControlText(hostDir: string): string {
  return `#!/bin/sh
# plinth lab: ipmi_sim chassis control. Usage: chassis-control DEV get|set PARM [VAL]...
H='${hostDir}'
dev="$1"; op="$2"
[ -n "$dev" ] && [ -n "$op" ] || { echo "usage: $0 dev get|set parm..."; exit 1; }
shift 2
case "$op" in
get)
  while [ -n "$1" ]; do
    case "$1" in
    power) v="$(cat "$H/power" 2>/dev/null || echo 1)" ;;
    boot) v=default ;;
    *) echo "invalid parameter: $1"; exit 1 ;;
    esac
    echo "$1:$v"
    shift
  done ;;
set)
  while [ -n "$1" ]; do
    p="$1"; v="$2"
    [ -n "$v" ] || { echo "no value for $p"; exit 1; }
    shift 2
    case "$p" in
    power)
      if [ "$v" = 0 ]; then "$H/power-off.sh" >> "$H/log/power.log" 2>&1
      else "$H/power-on.sh" >> "$H/log/power.log" 2>&1; fi ;;
    reset)
      "$H/power-off.sh" >> "$H/log/power.log" 2>&1
      "$H/power-on.sh" >> "$H/log/power.log" 2>&1 ;;
    boot) ;;
    identify) shift ;;
    *) echo "invalid parameter: $p"; exit 1 ;;
    esac
  done ;;
*) echo "unknown operation: $op"; exit 1 ;;
esac
`;
}
