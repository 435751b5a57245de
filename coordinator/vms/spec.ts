import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import { isValidName } from '../../lib/names.js';
import type { PlacementRequest } from '../scheduler/types.js';
import type { Network } from './config.js';
import type { VmDiskSpec, VmFailurePolicy, VmNicSpec, VmSpec } from './types.js';

/**
 * parseVmSpec, pure: an operator's VM request (`unknown`, straight from JSON) into a
 * VmSpec. Every problem is collected and reported at once, each naming the field and
 * the fix; unknown fields are errors, since a silently ignored typo is a VM without
 * the disk or network its owner asked for.
 */

export interface SpecContext {
  networks: ReadonlyMap<string, Network>;
  defaultDomainType: 'kvm' | 'qemu';
  /** Ceph pools disks may use; undefined = Ceph not configured (only 'local' disks). */
  cephPools?: readonly string[];
}

const TOP_KEYS = [
  'name',
  'vcpus',
  'memoryMiB',
  'disks',
  'nics',
  'boot',
  'domainType',
  'cpuFeatures',
  'labels',
  'requiredLabels',
  'group',
  'onHostFailure',
];
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const PATH = /^\/[A-Za-z0-9._/+-]{1,4095}$/;
const CMDLINE = /^[A-Za-z0-9 ._,:=/+@-]{0,1024}$/;
const CPU_FEATURE = /^[a-z0-9][a-z0-9_.-]{0,31}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAX_DISKS = 20;
const MAX_NICS = 16;
/** Volume names are `<vm>-<disk>` and must still be valid libvirt object names. */
const MAX_VOLUME_NAME = 63;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

class Collector {
  readonly errors: { field: string; message: string }[] = [];
  add(field: string, message: string): void {
    this.errors.push({ field, message });
  }
  keys(o: Obj, allowed: readonly string[], where: string): void {
    for (const k of Object.keys(o))
      if (!allowed.includes(k))
        this.add(where ? `${where}.${k}` : k, `unknown field; known fields: ${allowed.join(', ')}`);
  }
  int(v: unknown, field: string, min: number, max: number, dflt?: number): number {
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.add(field, `must be a whole number from ${min} to ${max}, got ${show(v)}`);
      return min;
    }
    return v;
  }
  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[], dflt: T): T {
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.add(field, `must be one of ${allowed.join(', ')}, got ${show(v)}`);
      return dflt;
    }
    return v as T;
  }
  bool(v: unknown, field: string, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      this.add(field, `must be true or false, got ${show(v)}`);
      return dflt;
    }
    return v;
  }
  labels(v: unknown, field: string): Record<string, string> {
    if (v === undefined) return {};
    if (!isObj(v)) {
      this.add(field, `must be an object of key: value labels, got ${show(v)}`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (!isValidName('labelKey', k))
        this.add(`${field}.${k}`, 'label keys: lower-case letters, digits, . _ / - (at most 63)');
      else if (!isValidName('labelValue', val))
        this.add(
          `${field}.${k}`,
          `label value ${show(val)}: letters, digits, . _ : - (at most 63)`,
        );
      else out[k] = val;
    }
    return out;
  }
}

function parseDisk(c: Collector, raw: unknown, i: number, vmName: string, ctx: SpecContext) {
  const f = `disks[${i}]`;
  if (!isObj(raw)) {
    c.add(f, `must be an object like {"name": "root", "sizeGiB": 10}, got ${show(raw)}`);
    return undefined;
  }
  c.keys(raw, ['name', 'sizeGiB', 'pool', 'shared'], f);
  const name = raw.name === undefined ? (i === 0 ? 'root' : `disk${i}`) : raw.name;
  if (!isValidName('objectName', name)) {
    c.add(`${f}.name`, `${show(name)} is not a valid disk name: letters, digits, . _ - only`);
    return undefined;
  }
  if (vmName && `${vmName}-${name}`.length > MAX_VOLUME_NAME)
    c.add(
      `${f}.name`,
      `the volume name "${vmName}-${name}" is longer than ${MAX_VOLUME_NAME} characters: shorten the VM or disk name`,
    );
  const sizeGiB = c.int(raw.sizeGiB, `${f}.sizeGiB`, 1, 65536);
  const pool = raw.pool === undefined ? 'local' : raw.pool;
  if (!isValidName('objectName', pool)) {
    c.add(`${f}.pool`, `${show(pool)} is not "local" or a Ceph pool name`);
    return undefined;
  }
  if (pool !== 'local') {
    if (!ctx.cephPools)
      c.add(
        `${f}.pool`,
        `pool "${pool}" is not "local" and this coordinator has no Ceph configured (set vms.ceph.monitors), so use "local"`,
      );
    else if (ctx.cephPools.length > 0 && !ctx.cephPools.includes(pool))
      c.add(
        `${f}.pool`,
        `unknown Ceph pool "${pool}"; configured pools: ${ctx.cephPools.join(', ')}`,
      );
  }
  // Ceph disks are shared by nature; a local disk is shared only when the operator says so
  // (for example an image directory on shared storage).
  const shared = pool !== 'local' ? true : c.bool(raw.shared, `${f}.shared`, false);
  if (pool !== 'local' && raw.shared === false)
    c.add(`${f}.shared`, 'a Ceph disk is always shared: drop "shared": false');
  const disk: VmDiskSpec = { name, sizeGiB, pool, shared };
  return disk;
}

function parseNic(c: Collector, raw: unknown, i: number, ctx: SpecContext) {
  const f = `nics[${i}]`;
  if (!isObj(raw)) {
    c.add(f, `must be an object like {"network": "prod"}, got ${show(raw)}`);
    return undefined;
  }
  c.keys(raw, ['network', 'mac', 'announce'], f);
  const nic: VmNicSpec = { network: '' };
  if (typeof raw.network !== 'string' || !ctx.networks.has(raw.network)) {
    const known = [...ctx.networks.keys()];
    c.add(
      `${f}.network`,
      `unknown network ${show(raw.network)}; ${known.length ? `configured networks: ${known.join(', ')}` : 'none is configured (vms.networks in the coordinator config)'}`,
    );
  } else nic.network = raw.network;
  if (raw.mac !== undefined) {
    if (typeof raw.mac !== 'string' || !MAC.test(raw.mac))
      c.add(`${f}.mac`, `${show(raw.mac)} is not a MAC address like 52:54:00:12:34:56`);
    else if (parseInt(raw.mac.slice(0, 2), 16) & 1)
      c.add(`${f}.mac`, `${raw.mac} is a multicast address: the first byte must be even`);
    else nic.mac = raw.mac.toLowerCase();
  }
  if (raw.announce !== undefined) {
    const a = typeof raw.announce === 'string' ? raw.announce.replace(/\/32$/, '') : '';
    if (!IPV4.test(a))
      c.add(
        `${f}.announce`,
        `${show(raw.announce)} is not an IPv4 address or /32 like 198.18.9.10/32`,
      );
    else nic.announce = `${a}/32`;
  }
  return nic;
}

function parseBoot(c: Collector, raw: unknown): VmSpec['boot'] {
  if (raw === undefined) return undefined;
  if (!isObj(raw)) {
    c.add('boot', `must be an object like {"kernel": "/var/lib/plinth/kernels/vmlinuz"}`);
    return undefined;
  }
  c.keys(raw, ['kernel', 'initrd', 'cmdline'], 'boot');
  const path = (v: unknown, f: string) => {
    const ok =
      typeof v === 'string' &&
      PATH.test(v) &&
      v
        .slice(1)
        .split('/')
        .every((s) => s !== '' && s !== '.' && s !== '..');
    if (!ok) c.add(f, `${show(v)} is not an absolute path without . or .. segments`);
    return v as string;
  };
  const boot: NonNullable<VmSpec['boot']> = { kernel: path(raw.kernel, 'boot.kernel') };
  if (raw.initrd !== undefined) boot.initrd = path(raw.initrd, 'boot.initrd');
  if (raw.cmdline !== undefined) {
    if (typeof raw.cmdline !== 'string' || !CMDLINE.test(raw.cmdline))
      c.add('boot.cmdline', 'only letters, digits, spaces and ._,:=/+@- are allowed');
    else boot.cmdline = raw.cmdline;
  }
  return boot;
}

function parseGroup(c: Collector, raw: unknown): VmSpec['group'] {
  if (raw === undefined) return undefined;
  if (!isObj(raw)) {
    c.add('group', 'must be an object like {"name": "web", "policy": "anti-affinity"}');
    return undefined;
  }
  c.keys(raw, ['name', 'policy', 'scope', 'hard'], 'group');
  if (!isValidName('objectName', raw.name))
    c.add('group.name', `${show(raw.name)} is not a valid group name: letters, digits, . _ -`);
  if (raw.policy === undefined) c.add('group.policy', 'is required: affinity or anti-affinity');
  return {
    name: String(raw.name),
    policy: c.oneOf(raw.policy, 'group.policy', ['affinity', 'anti-affinity'] as const, 'affinity'),
    scope: c.oneOf(raw.scope, 'group.scope', ['host', 'rack'] as const, 'host'),
    hard: c.bool(raw.hard, 'group.hard', true),
  };
}

/** Throws PlinthError INVALID_ARGUMENT listing every problem (details.errors). */
export function parseVmSpec(raw: unknown, ctx: SpecContext): VmSpec {
  const c = new Collector();
  if (!isObj(raw))
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `a VM spec must be a JSON object like {"name": "web-1", "vcpus": 2, "memoryMiB": 2048}, got ${show(raw)}`,
    );
  c.keys(raw, TOP_KEYS, '');
  let name = '';
  if (!isValidName('objectName', raw.name))
    c.add(
      'name',
      `${show(raw.name)} is not a valid VM name: 1-63 of letters, digits, . _ - (starting with a letter or digit)`,
    );
  else name = raw.name;
  const vcpus = c.int(raw.vcpus, 'vcpus', 1, 1024);
  const memoryMiB = c.int(raw.memoryMiB, 'memoryMiB', 16, 16 * 1024 * 1024);
  const disks: VmDiskSpec[] = [];
  if (raw.disks !== undefined && (!Array.isArray(raw.disks) || raw.disks.length > MAX_DISKS))
    c.add('disks', `must be a list of at most ${MAX_DISKS} disks`);
  else
    for (const [i, d] of ((raw.disks as unknown[] | undefined) ?? []).entries()) {
      const disk = parseDisk(c, d, i, name, ctx);
      if (!disk) continue;
      if (disks.some((x) => x.name === disk.name))
        c.add(
          `disks[${i}].name`,
          `disk name "${disk.name}" is used twice: give each disk its own name`,
        );
      disks.push(disk);
    }
  const nics: VmNicSpec[] = [];
  if (raw.nics !== undefined && (!Array.isArray(raw.nics) || raw.nics.length > MAX_NICS))
    c.add('nics', `must be a list of at most ${MAX_NICS} NICs`);
  else
    for (const [i, n] of ((raw.nics as unknown[] | undefined) ?? []).entries()) {
      const nic = parseNic(c, n, i, ctx);
      if (nic) nics.push(nic);
    }
  const boot = parseBoot(c, raw.boot);
  if (!boot && raw.boot === undefined && disks.length === 0 && Array.isArray(raw.disks ?? []))
    c.add('disks', 'a VM needs boot.kernel or at least one disk to boot from');
  const domainType = c.oneOf(
    raw.domainType,
    'domainType',
    ['kvm', 'qemu'] as const,
    ctx.defaultDomainType,
  );
  let cpuFeatures: string[] | undefined;
  if (raw.cpuFeatures !== undefined) {
    if (
      !Array.isArray(raw.cpuFeatures) ||
      raw.cpuFeatures.some((x) => !CPU_FEATURE.test(String(x)) || typeof x !== 'string')
    )
      c.add('cpuFeatures', 'must be a list of CPU feature names like ["vmx", "avx2"]');
    else cpuFeatures = [...new Set(raw.cpuFeatures as string[])].sort();
  }
  const spec: VmSpec = {
    name,
    vcpus,
    memoryMiB,
    disks,
    nics,
    domainType,
    labels: c.labels(raw.labels, 'labels'),
    requiredLabels: c.labels(raw.requiredLabels, 'requiredLabels'),
    onHostFailure: c.oneOf<VmFailurePolicy>(
      raw.onHostFailure,
      'onHostFailure',
      ['keep', 'restart-after-fence', 'replace'],
      'keep',
    ),
  };
  if (boot) spec.boot = boot;
  if (cpuFeatures) spec.cpuFeatures = cpuFeatures;
  const group = parseGroup(c, raw.group);
  if (group) spec.group = group;
  const macs = nics.map((n) => n.mac).filter((m): m is string => !!m);
  if (new Set(macs).size !== macs.length) c.add('nics', 'two NICs have the same mac');
  if (c.errors.length) {
    const lines = c.errors.map((e) => `${e.field}: ${e.message}`);
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid VM spec${name ? ` "${name}"` : ''}:\n  - ${lines.join('\n  - ')}`,
      { errors: c.errors },
    );
  }
  return spec;
}

/** A VM can move to another host only when none of its disks lives on this host alone. */
export function localDisks(spec: VmSpec): string[] {
  return spec.disks.filter((d) => !d.shared).map((d) => d.name);
}

export function placementRequest(
  spec: VmSpec,
  dflt: 'kvm' | 'qemu',
  excludeHosts?: readonly string[],
): PlacementRequest {
  const req: PlacementRequest = {
    name: spec.name,
    vcpus: spec.vcpus,
    memoryMiB: spec.memoryMiB,
    domainType: spec.domainType ?? dflt,
    cpuFeatures: spec.cpuFeatures ?? [],
    requiredLabels: spec.requiredLabels,
    networks: [...new Set(spec.nics.map((n) => n.network))].sort(),
  };
  if (spec.group) req.group = { ...spec.group };
  if (excludeHosts?.length) req.excludeHosts = [...excludeHosts];
  return req;
}
