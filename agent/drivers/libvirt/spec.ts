import { ErrorCodes, type ErrorCode } from '../../../lib/errors.js';
import type { JsonValue } from '../../../lib/json.js';
import { isValidName } from '../../../lib/names.js';
import type { ApplyResult, ParsedDesired } from '../driver.js';
import {
  OBJECT_KIND,
  type DesiredDomains,
  type DiskBus,
  type DiskSpec,
  type DomainSpec,
  type DomainType,
  type HostLimits,
  type NicModel,
  type NicSpec,
} from './types.js';

/**
 * parseDesired, pure: every value that reaches domain XML, a path or a libvirt call is
 * checked against an allow-list here. An invalid domain becomes one ApplyResult error
 * and is left out of the desired set, so nothing on the host changes for it.
 */

export interface SpecContext {
  defaultDomainType: DomainType;
  defaultMachine: string;
  imagePoolDir: string;
  kernelDirs: readonly string[];
  /** Known after the first observation; without it the capacity checks wait for plan. */
  host?: HostLimits;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const MACHINE = /^[a-z0-9][a-z0-9._-]{0,40}$/;
const CMDLINE = /^[A-Za-z0-9 ._,:=/+@-]{0,1024}$/;
const PATH = /^\/[A-Za-z0-9._/+-]{1,4095}$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^[0-9a-fA-F:]{2,39}$/;
const TARGET = { virtio: /^vd[a-z]$/, sata: /^sd[a-z]$/, scsi: /^sd[a-z]$/ } as const;
const MIN_MEMORY_MIB = 16;
const MAX_DISKS = 20;
const MAX_NICS = 16;

const DOMAIN_KEYS = new Set([
  'name',
  'uuid',
  'vcpus',
  'memoryMiB',
  'domainType',
  'machine',
  'boot',
  'disks',
  'nics',
  'power',
  'restartPolicy',
]);
const DISK_KEYS = new Set([
  'target',
  'bus',
  'volume',
  'sizeBytes',
  'sizeGiB',
  'path',
  'format',
  'rbd',
]);
const NIC_KEYS = new Set(['bridge', 'vlan', 'mac', 'model', 'portName']);

class SpecError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function fail(message: string, code: ErrorCode = ErrorCodes.INVALID_ARGUMENT): never {
  throw new SpecError(code, message);
}

type Obj = Record<string, JsonValue>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(o: Obj, allowed: Set<string>, where: string): void {
  for (const k of Object.keys(o))
    if (!allowed.has(k)) fail(`${where}: unknown field ${JSON.stringify(k)}`);
}

function int(v: JsonValue | undefined, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    fail(`${where} must be a whole number, got ${JSON.stringify(v)}`);
  if (v < min || v > max) fail(`${where} must be between ${min} and ${max}, got ${v}`);
  return v;
}

function oneOf<T extends string>(
  v: JsonValue | undefined,
  where: string,
  allowed: readonly T[],
  dflt: T,
): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(`${where} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** Absolute, allow-listed characters, no `.`/`..` segments, no empty segments. */
export function isSafePath(p: unknown): p is string {
  if (typeof p !== 'string' || !PATH.test(p)) return false;
  return p
    .slice(1)
    .split('/')
    .every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export function isInside(path: string, dir: string): boolean {
  const d = dir.endsWith('/') ? dir : `${dir}/`;
  return path.startsWith(d) && path.length > d.length;
}

function safePathIn(v: JsonValue | undefined, where: string, dirs: readonly string[]): string {
  if (!isSafePath(v))
    fail(
      `${where} ${JSON.stringify(v)} is not a safe absolute path (no .., no special characters)`,
    );
  if (!dirs.some((d) => isInside(v, d)))
    fail(`${where} ${JSON.stringify(v)} is outside the allowed directories ${dirs.join(', ')}`);
  return v;
}

function parseDisk(
  raw: JsonValue,
  i: number,
  ctx: SpecContext,
  reserved: Set<string>,
  assigned: Set<string>,
): DiskSpec {
  const where = `disks[${i}]`;
  if (!isObj(raw)) fail(`${where} must be an object`);
  checkKeys(raw, DISK_KEYS, where);
  const bus = oneOf<DiskBus>(raw.bus, `${where}.bus`, ['virtio', 'sata', 'scsi'], 'virtio');
  let target: string;
  if (raw.target !== undefined) {
    if (typeof raw.target !== 'string' || !TARGET[bus].test(raw.target))
      fail(`${where}.target ${JSON.stringify(raw.target)} does not fit bus ${bus}`);
    target = raw.target;
  } else {
    const prefix = bus === 'virtio' ? 'vd' : 'sd';
    const letter = [...'abcdefghijklmnopqrstuvwxyz'].find(
      (l) => !reserved.has(`${prefix}${l}`) && !assigned.has(`${prefix}${l}`),
    );
    if (!letter) fail(`${where}: no free device name`);
    target = `${prefix}${letter}`;
  }
  if (assigned.has(target)) fail(`${where}.target ${target} is used twice`);
  assigned.add(target);

  const kinds = ['volume', 'path', 'rbd'].filter((k) => raw[k] !== undefined);
  if (kinds.length !== 1) fail(`${where} needs exactly one of volume, path, rbd`);
  if (raw.volume !== undefined) {
    if (!isValidName('objectName', raw.volume))
      fail(`${where}.volume ${JSON.stringify(raw.volume)} is not a valid volume name`);
    let sizeBytes: number;
    if (raw.sizeBytes !== undefined)
      sizeBytes = int(raw.sizeBytes, `${where}.sizeBytes`, 1024 * 1024, 64 * 2 ** 40);
    else if (raw.sizeGiB !== undefined)
      sizeBytes = int(raw.sizeGiB, `${where}.sizeGiB`, 1, 65536) * 2 ** 30;
    else fail(`${where} needs sizeGiB or sizeBytes for a new volume`);
    const volume = raw.volume.endsWith('.qcow2') ? raw.volume : `${raw.volume}.qcow2`;
    return { target, bus, source: { type: 'volume', volume, sizeBytes } };
  }
  if (raw.path !== undefined) {
    const path = safePathIn(raw.path, `${where}.path`, [ctx.imagePoolDir]);
    const format = oneOf(raw.format, `${where}.format`, ['qcow2', 'raw'] as const, 'qcow2');
    return { target, bus, source: { type: 'file', path, format } };
  }
  const rbd = raw.rbd;
  if (!isObj(rbd)) fail(`${where}.rbd must be an object`);
  checkKeys(rbd, new Set(['pool', 'image', 'monitors', 'username', 'secretUuid']), `${where}.rbd`);
  if (!isValidName('objectName', rbd.pool))
    fail(`${where}.rbd.pool ${JSON.stringify(rbd.pool)} is not a valid pool name`);
  if (!isValidName('objectName', rbd.image))
    fail(`${where}.rbd.image ${JSON.stringify(rbd.image)} is not a valid image name`);
  if (!Array.isArray(rbd.monitors) || rbd.monitors.length === 0 || rbd.monitors.length > 9)
    fail(`${where}.rbd.monitors must list 1-9 "host:port" entries`);
  const monitors = rbd.monitors.map((m, j) => {
    const s = typeof m === 'string' ? m : '';
    const k = s.lastIndexOf(':');
    const host = (k > 0 ? s.slice(0, k) : s).replace(/^\[|\]$/g, '');
    const port = k > 0 ? Number(s.slice(k + 1)) : 6789;
    if (!HOST.test(host) || !Number.isInteger(port) || port < 1 || port > 65535)
      fail(`${where}.rbd.monitors[${j}] ${JSON.stringify(m)} is not host:port`);
    return { host, port };
  });
  let auth: { username: string; secretUuid: string } | undefined;
  if (rbd.username !== undefined || rbd.secretUuid !== undefined) {
    if (!isValidName('objectName', rbd.username)) fail(`${where}.rbd.username is not a valid name`);
    if (typeof rbd.secretUuid !== 'string' || !UUID.test(rbd.secretUuid))
      fail(`${where}.rbd.secretUuid must be a UUID`);
    auth = { username: rbd.username, secretUuid: rbd.secretUuid.toLowerCase() };
  }
  return {
    target,
    bus,
    source: { type: 'rbd', pool: rbd.pool, image: rbd.image, monitors, ...(auth ? { auth } : {}) },
  };
}

function parseNic(raw: JsonValue, i: number): NicSpec {
  const where = `nics[${i}]`;
  if (!isObj(raw)) fail(`${where} must be an object`);
  checkKeys(raw, NIC_KEYS, where);
  if (!isValidName('ifName', raw.bridge))
    fail(`${where}.bridge ${JSON.stringify(raw.bridge)} is not a valid bridge name`);
  const nic: NicSpec = {
    bridge: raw.bridge,
    model: oneOf<NicModel>(raw.model, `${where}.model`, ['virtio', 'e1000', 'rtl8139'], 'virtio'),
  };
  if (raw.vlan !== undefined) nic.vlan = int(raw.vlan, `${where}.vlan`, 1, 4094);
  if (raw.mac !== undefined) {
    if (typeof raw.mac !== 'string' || !MAC.test(raw.mac))
      fail(`${where}.mac ${JSON.stringify(raw.mac)} is not a MAC address`);
    const mac = raw.mac.toLowerCase();
    if (parseInt(mac.slice(0, 2), 16) & 1) fail(`${where}.mac ${mac} is a multicast address`);
    nic.mac = mac;
  }
  if (raw.portName !== undefined) {
    if (!isValidName('ifName', raw.portName) || /^(vnet|macvtap|macvlan)/.test(raw.portName)) {
      fail(
        `${where}.portName ${JSON.stringify(raw.portName)} is not a valid port name (vnet* is libvirt's)`,
      );
    }
    nic.portName = raw.portName;
  }
  return nic;
}

/** One domain; throws SpecError. */
export function parseDomain(raw: JsonValue, ctx: SpecContext): DomainSpec {
  if (!isObj(raw)) fail('a domain must be an object');
  checkKeys(raw, DOMAIN_KEYS, 'domain');
  if (!isValidName('objectName', raw.name))
    fail(
      `name ${JSON.stringify(raw.name)} is invalid: letters, digits, '.', '_', '-' only, at most 63`,
    );
  if (typeof raw.uuid !== 'string' || !UUID.test(raw.uuid))
    fail(`uuid ${JSON.stringify(raw.uuid)} is not a UUID`);
  const vcpus = int(raw.vcpus, 'vcpus', 1, 4096);
  const memoryMiB = int(raw.memoryMiB, 'memoryMiB', MIN_MEMORY_MIB, 64 * 1024 * 1024);
  checkCapacity({ vcpus, memoryMiB }, ctx.host);
  const domainType = oneOf<DomainType>(
    raw.domainType,
    'domainType',
    ['kvm', 'qemu'],
    ctx.defaultDomainType,
  );
  let machine = ctx.defaultMachine;
  if (raw.machine !== undefined) {
    if (typeof raw.machine !== 'string' || !MACHINE.test(raw.machine))
      fail(`machine ${JSON.stringify(raw.machine)} is invalid`);
    machine = raw.machine;
  }
  const spec: DomainSpec = {
    name: raw.name,
    uuid: raw.uuid.toLowerCase(),
    domainType,
    vcpus,
    memoryMiB,
    machine,
    disks: [],
    nics: [],
    power: oneOf(raw.power, 'power', ['running', 'stopped'] as const, 'running'),
    restartPolicy: oneOf(
      raw.restartPolicy,
      'restartPolicy',
      ['restart', 'defer'] as const,
      'defer',
    ),
  };
  if (raw.boot !== undefined) {
    const b = raw.boot;
    if (!isObj(b)) fail('boot must be an object');
    checkKeys(b, new Set(['kernel', 'initrd', 'cmdline']), 'boot');
    spec.boot = { kernel: safePathIn(b.kernel, 'boot.kernel', ctx.kernelDirs) };
    if (b.initrd !== undefined)
      spec.boot.initrd = safePathIn(b.initrd, 'boot.initrd', ctx.kernelDirs);
    if (b.cmdline !== undefined) {
      if (typeof b.cmdline !== 'string' || !CMDLINE.test(b.cmdline))
        fail('boot.cmdline has characters outside [A-Za-z0-9 ._,:=/+@-]');
      spec.boot.cmdline = b.cmdline;
    }
  }
  if (raw.disks !== undefined) {
    if (!Array.isArray(raw.disks) || raw.disks.length > MAX_DISKS)
      fail(`disks must be a list of at most ${MAX_DISKS}`);
    // Explicit targets are reserved first, so an automatic name never takes one asked for later.
    const reserved = new Set<string>();
    for (const d of raw.disks) if (isObj(d) && typeof d.target === 'string') reserved.add(d.target);
    const assigned = new Set<string>();
    spec.disks = raw.disks.map((d, i) => parseDisk(d, i, ctx, reserved, assigned));
  }
  if (!spec.boot && spec.disks.length === 0)
    fail('a domain needs boot.kernel or at least one disk to boot from');
  if (raw.nics !== undefined) {
    if (!Array.isArray(raw.nics) || raw.nics.length > MAX_NICS)
      fail(`nics must be a list of at most ${MAX_NICS}`);
    spec.nics = raw.nics.map(parseNic);
  }
  return spec;
}

/** A single domain can never be bigger than the host (overcommit across domains is allowed). */
export function capacityError(
  s: { vcpus: number; memoryMiB: number },
  host: HostLimits | undefined,
): string | undefined {
  if (!host) return undefined;
  if (s.vcpus > host.cpus) return `vcpus ${s.vcpus} exceeds the host's ${host.cpus} CPUs`;
  if (s.memoryMiB > host.memoryMiB)
    return `memoryMiB ${s.memoryMiB} exceeds the host's ${host.memoryMiB} MiB`;
  return undefined;
}

function checkCapacity(
  s: { vcpus: number; memoryMiB: number },
  host: HostLimits | undefined,
): void {
  const e = capacityError(s, host);
  if (e) fail(e, ErrorCodes.CAPACITY);
}

function idFor(raw: JsonValue, i: number): string {
  if (isObj(raw) && typeof raw.uuid === 'string' && UUID.test(raw.uuid))
    return raw.uuid.toLowerCase();
  if (isObj(raw) && isValidName('objectName', raw.name)) return raw.name;
  return `#${i}`;
}

export function parseDesiredDomains(
  raw: JsonValue | undefined,
  ctx: SpecContext,
): ParsedDesired<DesiredDomains> {
  const desired: DesiredDomains = new Map();
  const errors: ApplyResult[] = [];
  if (raw === undefined || raw === null) return { desired, errors };
  if (!Array.isArray(raw)) {
    errors.push({
      kind: OBJECT_KIND,
      id: '*',
      ok: false,
      code: ErrorCodes.INVALID_ARGUMENT,
      message: 'domains must be a list',
    });
    return { desired, errors };
  }
  const parsed: DomainSpec[] = [];
  raw.forEach((d, i) => {
    try {
      parsed.push(parseDomain(d, ctx));
    } catch (e) {
      const code = e instanceof SpecError ? e.code : ErrorCodes.INVALID_ARGUMENT;
      errors.push({
        kind: OBJECT_KIND,
        id: idFor(d, i),
        ok: false,
        code,
        message: (e as Error).message,
      });
    }
  });
  // Duplicates are ambiguous: neither copy is applied.
  const count = (key: (s: DomainSpec) => string) => {
    const m = new Map<string, number>();
    for (const s of parsed) m.set(key(s), (m.get(key(s)) ?? 0) + 1);
    return m;
  };
  const byUuid = count((s) => s.uuid);
  const byName = count((s) => s.name);
  const volumes = new Map<string, number>();
  for (const s of parsed)
    for (const d of s.disks)
      if (d.source.type === 'volume')
        volumes.set(d.source.volume, (volumes.get(d.source.volume) ?? 0) + 1);
  for (const s of parsed) {
    let message: string | undefined;
    if ((byUuid.get(s.uuid) ?? 0) > 1) message = `uuid ${s.uuid} is used by more than one domain`;
    else if ((byName.get(s.name) ?? 0) > 1)
      message = `name ${s.name} is used by more than one domain`;
    else {
      const shared = s.disks.find(
        (d) => d.source.type === 'volume' && (volumes.get(d.source.volume) ?? 0) > 1,
      );
      if (shared?.source.type === 'volume')
        message = `volume ${shared.source.volume} is used by more than one disk`;
    }
    if (message)
      errors.push({ kind: OBJECT_KIND, id: s.uuid, ok: false, code: ErrorCodes.CONFLICT, message });
    else desired.set(s.uuid, s);
  }
  return { desired, errors };
}
