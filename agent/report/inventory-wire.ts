import type { JsonObject, JsonValue } from '../../lib/json.js';
import type { HostInventory__Input } from '../../proto/gen/plinth/v1/HostInventory.js';

const str = (v: JsonValue | undefined): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
const num = (v: JsonValue | undefined): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : 0;
const obj = (v: JsonValue | undefined): JsonObject =>
  v && typeof v === 'object' && !Array.isArray(v) ? v : {};
const arr = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);

/**
 * The host driver's inventory (agent/drivers/host/inventory.ts) -> the typed wire
 * message; every other driver's inventory travels as JSON under its name.
 * Defensive on purpose: a partial inventory (a probe timed out) still reports.
 */
export function inventoryToWire(
  hostname: string,
  byDriver: Record<string, JsonObject>,
): HostInventory__Input {
  const host = byDriver.host ?? {};
  const cpu = obj(host.cpu);
  const os = obj(host.os);
  const system = obj(host.system);
  const memory = obj(host.memory);
  const driversJson: Record<string, string> = {};
  for (const [name, inv] of Object.entries(byDriver))
    if (name !== 'host') driversJson[name] = JSON.stringify(inv);
  return {
    hostname: str(host.hostname) || hostname,
    cpu: {
      vendor: str(cpu.vendor),
      model: str(cpu.model),
      sockets: num(cpu.sockets),
      cores: num(cpu.cores),
      threads: num(cpu.threads),
      flags: arr(cpu.flags).map(str),
      mhz: num(cpu.mhz),
    },
    memory: { totalBytes: num(memory.totalBytes) },
    numa: arr(host.numa).map((n) => {
      const o = obj(n);
      return { id: num(o.id), cpus: str(o.cpus), memoryBytes: num(o.memoryBytes) };
    }),
    disks: arr(host.disks).map((d) => {
      const o = obj(d);
      return {
        name: str(o.name),
        sizeBytes: num(o.sizeBytes),
        model: str(o.model),
        rotational: o.rotational === true,
        type: str(o.type),
      };
    }),
    nics: arr(host.nics).map((n) => {
      const o = obj(n);
      return {
        name: str(o.name),
        mac: str(o.mac),
        speedMbps: num(o.speedMbps),
        virtual: o.virtual === true,
      };
    }),
    os: {
      distro: str(os.distro),
      release: str(os.release),
      kernel: str(os.kernel),
      arch: str(os.arch),
    },
    system: { vendor: str(system.vendor), model: str(system.model), serial: str(system.serial) },
    driversJson,
  };
}
