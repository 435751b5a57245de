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

/** The `domains` entry the service composes for a VM (problems are the writer's concern). */
export function vmDomain(vm: ComposeVm, ctx: ComposeContext): JsonObject {
  return domainFor(vm, ctx, []);
}

const isObj = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Which VM record, if any, a base `domains` entry collides with (by uuid or by name). */
export type VmOwnerLookup = (entry: { name?: string; uuid?: string }) => string | undefined;

const entryKey = (d: unknown): { name?: string; uuid?: string } => {
  if (!isObj(d)) return {};
  return {
    ...(typeof d.name === 'string' ? { name: d.name } : {}),
    ...(typeof d.uuid === 'string' ? { uuid: d.uuid.toLowerCase() } : {}),
  };
};

/**
 * Split an operator's base document into what may be stored and what belongs to the
 * VM service: `assignments` is never the operator's, and a `domains` entry whose uuid
 * or name is a VM record's would survive that VM moving away (the agent keeps a
 * domain it has no assignment for) — two copies. The caller refuses or strips them.
 */
export function splitBase(
  base: JsonObject,
  ownerOf: VmOwnerLookup,
): { base: JsonObject; vmDomains: { vm: string; entry: string }[]; hadAssignments: boolean } {
  const out: JsonObject = { ...base };
  const hadAssignments = 'assignments' in out;
  delete out.assignments;
  const vmDomains: { vm: string; entry: string }[] = [];
  if (Array.isArray(base.domains)) {
    out.domains = base.domains.filter((d) => {
      const k = entryKey(d);
      const vm = ownerOf(k);
      if (vm !== undefined) vmDomains.push({ vm, entry: k.name ?? k.uuid ?? '?' });
      return vm === undefined;
    });
  }
  return { base: out, vmDomains, hadAssignments };
}

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
  ownerOf: VmOwnerLookup = () => undefined,
): Composed {
  const problems: Composed['problems'] = [];
  const mine = new Set(vms.flatMap((vm) => [`n:${vm.name}`, `u:${vm.uuid.toLowerCase()}`]));
  const owner: VmOwnerLookup = (k) =>
    (k.name !== undefined && mine.has(`n:${k.name}`)) ||
    (k.uuid !== undefined && mine.has(`u:${k.uuid}`))
      ? (k.name ?? k.uuid)
      : ownerOf(k);
  // Defence in depth: whatever a stored base holds, never emit a VM's domain from it.
  const { base: clean } = splitBase(base, owner);
  const spec: JsonObject = { ...clean };
  if (!manage && vms.length === 0) return { spec, problems };
  const sorted = [...vms].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const baseDomains = Array.isArray(clean.domains) ? clean.domains : [];
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
      // A VM's /32 has no route of its own in the host's RIB, so FRR's import check
      // would hold it back: announce it regardless, unless the operator's base says.
      spec.bgp = {
        ...base.bgp,
        importCheck: base.bgp.importCheck ?? false,
        prefixes,
      };
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
