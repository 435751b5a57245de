import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { Exec } from '../../host/exec.js';
import { runIpmitool, type IpmiTarget } from './ipmitool.js';
import type { Fru, SelEntry, SensorResult } from './model.js';
import {
  parseFruPrint,
  parsePowerStatus,
  parseSelList,
  parseSensorList,
} from './parse-ipmitool.js';
import {
  link,
  memberLinks,
  parseFruResource,
  parseLogEntries,
  parsePower,
  parsePowerState,
  parseSensor,
  parseThermal,
} from './parse-redfish.js';
import type { RedfishClient } from './redfish-http.js';

/** One BMC, whatever it speaks: every method returns the normalised model. */
export interface BmcSource {
  readonly kind: 'ipmi-open' | 'ipmi-lan' | 'redfish';
  sensors(signal: AbortSignal): Promise<SensorResult[]>;
  sel(signal: AbortSignal, max: number): Promise<{ entries: SelEntry[]; skipped: number }>;
  power(signal: AbortSignal): Promise<string>;
  fru(signal: AbortSignal): Promise<Fru>;
  close(): Promise<void>;
}

export function createIpmiSource(exec: Exec, target: IpmiTarget, timeoutMs: number): BmcSource {
  const run = (cmd: string[], signal: AbortSignal) =>
    runIpmitool(exec, target, cmd, { timeoutMs, signal });
  return {
    kind: target.interface === 'open' ? 'ipmi-open' : 'ipmi-lan',
    async sensors(signal) {
      return parseSensorList(await run(['-c', 'sensor', 'list'], signal));
    },
    async sel(signal, max) {
      return parseSelList(await run(['sel', 'elist', 'last', String(max)], signal));
    },
    async power(signal) {
      return parsePowerStatus(await run(['chassis', 'power', 'status'], signal));
    },
    async fru(signal) {
      return parseFruPrint(await run(['fru', 'print', '0'], signal));
    },
    async close() {},
  };
}

/** At most this many Sensors members are fetched one by one per pass. */
const MAX_SENSOR_MEMBERS = 200;
const SENSOR_FETCH_CONCURRENCY = 4;

interface Discovered {
  system: string;
  chassis: string;
  logEntries?: string;
}

/**
 * Redfish: ServiceRoot → the first System, Chassis and Manager. Sensors come from the
 * newer Chassis/{id}/Sensors collection when it has members, else Thermal + Power.
 */
export function createRedfishSource(client: RedfishClient): BmcSource {
  let found: Discovered | undefined;

  async function discover(signal: AbortSignal): Promise<Discovered> {
    if (found) return found;
    const root = await client.get('/redfish/v1/', signal);
    const systemsLink = link(root, 'Systems');
    const chassisLink = link(root, 'Chassis');
    if (!systemsLink || !chassisLink)
      throw new PlinthError(ErrorCodes.PARSE, 'Redfish ServiceRoot has no Systems or Chassis link');
    const system = memberLinks(await client.get(systemsLink, signal))[0];
    const chassis = memberLinks(await client.get(chassisLink, signal))[0];
    if (!system || !chassis)
      throw new PlinthError(
        ErrorCodes.NOT_FOUND,
        'Redfish service lists no ComputerSystem or Chassis',
      );
    let logEntries: string | undefined;
    const managersLink = link(root, 'Managers');
    if (managersLink) {
      const manager = memberLinks(await client.get(managersLink, signal))[0];
      const services = manager ? link(await client.get(manager, signal), 'LogServices') : undefined;
      if (services) {
        const logs = memberLinks(await client.get(services, signal));
        const sel = logs.find((l) => /\/(SEL|Sel|Log|IPMI)$/.test(l)) ?? logs[0];
        if (sel) logEntries = link(await client.get(sel, signal), 'Entries');
      }
    }
    found = { system, chassis, logEntries };
    return found;
  }

  return {
    kind: 'redfish',
    async sensors(signal) {
      const d = await discover(signal);
      const chassis = await client.get(d.chassis, signal);
      const sensorsLink = link(chassis, 'Sensors');
      if (sensorsLink) {
        const members = memberLinks(await client.get(sensorsLink, signal)).slice(
          0,
          MAX_SENSOR_MEMBERS,
        );
        if (members.length > 0) {
          // A few requests in flight: one TLS connection each, and BMCs are slow to answer.
          const results: (SensorResult | undefined)[] = new Array(members.length);
          let next = 0;
          const worker = async () => {
            for (let i = next++; i < members.length; i = next++)
              results[i] = parseSensor(await client.get(members[i]!, signal));
          };
          await Promise.all(
            Array.from({ length: Math.min(SENSOR_FETCH_CONCURRENCY, members.length) }, worker),
          );
          return results.filter((r): r is SensorResult => r !== undefined);
        }
      }
      const out: SensorResult[] = [];
      const thermal = link(chassis, 'Thermal');
      const power = link(chassis, 'Power');
      if (thermal) out.push(...parseThermal(await client.get(thermal, signal)));
      if (power) out.push(...parsePower(await client.get(power, signal)));
      return out;
    },
    async sel(signal, max) {
      const d = await discover(signal);
      if (!d.logEntries) return { entries: [], skipped: 0 };
      const r = parseLogEntries(await client.get(d.logEntries, signal));
      return { entries: r.entries.slice(-max), skipped: r.skipped };
    },
    async power(signal) {
      const d = await discover(signal);
      return parsePowerState(await client.get(d.system, signal));
    },
    async fru(signal) {
      const d = await discover(signal);
      return parseFruResource(await client.get(d.system, signal));
    },
    close: () => client.close(),
  };
}
