import { XMLParser } from 'fast-xml-parser';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import { PLINTH_NS, type DomainStateName, type ObservedDisk, type ObservedNic } from './types.js';

/** Pure parsers for what libvirtd returns: domain XML, capabilities XML, stats. */

const ARRAYS = new Set([
  'domain.devices.disk',
  'domain.devices.interface',
  'domain.devices.disk.source.host',
  'capabilities.host.cpu.feature',
  'capabilities.host.cpu.pages',
  'capabilities.host.topology.cells.cell',
  'capabilities.host.topology.cells.cell.pages',
  'capabilities.host.topology.cells.cell.cpus.cpu',
  'capabilities.guest',
  'capabilities.guest.arch.domain',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  isArray: (_name, jpath) => ARRAYS.has(String(jpath)),
});

type Node = Record<string, unknown>;

function obj(v: unknown): Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : {};
}

function arr(v: unknown): Node[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  const t = obj(v)['#text'];
  return typeof t === 'string' || typeof t === 'number' ? String(t) : undefined;
}

function attr(v: unknown, name: string): string | undefined {
  const a = obj(v)[`@_${name}`];
  return typeof a === 'string' || typeof a === 'number' ? String(a) : undefined;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

const UNIT_KIB: Record<string, number> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  k: 1,
  kib: 1,
  kb: 1000 / 1024,
  m: 1024,
  mib: 1024,
  mb: 1e6 / 1024,
  g: 1024 * 1024,
  gib: 1024 * 1024,
  gb: 1e9 / 1024,
  t: 1024 ** 3,
  tib: 1024 ** 3,
};

/** A libvirt memory element in KiB (libvirt's default unit). */
export function memoryKiB(v: unknown): number | undefined {
  const n = num(text(v));
  if (n === undefined) return undefined;
  const unit = (attr(v, 'unit') ?? 'KiB').toLowerCase();
  const f = UNIT_KIB[unit];
  return f === undefined ? undefined : Math.round(n * f);
}

function parseXml(xml: string, root: string): Node {
  let doc: Node;
  try {
    doc = obj(parser.parse(xml));
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.PARSE,
      `libvirt ${root} XML does not parse: ${(e as Error).message}`,
    );
  }
  const r = doc[root];
  if (typeof r !== 'object' || r === null)
    throw new PlinthError(ErrorCodes.PARSE, `libvirt XML has no <${root}> root`);
  return r as Node;
}

export interface ParsedDomainXml {
  name: string;
  uuid: string;
  domainType: string;
  vcpus: number;
  memoryKiB: number;
  currentMemoryKiB: number;
  owned: boolean;
  specHash?: string;
  disks: ObservedDisk[];
  nics: ObservedNic[];
}

/** plinth owns a domain when <metadata> holds an element in plinth's namespace, whatever its prefix. */
function ownerMark(metadata: unknown): { owned: boolean; specHash?: string } {
  for (const [key, value] of Object.entries(obj(metadata))) {
    const colon = key.indexOf(':');
    if (colon <= 0 || key.slice(colon + 1) !== 'owner') continue;
    const prefix = key.slice(0, colon);
    const el = Array.isArray(value) ? value[0] : value;
    if (attr(el, `xmlns:${prefix}`) !== PLINTH_NS) continue;
    const spec = attr(el, 'spec');
    return spec ? { owned: true, specHash: spec } : { owned: true };
  }
  return { owned: false };
}

function parseDisk(d: Node): ObservedDisk {
  const type = attr(d, 'type') ?? 'unknown';
  const src = obj(d.source);
  let source = '';
  if (type === 'file') source = attr(src, 'file') ?? '';
  else if (type === 'block') source = attr(src, 'dev') ?? '';
  else if (type === 'network') source = attr(src, 'name') ?? '';
  else if (type === 'volume') source = `${attr(src, 'pool') ?? ''}/${attr(src, 'volume') ?? ''}`;
  const disk: ObservedDisk = {
    target: attr(d.target, 'dev') ?? '',
    bus: attr(d.target, 'bus') ?? '',
    device: attr(d, 'device') ?? 'disk',
    type,
    source,
  };
  const fmt = attr(d.driver, 'type');
  if (fmt) disk.format = fmt;
  return disk;
}

function parseNic(n: Node): ObservedNic {
  const nic: ObservedNic = {
    type: attr(n, 'type') ?? 'unknown',
    mac: attr(n.mac, 'address') ?? '',
    ovs: attr(n.virtualport, 'type') === 'openvswitch',
  };
  const model = attr(n.model, 'type');
  if (model) nic.model = model;
  const bridge = attr(n.source, 'bridge') ?? attr(n.source, 'network');
  if (bridge) nic.bridge = bridge;
  const port = attr(n.target, 'dev');
  if (port) nic.portName = port;
  // Several tags mean a trunk; plinth renders one (access port) and reports the first.
  const tagRaw = obj(n.vlan).tag;
  const vlan = num(attr(Array.isArray(tagRaw) ? tagRaw[0] : tagRaw, 'id'));
  if (vlan !== undefined) nic.vlan = vlan;
  return nic;
}

export function parseDomainXml(xml: string): ParsedDomainXml {
  const d = parseXml(xml, 'domain');
  const name = text(d.name);
  const uuid = text(d.uuid);
  if (!name || !uuid)
    throw new PlinthError(ErrorCodes.PARSE, 'domain XML without <name> or <uuid>');
  const devices = obj(d.devices);
  const mark = ownerMark(d.metadata);
  const vcpu = d.vcpu;
  return {
    name,
    uuid: uuid.toLowerCase(),
    domainType: attr(d, 'type') ?? 'unknown',
    vcpus: num(attr(vcpu, 'current')) ?? num(text(vcpu)) ?? 0,
    memoryKiB: memoryKiB(d.memory) ?? 0,
    currentMemoryKiB: memoryKiB(d.currentMemory) ?? memoryKiB(d.memory) ?? 0,
    owned: mark.owned,
    ...(mark.specHash ? { specHash: mark.specHash } : {}),
    disks: arr(devices.disk).map(parseDisk),
    nics: arr(devices.interface).map(parseNic),
  };
}

export interface Capabilities extends JsonObject {
  arch: string;
  cpuModel: string;
  cpuVendor: string;
  cpuFeatures: string[];
  topology: { sockets: number; cores: number; threads: number };
  numaCells: {
    id: number;
    memoryKiB: number;
    cpus: number;
    hugepages: { sizeKiB: number; count: number }[];
  }[];
  hugepageSizesKiB: number[];
  domainTypes: string[];
}

export function parseCapabilities(xml: string): Capabilities {
  const c = parseXml(xml, 'capabilities');
  const host = obj(c.host);
  const cpu = obj(host.cpu);
  const topo = obj(cpu.topology);
  const pageKiB = (p: Node) =>
    memoryKiB({ '#text': attr(p, 'size') ?? '', '@_unit': attr(p, 'unit') ?? 'KiB' }) ?? 0;
  const types = new Set<string>();
  for (const g of arr(c.guest))
    for (const d of arr(obj(g.arch).domain)) if (attr(d, 'type')) types.add(attr(d, 'type')!);
  return {
    arch: text(cpu.arch) ?? '',
    cpuModel: text(cpu.model) ?? '',
    cpuVendor: text(cpu.vendor) ?? '',
    cpuFeatures: arr(cpu.feature)
      .map((f) => attr(f, 'name') ?? '')
      .filter(Boolean)
      .sort(),
    topology: {
      sockets: num(attr(topo, 'sockets')) ?? 0,
      cores: num(attr(topo, 'cores')) ?? 0,
      threads: num(attr(topo, 'threads')) ?? 0,
    },
    numaCells: arr(obj(obj(host.topology).cells).cell).map((cell) => ({
      id: num(attr(cell, 'id')) ?? 0,
      memoryKiB: memoryKiB(cell.memory) ?? 0,
      cpus: arr(obj(cell.cpus).cpu).length,
      hugepages: arr(cell.pages)
        .map((p) => ({ sizeKiB: pageKiB(p), count: num(text(p)) ?? 0 }))
        .filter((p) => p.sizeKiB > 4),
    })),
    hugepageSizesKiB: arr(cpu.pages)
      .map(pageKiB)
      .filter((s) => s > 4),
    domainTypes: [...types].sort(),
  };
}

// ---- states and events ----

const STATES: DomainStateName[] = [
  'nostate',
  'running',
  'blocked',
  'paused',
  'shutdown',
  'shutoff',
  'crashed',
  'pmsuspended',
];
const REASONS: Record<DomainStateName, string[]> = {
  nostate: ['unknown'],
  running: [
    'unknown',
    'booted',
    'migrated',
    'restored',
    'from_snapshot',
    'unpaused',
    'migration_canceled',
    'save_canceled',
    'wakeup',
    'crashed',
    'postcopy',
    'postcopy_failed',
  ],
  blocked: ['unknown'],
  paused: [
    'unknown',
    'user',
    'migration',
    'save',
    'dump',
    'ioerror',
    'watchdog',
    'from_snapshot',
    'shutting_down',
    'snapshot',
    'crashed',
    'starting_up',
    'postcopy',
    'postcopy_failed',
    'api_error',
  ],
  shutdown: ['unknown', 'user'],
  shutoff: [
    'unknown',
    'shutdown',
    'destroyed',
    'crashed',
    'migrated',
    'saved',
    'failed',
    'from_snapshot',
    'daemon',
  ],
  crashed: ['unknown', 'panicked'],
  pmsuspended: ['unknown'],
};

export function stateName(state: number): DomainStateName {
  return STATES[state] ?? 'nostate';
}

export function reasonName(state: number, reason: number): string {
  return REASONS[stateName(state)][reason] ?? `reason-${reason}`;
}

const EVENTS = [
  'defined',
  'undefined',
  'started',
  'suspended',
  'resumed',
  'stopped',
  'shutdown',
  'pmsuspended',
  'crashed',
] as const;
const EVENT_DETAILS: Record<string, string[]> = {
  defined: ['added', 'updated', 'renamed', 'from_snapshot'],
  undefined: ['removed', 'renamed'],
  started: ['booted', 'migrated', 'restored', 'from_snapshot', 'wakeup'],
  suspended: [
    'paused',
    'migrated',
    'ioerror',
    'watchdog',
    'restored',
    'from_snapshot',
    'api_error',
    'postcopy',
    'postcopy_failed',
  ],
  resumed: ['unpaused', 'migrated', 'from_snapshot', 'postcopy', 'postcopy_failed'],
  stopped: ['shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from_snapshot'],
  shutdown: ['finished', 'guest', 'host'],
  pmsuspended: ['memory', 'disk'],
  crashed: ['panicked', 'crashloaded'],
};

export interface LifecycleInfo {
  /** plinth's name: started, stopped, crashed, shutdown, defined, undefined, … */
  event: string;
  detail: string;
  severity: 'info' | 'warning' | 'critical';
}

/**
 * A QEMU that dies under libvirt (killed, OOM, segfault) shows as stopped/failed or
 * stopped/crashed: plinth reports both as `crashed`, like a guest panic.
 */
export function lifecycleInfo(event: number, detail: number): LifecycleInfo {
  const name = EVENTS[event] ?? `event-${event}`;
  const det = EVENT_DETAILS[name]?.[detail] ?? `detail-${detail}`;
  if (name === 'crashed' || (name === 'stopped' && (det === 'failed' || det === 'crashed'))) {
    return { event: 'crashed', detail: det, severity: 'critical' };
  }
  return {
    event: name,
    detail: det,
    severity: name === 'stopped' && det === 'destroyed' ? 'warning' : 'info',
  };
}

// ---- stats ----

export type StatValue = number | string | boolean;

export interface BlockStats {
  name: string;
  path?: string;
  rdBytes: number;
  rdReqs: number;
  wrBytes: number;
  wrReqs: number;
  capacityBytes?: number;
}

export interface NetStats {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txDrops: number;
}

export interface DomainStats {
  state: number;
  reason: number;
  cpuTimeNs?: number;
  balloonCurrentKiB?: number;
  balloonRssKiB?: number;
  blocks: BlockStats[];
  nets: NetStats[];
}

/** From libvirt's flat typed parameters (`block.0.rd.bytes` …) to a structure. */
export function statsFromParams(p: ReadonlyMap<string, StatValue>): DomainStats {
  const n = (k: string): number | undefined => {
    const v = p.get(k);
    return typeof v === 'number' ? v : undefined;
  };
  const s = (k: string): string | undefined => {
    const v = p.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const blocks: BlockStats[] = [];
  for (let i = 0; i < Math.min(n('block.count') ?? 0, 1024); i++) {
    const b = `block.${i}.`;
    const blk: BlockStats = {
      name: s(`${b}name`) ?? `block${i}`,
      rdBytes: n(`${b}rd.bytes`) ?? 0,
      rdReqs: n(`${b}rd.reqs`) ?? 0,
      wrBytes: n(`${b}wr.bytes`) ?? 0,
      wrReqs: n(`${b}wr.reqs`) ?? 0,
    };
    const path = s(`${b}path`);
    if (path) blk.path = path;
    const cap = n(`${b}capacity`);
    if (cap !== undefined) blk.capacityBytes = cap;
    blocks.push(blk);
  }
  const nets: NetStats[] = [];
  for (let i = 0; i < Math.min(n('net.count') ?? 0, 1024); i++) {
    const b = `net.${i}.`;
    nets.push({
      name: s(`${b}name`) ?? `net${i}`,
      rxBytes: n(`${b}rx.bytes`) ?? 0,
      rxPackets: n(`${b}rx.pkts`) ?? 0,
      rxDrops: n(`${b}rx.drop`) ?? 0,
      txBytes: n(`${b}tx.bytes`) ?? 0,
      txPackets: n(`${b}tx.pkts`) ?? 0,
      txDrops: n(`${b}tx.drop`) ?? 0,
    });
  }
  const out: DomainStats = {
    state: n('state.state') ?? 0,
    reason: n('state.reason') ?? 0,
    blocks,
    nets,
  };
  const cpu = n('cpu.time');
  if (cpu !== undefined) out.cpuTimeNs = cpu;
  const cur = n('balloon.current');
  if (cur !== undefined) out.balloonCurrentKiB = cur;
  const rss = n('balloon.rss');
  if (rss !== undefined) out.balloonRssKiB = rss;
  return out;
}

/** `virsh domstats --raw` text: "Domain: 'name'" then indented key=value lines. */
export function parseDomstatsText(text: string): Map<string, Map<string, StatValue>> {
  const out = new Map<string, Map<string, StatValue>>();
  let cur: Map<string, StatValue> | undefined;
  for (const line of text.split('\n')) {
    const head = /^Domain: '(.*)'\s*$/.exec(line);
    if (head) {
      cur = new Map();
      out.set(head[1]!, cur);
      continue;
    }
    const kv = /^\s+([^=\s]+)=(.*)$/.exec(line);
    if (kv && cur) {
      const v = kv[2]!;
      cur.set(kv[1]!, /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
    }
  }
  return out;
}
