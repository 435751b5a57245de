import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '../../lib/json.js';
import type { Network } from './config.js';
import type { VmFailurePolicy, VmSpec } from './types.js';

/**
 * A host's desired document, pure: the operator's base document for the host plus,
 * for every VM assigned to it, a libvirt `domains` entry, its announced /32s in
 * `bgp.prefixes`, and its assignment (fence token, failure policy) under
 * `assignments`. The same input always gives the same document (VMs sorted by name),
 * so recomposing an unchanged host is recognisably a no-op.
 */

export interface ComposeVm {
  name: string;
  uuid: string;
  spec: VmSpec;
  /** Effective power on this host (a VM being moved off is 'stopped' here). */
  power: 'running' | 'stopped';
  fenceToken: number;
}

export interface ComposeContext {
  networks: ReadonlyMap<string, Network>;
  defaultDomainType: 'kvm' | 'qemu';
  restartPolicy: 'defer' | 'restart';
  ceph: { monitors: readonly string[]; user: string; secretUuid: string };
}

export interface Composed {
  spec: JsonObject;
  /** VMs whose document is incomplete on this host, with the reason (the service fails them). */
  problems: { vm: string; reason: string }[];
}

/** A locally administered unicast MAC that stays the same for a VM's NIC across moves. */
export function macFor(uuid: string, index: number): string {
  const h = createHash('sha256').update(`${uuid.toLowerCase()}/${index}`).digest();
  const b = [h[0]!, h[1]!, h[2]!].map((x) => x.toString(16).padStart(2, '0'));
  return `52:54:00:${b.join(':')}`;
}

export function volumeName(vm: string, disk: string): string {
  return `${vm}-${disk}`;
}

function domainFor(vm: ComposeVm, ctx: ComposeContext, problems: Composed['problems']): JsonObject {
  const s = vm.spec;
  const disks: JsonValue[] = s.disks.map((d): JsonValue => {
    if (d.pool === 'local') return { volume: volumeName(vm.name, d.name), sizeGiB: d.sizeGiB };
    const rbd: JsonObject = {
      pool: d.pool,
      image: volumeName(vm.name, d.name),
      monitors: [...ctx.ceph.monitors],
    };
    if (ctx.ceph.user && ctx.ceph.secretUuid) {
      rbd.username = ctx.ceph.user;
      rbd.secretUuid = ctx.ceph.secretUuid;
    }
    if (ctx.ceph.monitors.length === 0)
      problems.push({
        vm: vm.name,
        reason: `disk ${d.name} is on Ceph pool ${d.pool} but vms.ceph.monitors is empty in the coordinator config`,
      });
    return { rbd };
  });
  const nics: JsonValue[] = s.nics.map((n, i) => {
    const net = ctx.networks.get(n.network);
    if (!net) {
      problems.push({
        vm: vm.name,
        reason: `network ${n.network} is no longer in the coordinator's vms.networks config`,
      });
      return { bridge: 'missing', mac: n.mac ?? macFor(vm.uuid, i) };
    }
    const nic: JsonObject = {
      bridge: net.bridge,
      mac: n.mac ?? macFor(vm.uuid, i),
      model: 'virtio',
    };
    if (net.vlan !== undefined) nic.vlan = net.vlan;
    return nic;
  });
  const dom: JsonObject = {
    name: vm.name,
    uuid: vm.uuid,
    vcpus: s.vcpus,
    memoryMiB: s.memoryMiB,
    domainType: s.domainType ?? ctx.defaultDomainType,
    disks,
    nics,
    power: vm.power,
    restartPolicy: ctx.restartPolicy,
  };
  if (s.boot) {
    const boot: JsonObject = { kernel: s.boot.kernel };
    if (s.boot.initrd) boot.initrd = s.boot.initrd;
    if (s.boot.cmdline) boot.cmdline = s.boot.cmdline;
    dom.boot = boot;
  }
  return dom;
}

const isObj = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `manage`: the VM service owns this host's `domains` and `assignments` keys — true
 * while it has VMs, and afterwards (once a host had VMs, an empty list is what tells
 * the agent to remove the last one; a missing key would leave it alone).
 */
export function composeDesired(
  base: JsonObject,
  vms: readonly ComposeVm[],
  ctx: ComposeContext,
  manage: boolean,
): Composed {
  const problems: Composed['problems'] = [];
  const spec: JsonObject = { ...base };
  if (!manage && vms.length === 0) return { spec, problems };
  const sorted = [...vms].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const baseDomains = Array.isArray(base.domains) ? base.domains : [];
  spec.domains = [...baseDomains, ...sorted.map((vm) => domainFor(vm, ctx, problems))];
  const assignments: JsonObject = {};
  for (const vm of sorted)
    assignments[vm.uuid] = {
      name: vm.name,
      token: vm.fenceToken,
      policy: vm.spec.onHostFailure satisfies VmFailurePolicy,
    };
  spec.assignments = assignments;
  const announce = sorted.flatMap((vm) =>
    vm.power === 'running'
      ? vm.spec.nics.filter((n) => n.announce).map((n) => ({ vm: vm.name, prefix: n.announce! }))
      : [],
  );
  if (announce.length > 0) {
    if (isObj(base.bgp)) {
      const own = Array.isArray(base.bgp.prefixes) ? base.bgp.prefixes : [];
      const prefixes = [...own];
      for (const a of announce) if (!prefixes.includes(a.prefix)) prefixes.push(a.prefix);
      spec.bgp = { ...base.bgp, prefixes };
    } else {
      for (const a of announce)
        problems.push({
          vm: a.vm,
          reason: `cannot announce ${a.prefix}: this host's base desired state has no bgp section (set one with \`plinth host desired ID set\`)`,
        });
    }
  }
  return { spec, problems };
}
