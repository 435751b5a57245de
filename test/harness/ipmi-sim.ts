import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from '../../agent/host/exec.js';
import {
  emuText,
  lanConfText,
  rawReading,
  sdrsText,
  type FruInfo,
  type LabSensor,
} from '../../lab/bmc-sim.js';

/**
 * One simulated BMC: OpenIPMI's `ipmi_sim` on UDP loopback, started by hand under a fresh
 * temp dir (users, SEL and SDRs persist in its state dir, so every start is clean).
 *
 * - Sensors are threshold sensors whose SDRs (thresholds included) are compiled with
 *   `sdrcomp -8`; each reads its raw value from a file (`poll 250 file`), so a test changes
 *   a reading with `setReading()`; crossing a threshold adds SEL entries.
 * - Power commands go to a generated chassis-control script that keeps the power state in
 *   a file (`power`: 1 or 0), so a test can read or preset it.
 * - Always use `-C 3` with ipmitool: the simulator has no SHA256 cipher suites.
 */

export const IPMI_SIM = '/usr/bin/ipmi_sim';
export const IPMITOOL = '/usr/bin/ipmitool';
export const SDRCOMP = '/usr/bin/sdrcomp';
const PORT_MIN = 19600;
const PORT_MAX = 19649;

/** A simulated sensor: the same shape the lab's BMCs use. */
export type SimSensor = LabSensor;

export type SimFru = FruInfo;

export interface IpmiSim {
  dir: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** A 0600 file holding the password (for `ipmitool -f`). */
  passwordFile: string;
  sensors: readonly SimSensor[];
  /** Write a reading (in the sensor's unit) to the sensor's poll file; applies within ~250 ms. */
  setReading(name: string, value: number): Promise<void>;
  /** Power state as recorded by the chassis-control program. */
  powerState(): Promise<'on' | 'off'>;
  setPowerState(state: 'on' | 'off'): Promise<void>;
  /** ipmitool lanplus against this simulator (password via -f, never argv); returns stdout. */
  ipmitool(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface IpmiSimOptions {
  sensors?: SimSensor[];
  fru?: SimFru;
  user?: string;
  password?: string;
  /** Initial power state (default on). */
  power?: 'on' | 'off';
}

/** The default simulated host: one of each kind, with thresholds. */
export const DEFAULT_SENSORS: SimSensor[] = [
  {
    name: 'CPU Temp',
    type: 'temperature',
    value: 40,
    upperNonCritical: 75,
    upperCritical: 85,
    upperNonRecoverable: 95,
  },
  {
    name: 'Inlet Temp',
    type: 'temperature',
    value: 24,
    upperNonCritical: 40,
    upperCritical: 45,
    upperNonRecoverable: 50,
  },
  { name: 'FAN1', type: 'fan', value: 6000, lowerNonCritical: 1000, lowerCritical: 500 },
  { name: 'P12V', type: 'voltage', value: 12, lowerCritical: 10.8, upperCritical: 13.2 },
  { name: 'PSU1 Current', type: 'current', value: 4.2, upperCritical: 20 },
  { name: 'PSU1 Power', type: 'power', value: 320, upperNonCritical: 800, upperCritical: 900 },
];

/** 20 sensors for the benchmark: temperatures, fans, voltages, currents and power. */
export function benchSensors(): SimSensor[] {
  const out: SimSensor[] = [];
  for (let i = 1; i <= 6; i++)
    out.push({
      name: `Temp${i}`,
      type: 'temperature',
      value: 30 + i,
      upperNonCritical: 75,
      upperCritical: 85,
      upperNonRecoverable: 95,
    });
  for (let i = 1; i <= 6; i++)
    out.push({
      name: `FAN${i}`,
      type: 'fan',
      value: 5000 + i * 100,
      lowerNonCritical: 1000,
      lowerCritical: 500,
    });
  for (let i = 1; i <= 4; i++)
    out.push({
      name: `VR${i} Volt`,
      type: 'voltage',
      value: 12,
      lowerCritical: 10.8,
      upperCritical: 13.2,
    });
  for (let i = 1; i <= 2; i++)
    out.push({ name: `PSU${i} Current`, type: 'current', value: 4, upperCritical: 20 });
  for (let i = 1; i <= 2; i++)
    out.push({
      name: `PSU${i} Power`,
      type: 'power',
      value: 300,
      upperNonCritical: 800,
      upperCritical: 900,
    });
  return out;
}

export const DEFAULT_FRU: SimFru = {
  boardManufacturer: 'Plinth Labs',
  boardProduct: 'PL-MB-01',
  boardSerial: 'BRD0001',
  productManufacturer: 'Plinth Labs',
  productName: 'PL-1U-Sim',
  productSerial: 'SIM0001',
};

/** Why the simulator cannot run here, or null when it can. */
export async function ipmiSimUnavailableReason(): Promise<string | null> {
  for (const f of [IPMI_SIM, IPMITOOL, SDRCOMP]) {
    try {
      await access(f, fsConstants.X_OK);
    } catch {
      return `${f} is not installed (Debian packages openipmi, ipmitool)`;
    }
  }
  return null;
}

const CHASSIS_CONTROL = `#!/bin/sh
# plinth test harness: ipmi_sim chassis control. Usage: chassis-control DEV get|set PARM [VAL]...
# Keeps the power state (1/0) in the file next to this script.
state="$(dirname "$0")/power"
dev="$1"; op="$2"
[ -n "$dev" ] && [ -n "$op" ] || { echo "usage: $0 dev get|set parm..."; exit 1; }
shift 2
case "$op" in
get)
  while [ -n "$1" ]; do
    case "$1" in
    power) v="$(cat "$state" 2>/dev/null || echo 1)" ;;
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
    power) echo "$v" > "$state.tmp" && mv "$state.tmp" "$state" ;;
    reset|boot) ;;
    identify) shift ;;
    *) echo "invalid parameter: $p"; exit 1 ;;
    esac
  done ;;
*) echo "unknown operation: $op"; exit 1 ;;
esac
`;

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function pickPort(): Promise<number> {
  const span = PORT_MAX - PORT_MIN + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const p = PORT_MIN + ((start + i) % span);
    if (await udpPortFree(p)) return p;
  }
  throw new Error(`no free UDP port in ${PORT_MIN}-${PORT_MAX}`);
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start one simulator. Stop it with `stop()` (SIGTERM; it takes 1–2 s, then SIGKILL). */
export async function startIpmiSim(opts: IpmiSimOptions = {}): Promise<IpmiSim> {
  const sensors = opts.sensors ?? DEFAULT_SENSORS;
  const fru = opts.fru ?? DEFAULT_FRU;
  const user = opts.user ?? 'admin';
  const password = opts.password ?? `pw-${Math.random().toString(36).slice(2, 10)}`;
  const name = 'plt-bmc-sim';
  const dir = await mkdtemp(join(tmpdir(), 'plt-bmc-ipmisim-'));
  const fail = async (e: unknown): Promise<never> => {
    await rm(dir, { recursive: true, force: true });
    throw e;
  };
  try {
    const stateDir = join(dir, 'state');
    const persist = join(stateDir, 'ipmi_sim', name);
    await mkdir(persist, { recursive: true });
    await mkdir(join(dir, 'sensors'));
    await writeFile(join(dir, 'sim.sdrs'), sdrsText(sensors, 'plinth-sim'));
    await execFile(SDRCOMP, ['-8', '-o', join(persist, 'sdr.20.main'), join(dir, 'sim.sdrs')], {
      timeoutMs: 10_000,
    });
    for (const [i, s] of sensors.entries())
      await writeFile(join(dir, 'sensors', `s${i + 1}`), `${rawReading(s.type, s.value)}\n`);
    const chassis = join(dir, 'chassis-control');
    await writeFile(chassis, CHASSIS_CONTROL);
    await chmod(chassis, 0o755);
    await writeFile(join(dir, 'power'), (opts.power ?? 'on') === 'on' ? '1\n' : '0\n');
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, password, { mode: 0o600 });
    await writeFile(join(dir, 'sim.emu'), emuText(join(dir, 'sensors'), sensors, fru));

    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await pickPort();
      const conf = lanConfText({
        simName: name,
        addr: '127.0.0.1',
        port,
        chassisControl: chassis,
        user,
        password,
      });
      await writeFile(join(dir, 'lan.conf'), conf, { mode: 0o600 });
      const child = spawn(
        IPMI_SIM,
        ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'sim.emu'), '-s', stateDir, '-n'],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
          detached: false,
        },
      );
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < 4000) stderr += d.toString();
      });
      const ipmitool = async (...args: string[]): Promise<string> => {
        const r = await execFile(
          IPMITOOL,
          [
            '-I',
            'lanplus',
            '-C',
            '3',
            '-H',
            '127.0.0.1',
            '-p',
            String(port),
            '-U',
            user,
            '-f',
            passwordFile,
            '-N',
            '1',
            '-R',
            '2',
            ...args,
          ],
          { timeoutMs: 10_000 },
        );
        return r.stdout;
      };
      let ready = false;
      for (let i = 0; i < 40 && child.exitCode === null; i++) {
        try {
          await ipmitool('chassis', 'power', 'status');
          ready = true;
          break;
        } catch {
          await sleep(100);
        }
      }
      if (!ready) {
        child.kill('SIGKILL');
        await waitExit(child, 3000);
        if (attempt === 4)
          throw new Error(`ipmi_sim did not answer on 127.0.0.1:${port}: ${stderr.slice(0, 500)}`);
        continue;
      }
      // Until the first poll (250 ms) every reading is 0: wait for two polls.
      await sleep(600);
      let stopped = false;
      const sim: IpmiSim = {
        dir,
        host: '127.0.0.1',
        port,
        user,
        password,
        passwordFile,
        sensors,
        async setReading(sensorName, value) {
          const i = sensors.findIndex((s) => s.name === sensorName);
          if (i < 0) throw new Error(`no simulated sensor ${sensorName}`);
          const file = join(dir, 'sensors', `s${i + 1}`);
          await writeFile(`${file}.tmp`, `${rawReading(sensors[i]!.type, value)}\n`);
          await rename(`${file}.tmp`, file);
        },
        async powerState() {
          const v = (await readFile(join(dir, 'power'), 'utf8')).trim();
          return v === '0' ? 'off' : 'on';
        },
        async setPowerState(state) {
          await writeFile(join(dir, 'power'), state === 'on' ? '1\n' : '0\n');
        },
        ipmitool,
        async stop() {
          if (stopped) return;
          stopped = true;
          child.kill('SIGTERM');
          if (!(await waitExit(child, 4000))) {
            child.kill('SIGKILL');
            await waitExit(child, 2000);
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
      return sim;
    }
    throw new Error('unreachable');
  } catch (e) {
    return fail(e);
  }
}
