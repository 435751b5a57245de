import type { ApplyResult, Driver, ParsedDesired } from '../../../agent/drivers/driver.js';
import type { JsonObject, JsonValue } from '../../../lib/json.js';

interface Domain {
  name: string;
  uuid: string;
  power: 'running' | 'stopped';
}

/**
 * A stand-in for the libvirt driver inside a real test agent: it owns the `domains`
 * key, "runs" domains in memory and reports them as `libvirt.domain` objects, so
 * the coordinator's VM service sees acks and observations as from a real host. It
 * tests the coordinator's side (API, VM service, scheduler, status machine); the
 * real driver has its own integration tests against libvirtd.
 */
export function fakeLibvirt(capacity: { cpus: number; memoryMiB: number }) {
  const domains = new Map<string, { name: string; state: string }>();
  const driver: Driver<Domain[]> = {
    name: 'libvirt',
    desiredKey: 'domains',
    async inventory() {
      return {
        node: { cpus: capacity.cpus, memoryMiB: capacity.memoryMiB },
        capabilities: { domainTypes: ['kvm', 'qemu'], cpuFeatures: [] },
      };
    },
    async health() {
      return { status: 'healthy' };
    },
    async observe() {
      return {
        objects: [...domains].map(([uuid, d]) => ({
          kind: 'libvirt.domain',
          id: uuid,
          data: { name: d.name, uuid, state: d.state },
        })),
      };
    },
    parseDesired(raw: JsonValue | undefined): ParsedDesired<Domain[]> {
      const list = Array.isArray(raw) ? raw : [];
      const desired: Domain[] = [];
      for (const x of list) {
        const o = (x && typeof x === 'object' && !Array.isArray(x) ? x : {}) as JsonObject;
        if (typeof o.name === 'string' && typeof o.uuid === 'string')
          desired.push({
            name: o.name,
            uuid: o.uuid,
            power: o.power === 'stopped' ? 'stopped' : 'running',
          });
      }
      return { desired, errors: [] };
    },
    async apply(desired) {
      const results: ApplyResult[] = [];
      const want = new Set(desired.map((d) => d.uuid));
      for (const uuid of [...domains.keys()])
        if (!want.has(uuid)) {
          domains.delete(uuid);
          results.push({ kind: 'libvirt.domain', id: uuid, ok: true, action: 'undefine' });
        }
      for (const d of desired) {
        const state = d.power === 'running' ? 'running' : 'shutoff';
        const had = domains.get(d.uuid);
        domains.set(d.uuid, { name: d.name, state });
        results.push({
          kind: 'libvirt.domain',
          id: d.uuid,
          ok: true,
          action: !had
            ? 'create'
            : had.state === state
              ? 'noop'
              : d.power === 'running'
                ? 'start'
                : 'stop',
        });
      }
      return results;
    },
  };
  return { driver, domains };
}
