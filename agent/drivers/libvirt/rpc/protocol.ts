import { ErrorCodes, PlinthError } from '../../../../lib/errors.js';
import { XdrReader, XdrWriter } from './xdr.js';

/**
 * libvirt's remote protocol (src/rpc/virnetprotocol.x + src/remote/remote_protocol.x),
 * only the procedures plinth uses. Pure encoders/decoders; the socket lives in client.ts.
 */

export const REMOTE_PROGRAM = 0x20008086;
export const REMOTE_PROTOCOL_VERSION = 1;
/** libvirt's VIR_NET_MESSAGE_MAX is 32 MiB; anything bigger is a broken stream. */
export const MAX_MESSAGE = 32 * 1024 * 1024 + 4;
export const HEADER_BYTES = 28; // length word + 6 header words

export const MessageType = { CALL: 0, REPLY: 1, MESSAGE: 2, STREAM: 3 } as const;
export const MessageStatus = { OK: 0, ERROR: 1, CONTINUE: 2 } as const;

export const Proc = {
  CONNECT_OPEN: 1,
  CONNECT_CLOSE: 2,
  NODE_GET_INFO: 6,
  CONNECT_GET_CAPABILITIES: 7,
  DOMAIN_CREATE: 9,
  DOMAIN_DESTROY: 12,
  DOMAIN_GET_XML_DESC: 14,
  DOMAIN_LOOKUP_BY_NAME: 23,
  DOMAIN_LOOKUP_BY_UUID: 24,
  DOMAIN_RESUME: 28,
  DOMAIN_SHUTDOWN: 33,
  DOMAIN_SUSPEND: 34,
  AUTH_LIST: 66,
  STORAGE_POOL_CREATE_XML: 76,
  STORAGE_POOL_REFRESH: 83,
  STORAGE_POOL_LOOKUP_BY_NAME: 84,
  STORAGE_VOL_CREATE_XML: 93,
  STORAGE_VOL_LOOKUP_BY_NAME: 95,
  STORAGE_VOL_GET_INFO: 98,
  DOMAIN_IS_PERSISTENT: 151,
  CONNECT_GET_LIB_VERSION: 157,
  DOMAIN_GET_STATE: 212,
  DOMAIN_UNDEFINE_FLAGS: 231,
  CONNECT_LIST_ALL_DOMAINS: 273,
  CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: 316,
  DOMAIN_EVENT_CALLBACK_LIFECYCLE: 318,
  CONNECT_GET_ALL_DOMAIN_STATS: 344,
  DOMAIN_DEFINE_XML_FLAGS: 350,
} as const;

/** virterror.h codes plinth branches on. */
export const VirErr = {
  NO_DOMAIN: 42,
  NO_STORAGE_POOL: 49,
  NO_STORAGE_VOL: 50,
  OPERATION_INVALID: 55,
} as const;

export const AuthType = { NONE: 0, SASL: 1, POLKIT: 2 } as const;
export const DomainEventId = { LIFECYCLE: 0 } as const;

export const StatsGroup = {
  STATE: 1,
  CPU_TOTAL: 2,
  BALLOON: 4,
  VCPU: 8,
  INTERFACE: 16,
  BLOCK: 32,
} as const;
/** VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT: skip what would wait behind a domain job. */
export const StatsFlags = { NOWAIT: 1 << 29 } as const;
export const DomainXmlFlags = { SECURE: 1, INACTIVE: 2 } as const;
export const PoolCreateFlags = { WITH_BUILD: 1 } as const;
export const UndefineFlags = {
  MANAGED_SAVE: 1,
  SNAPSHOTS_METADATA: 2,
  NVRAM: 4,
  CHECKPOINTS_METADATA: 16,
} as const;

export interface Header {
  prog: number;
  vers: number;
  proc: number;
  type: number;
  serial: number;
  status: number;
}

export interface DomainRef {
  name: string;
  /** 16 raw bytes. */
  uuid: Buffer;
  /** Run id; -1 when inactive. */
  id: number;
}

export interface PoolRef {
  name: string;
  uuid: Buffer;
}

export interface VolRef {
  pool: string;
  name: string;
  key: string;
}

export type TypedValue = number | bigint | boolean | string;
export interface TypedParam {
  field: string;
  value: TypedValue;
}

export interface StatsRecord {
  dom: DomainRef;
  params: TypedParam[];
}

export interface RemoteError {
  code: number;
  domain: number;
  message: string;
  level: number;
}

export interface LifecycleEvent {
  callbackId: number;
  dom: DomainRef;
  event: number;
  detail: number;
}

export interface NodeInfo {
  model: string;
  memoryKiB: bigint;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

export function encodeMessage(h: Header, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const w = new XdrWriter();
  w.uint(HEADER_BYTES + body.length)
    .uint(h.prog)
    .uint(h.vers)
    .int(h.proc)
    .int(h.type)
    .uint(h.serial)
    .int(h.status);
  return Buffer.concat([w.bytes(), body]);
}

/** Decode one whole message (length word included). */
export function decodeMessage(frame: Buffer): { header: Header; body: Buffer } {
  const r = new XdrReader(frame);
  const len = r.uint();
  if (len !== frame.length)
    throw new PlinthError(ErrorCodes.PARSE, `libvirt RPC: frame length ${len} != ${frame.length}`);
  const header: Header = {
    prog: r.uint(),
    vers: r.uint(),
    proc: r.int(),
    type: r.int(),
    serial: r.uint(),
    status: r.int(),
  };
  return { header, body: frame.subarray(HEADER_BYTES) };
}

/**
 * Split a byte stream into whole messages. Returns the messages and the unconsumed
 * tail; a length outside [HEADER_BYTES, MAX_MESSAGE] means the stream is corrupt.
 */
export function splitFrames(buf: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let off = 0;
  while (buf.length - off >= 4) {
    const len = buf.readUInt32BE(off);
    if (len < HEADER_BYTES || len > MAX_MESSAGE) {
      throw new PlinthError(ErrorCodes.PARSE, `libvirt RPC: invalid frame length ${len}`);
    }
    if (buf.length - off < len) break;
    frames.push(buf.subarray(off, off + len));
    off += len;
  }
  return { frames, rest: buf.subarray(off) };
}

// ---- shared types ----

export function writeDomain(w: XdrWriter, d: DomainRef): XdrWriter {
  return w.string(d.name).fixedOpaque(d.uuid).int(d.id);
}

export function readDomain(r: XdrReader): DomainRef {
  return { name: r.string(), uuid: r.fixedOpaque(16), id: r.int() };
}

function writePool(w: XdrWriter, p: PoolRef): XdrWriter {
  return w.string(p.name).fixedOpaque(p.uuid);
}

function readPool(r: XdrReader): PoolRef {
  return { name: r.string(), uuid: r.fixedOpaque(16) };
}

function writeVol(w: XdrWriter, v: VolRef): XdrWriter {
  return w.string(v.pool).string(v.name).string(v.key);
}

function readVol(r: XdrReader): VolRef {
  return { pool: r.string(), name: r.string(), key: r.string() };
}

export function uuidToString(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function uuidFromString(s: string): Buffer {
  const hex = s.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex))
    throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, `invalid UUID ${JSON.stringify(s)}`);
  return Buffer.from(hex, 'hex');
}

export function readTypedParam(r: XdrReader): TypedParam {
  const field = r.string();
  const type = r.int();
  let value: TypedValue;
  switch (type) {
    case 1:
      value = r.int();
      break;
    case 2:
      value = r.uint();
      break;
    case 3:
      value = r.hyper();
      break;
    case 4:
      value = r.uhyper();
      break;
    case 5:
      value = r.double();
      break;
    case 6:
      value = r.int() !== 0;
      break;
    case 7:
      value = r.string();
      break;
    default:
      throw new PlinthError(
        ErrorCodes.PARSE,
        `libvirt RPC: unknown typed parameter type ${type} for ${field}`,
      );
  }
  return { field, value };
}

export function decodeError(body: Buffer): RemoteError {
  const r = new XdrReader(body);
  const code = r.int();
  const domain = r.int();
  const message = r.optString() ?? 'unknown libvirt error';
  const level = r.int();
  // dom, str1..3, int1, int2, net follow; nothing plinth needs.
  return { code, domain, message, level };
}

// ---- procedure arguments ----

export const args = {
  connectOpen(name: string | undefined, flags = 0): Buffer {
    return new XdrWriter().optString(name).uint(flags).bytes();
  },
  listAllDomains(flags = 0): Buffer {
    return new XdrWriter().int(1).uint(flags).bytes();
  },
  domain(d: DomainRef): Buffer {
    return writeDomain(new XdrWriter(), d).bytes();
  },
  domainFlags(d: DomainRef, flags: number): Buffer {
    return writeDomain(new XdrWriter(), d).uint(flags).bytes();
  },
  lookupByUuid(uuid: Buffer): Buffer {
    return new XdrWriter().fixedOpaque(uuid).bytes();
  },
  lookupByName(name: string): Buffer {
    return new XdrWriter().string(name).bytes();
  },
  /** No `doms` = every domain; with `doms`, only those (missing ones are skipped by libvirtd). */
  allDomainStats(stats: number, flags = 0, doms: readonly DomainRef[] = []): Buffer {
    const w = new XdrWriter().uint(doms.length);
    for (const d of doms) writeDomain(w, d);
    return w.uint(stats).uint(flags).bytes();
  },
  defineXmlFlags(xml: string, flags = 0): Buffer {
    return new XdrWriter().string(xml).uint(flags).bytes();
  },
  eventRegisterAny(eventId: number): Buffer {
    return new XdrWriter().int(eventId).bool(false).bytes();
  },
  poolCreateXml(xml: string, flags = 0): Buffer {
    return new XdrWriter().string(xml).uint(flags).bytes();
  },
  poolFlags(p: PoolRef, flags = 0): Buffer {
    return writePool(new XdrWriter(), p).uint(flags).bytes();
  },
  volLookupByName(p: PoolRef, name: string): Buffer {
    return writePool(new XdrWriter(), p).string(name).bytes();
  },
  volCreateXml(p: PoolRef, xml: string, flags = 0): Buffer {
    return writePool(new XdrWriter(), p).string(xml).uint(flags).bytes();
  },
  vol(v: VolRef): Buffer {
    return writeVol(new XdrWriter(), v).bytes();
  },
};

// ---- procedure replies ----

export const ret = {
  authList(b: Buffer): number[] {
    return new XdrReader(b).array((r) => r.int(), 20);
  },
  string(b: Buffer): string {
    return new XdrReader(b).string();
  },
  uhyper(b: Buffer): bigint {
    return new XdrReader(b).uhyper();
  },
  domain(b: Buffer): DomainRef {
    return readDomain(new XdrReader(b));
  },
  pool(b: Buffer): PoolRef {
    return readPool(new XdrReader(b));
  },
  vol(b: Buffer): VolRef {
    return readVol(new XdrReader(b));
  },
  listAllDomains(b: Buffer): DomainRef[] {
    const r = new XdrReader(b);
    const doms = r.array(readDomain, 65536);
    r.uint();
    return doms;
  },
  domainState(b: Buffer): { state: number; reason: number } {
    const r = new XdrReader(b);
    return { state: r.int(), reason: r.int() };
  },
  allDomainStats(b: Buffer): StatsRecord[] {
    return new XdrReader(b).array(
      (r) => ({ dom: readDomain(r), params: r.array(readTypedParam, 1_000_000) }),
      65536,
    );
  },
  int(b: Buffer): number {
    return new XdrReader(b).int();
  },
  eventRegisterAny(b: Buffer): number {
    return new XdrReader(b).int();
  },
  volInfo(b: Buffer): { type: number; capacity: bigint; allocation: bigint } {
    const r = new XdrReader(b);
    return { type: r.int(), capacity: r.uhyper(), allocation: r.uhyper() };
  },
  nodeInfo(b: Buffer): NodeInfo {
    const r = new XdrReader(b);
    // `char model[32]` is an XDR fixed array of 32 chars, each widened to 4 bytes.
    const chars: number[] = [];
    for (let i = 0; i < 32; i++) chars.push(r.int());
    const end = chars.indexOf(0);
    const model = Buffer.from(chars.slice(0, end < 0 ? 32 : end).map((c) => c & 0xff)).toString(
      'latin1',
    );
    return {
      model,
      memoryKiB: r.uhyper(),
      cpus: r.int(),
      mhz: r.int(),
      nodes: r.int(),
      sockets: r.int(),
      cores: r.int(),
      threads: r.int(),
    };
  },
};

export function decodeLifecycleEvent(body: Buffer): LifecycleEvent {
  const r = new XdrReader(body);
  const callbackId = r.int();
  const dom = readDomain(r);
  return { callbackId, dom, event: r.int(), detail: r.int() };
}
