import type { ApplyResult, Driver, ParsedDesired } from '../../agent/drivers/driver.js';
import type { JsonObject, JsonValue } from '../../lib/json.js';

interface Domain {
  name: string;
  uuid: string;
  power: 'running' | 'stopped';
}

/**
 * An in-memory hypervisor inside a real test agent: it owns the `domains` key like
 * the libvirt driver, reports `libvirt.domain` objects and, when given, one OVS bridge
 * (so the scheduler sees the VM network on the host). It exercises the coordinator's
 * side — API, composition, acks, observation, status — not libvirt: the libvirt driver
 * and the VM lifecycle have their own tests against a real libvirtd
 * (test/integration/libvirt/, test/integration/vms/lifecycle-libvirt.test.ts). `failing`
 * names VMs whose apply fails as a missing kernel would.
 */
export function fakeHypervisor(o: { cpus: number; memoryMiB: number; bridge?: string }) {
  const domains = new Map<string, { name: string; state: string }>();
  const failing = new Set<string>();
  const driver: Driver<Domain[]> = {
    name: 'libvirt',
    desiredKey: 'domains',
    async inventory() {
      return {
        node: { cpus: o.cpus, memoryMiB: o.memoryMiB },
        capabilities: { domainTypes: ['kvm', 'qemu'], cpuFeatures: [] },
      };
    },
    async health() {
      return { status: 'healthy' };
    },
    async observe() {
      return {
        objects: [
          ...(o.bridge ? [{ kind: 'ovs.bridge', id: o.bridge, data: { name: o.bridge } }] : []),
          ...[...domains].map(([uuid, d]) => ({
            kind: 'libvirt.domain',
            id: uuid,
            data: { name: d.name, uuid, state: d.state, owned: true },
          })),
        ],
      };
    },
    parseDesired(raw: JsonValue | undefined): ParsedDesired<Domain[]> {
      const desired: Domain[] = [];
      for (const x of Array.isArray(raw) ? raw : []) {
        const d = (x && typeof x === 'object' && !Array.isArray(x) ? x : {}) as JsonObject;
        if (typeof d.name === 'string' && typeof d.uuid === 'string')
          desired.push({
            name: d.name,
            uuid: d.uuid,
            power: d.power === 'stopped' ? 'stopped' : 'running',
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
          results.push({ kind: 'libvirt.domain', id: uuid, ok: true, action: 'stop+undefine' });
        }
      for (const d of desired) {
        if (failing.has(d.name)) {
          results.push({
            kind: 'libvirt.domain',
            id: d.uuid,
            ok: false,
            code: 'PLINTH_E_NOT_FOUND',
            message: `${d.name}: boot.kernel does not exist`,
          });
          continue;
        }
        const state = d.power === 'running' ? 'running' : 'shutoff';
        const prev = domains.get(d.uuid);
        domains.set(d.uuid, { name: d.name, state });
        results.push({
          kind: 'libvirt.domain',
          id: d.uuid,
          ok: true,
          action: prev?.state === state ? 'noop' : d.power === 'running' ? 'define+start' : 'stop',
        });
      }
      return results;
    },
  };
  return { driver, domains, failing };
}
