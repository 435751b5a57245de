import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { formatIp, formatMac } from './addr-format.js';

/**
 * Pure rtnetlink encoding and parsing (linux/rtnetlink.h, if_link.h, if_addr.h).
 * Input is one message's payload (after the nlmsghdr), as node-netlink hands it
 * over; output is plain objects. Unknown attributes are skipped, never an error:
 * newer kernels add attributes all the time.
 */

export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
} as const;

/** Multicast groups (the legacy bitmask form accepted by bind(2)). */
export const RTMGRP = {
  LINK: 0x1,
  IPV4_IFADDR: 0x10,
  IPV4_ROUTE: 0x40,
  IPV6_IFADDR: 0x100,
  IPV6_ROUTE: 0x400,
} as const;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

const IFINFOMSG_LEN = 16;
const IFADDRMSG_LEN = 8;
const RTMSG_LEN = 12;
const RTNEXTHOP_LEN = 8;

const IFLA = {
  ADDRESS: 1,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  MASTER: 10,
  OPERSTATE: 16,
  LINKINFO: 18,
  EXT_MASK: 29,
} as const;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_SLAVE_KIND = 4;
/** Leave the ~1 KiB of counters out of every link message: observe never uses them. */
const RTEXT_FILTER_SKIP_STATS = 1 << 3;

const IFA = { ADDRESS: 1, LOCAL: 2, LABEL: 3, FLAGS: 8 } as const;

const RTA = {
  DST: 1,
  SRC: 2,
  OIF: 4,
  GATEWAY: 5,
  PRIORITY: 6,
  PREFSRC: 7,
  MULTIPATH: 9,
  TABLE: 15,
  VIA: 18,
} as const;
const RTM_F_CLONED = 0x200;

const NLA_TYPE_MASK = 0x3fff; // strips NLA_F_NESTED and NLA_F_NET_BYTEORDER

const IFF = { UP: 0x1, LOOPBACK: 0x8, RUNNING: 0x40, LOWER_UP: 0x10000 } as const;

const OPERSTATES = [
  'unknown',
  'notpresent',
  'down',
  'lowerlayerdown',
  'testing',
  'dormant',
  'up',
] as const;
export type OperState = (typeof OPERSTATES)[number];

const ADDR_FLAGS: ReadonlyArray<[number, string]> = [
  [0x01, 'secondary'],
  [0x02, 'nodad'],
  [0x04, 'optimistic'],
  [0x08, 'dadfailed'],
  [0x20, 'deprecated'],
  [0x40, 'tentative'],
  [0x80, 'permanent'],
  [0x200, 'noprefixroute'],
];

const SCOPES: Record<number, string> = {
  0: 'global',
  200: 'site',
  253: 'link',
  254: 'host',
  255: 'nowhere',
};

const ROUTE_TYPES: Record<number, string> = {
  0: 'unspec',
  1: 'unicast',
  2: 'local',
  3: 'broadcast',
  4: 'anycast',
  5: 'multicast',
  6: 'blackhole',
  7: 'unreachable',
  8: 'prohibit',
  9: 'throw',
  10: 'nat',
  11: 'xresolve',
};

/** /etc/iproute2/rt_protos plus the numbers routing daemons register. */
const ROUTE_PROTOCOLS: Record<number, string> = {
  0: 'unspec',
  1: 'redirect',
  2: 'kernel',
  3: 'boot',
  4: 'static',
  8: 'gated',
  9: 'ra',
  10: 'mrt',
  11: 'zebra',
  12: 'bird',
  13: 'dnrouted',
  14: 'xorp',
  15: 'ntk',
  16: 'dhcp',
  17: 'mrouted',
  18: 'keepalived',
  42: 'babel',
  99: 'openr',
  186: 'bgp',
  187: 'isis',
  188: 'ospf',
  189: 'rip',
  192: 'eigrp',
};

export const ROUTE_TABLE_IDS: Readonly<Record<string, number>> = {
  default: 253,
  main: 254,
  local: 255,
};

export interface Attr {
  type: number;
  value: Buffer;
}

function malformed(what: string, details: Record<string, unknown>): PlinthError {
  return new PlinthError(ErrorCodes.PARSE, `malformed rtnetlink ${what}`, details);
}

/** Walks a run of struct rtattr (4-byte aligned TLVs). A truncated tail is an error. */
export function parseAttrs(buf: Buffer, start = 0, end = buf.length): Attr[] {
  const attrs: Attr[] = [];
  let off = start;
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & NLA_TYPE_MASK;
    if (len < 4 || off + len > end) {
      throw malformed('attribute', { offset: off, len, type, end });
    }
    attrs.push({ type, value: buf.subarray(off + 4, off + len) });
    off += (len + 3) & ~3;
  }
  return attrs;
}

function attrMap(attrs: Attr[]): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  // First occurrence wins; rtnetlink never repeats the attributes read here.
  for (const a of attrs) if (!m.has(a.type)) m.set(a.type, a.value);
  return m;
}

function cString(b: Buffer | undefined): string | undefined {
  if (!b) return undefined;
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul === -1 ? b.length : nul);
}

function u32(b: Buffer | undefined): number | undefined {
  return b && b.length >= 4 ? b.readUInt32LE(0) : undefined;
}

function need(payload: Buffer, len: number, what: string): void {
  if (payload.length < len) throw malformed(what, { length: payload.length, expected: len });
}

export interface LinkMsg {
  index: number;
  name: string;
  /** ARPHRD_* from ifinfomsg. */
  linkType: number;
  flags: number;
  adminUp: boolean;
  lowerUp: boolean;
  loopback: boolean;
  mtu?: number;
  operState: OperState;
  mac?: string;
  /** IFLA_INFO_KIND: 'veth', 'bridge', 'vxlan', 'openvswitch', ... Physical NICs have none. */
  kind?: string;
  /** IFLA_INFO_SLAVE_KIND: what kind of master this link is enslaved to. */
  slaveKind?: string;
  masterIndex?: number;
  /** IFLA_LINK: the lower device (vlan, macvlan) or, for veth, the peer's index. */
  linkIndex?: number;
}

export function parseLink(payload: Buffer): LinkMsg {
  need(payload, IFINFOMSG_LEN, 'ifinfomsg');
  const linkType = payload.readUInt16LE(2);
  const index = payload.readInt32LE(4);
  const flags = payload.readUInt32LE(8);
  const a = attrMap(parseAttrs(payload, IFINFOMSG_LEN));
  const name = cString(a.get(IFLA.IFNAME));
  if (name === undefined) throw malformed('link without IFLA_IFNAME', { index });
  const op = a.get(IFLA.OPERSTATE);
  const link: LinkMsg = {
    index,
    name,
    linkType,
    flags,
    adminUp: (flags & IFF.UP) !== 0,
    lowerUp: (flags & IFF.LOWER_UP) !== 0,
    loopback: (flags & IFF.LOOPBACK) !== 0,
    operState: op && op.length >= 1 ? (OPERSTATES[op.readUInt8(0)] ?? 'unknown') : 'unknown',
  };
  const mtu = u32(a.get(IFLA.MTU));
  if (mtu !== undefined) link.mtu = mtu;
  const mac = a.get(IFLA.ADDRESS);
  if (mac && mac.length > 0) link.mac = formatMac(mac);
  const master = u32(a.get(IFLA.MASTER));
  if (master) link.masterIndex = master;
  const lower = u32(a.get(IFLA.LINK));
  if (lower && lower !== index) link.linkIndex = lower;
  const info = a.get(IFLA.LINKINFO);
  if (info) {
    const ia = attrMap(parseAttrs(info));
    const kind = cString(ia.get(IFLA_INFO_KIND));
    if (kind) link.kind = kind;
    const slaveKind = cString(ia.get(IFLA_INFO_SLAVE_KIND));
    if (slaveKind) link.slaveKind = slaveKind;
  }
  return link;
}

export interface AddrMsg {
  family: 'inet' | 'inet6';
  prefixLen: number;
  index: number;
  scope: string;
  address: string;
  /** Point-to-point peer (IPv4 IFA_ADDRESS differing from IFA_LOCAL). */
  peer?: string;
  label?: string;
  flags: string[];
}

/** Returns undefined for families other than inet/inet6 (e.g. AF_MPLS never has addresses). */
export function parseAddr(payload: Buffer): AddrMsg | undefined {
  need(payload, IFADDRMSG_LEN, 'ifaddrmsg');
  const fam = payload.readUInt8(0);
  if (fam !== AF_INET && fam !== AF_INET6) return undefined;
  const prefixLen = payload.readUInt8(1);
  const shortFlags = payload.readUInt8(2);
  const scope = payload.readUInt8(3);
  const index = payload.readUInt32LE(4);
  const a = attrMap(parseAttrs(payload, IFADDRMSG_LEN));
  const local = a.get(IFA.LOCAL);
  const addr = a.get(IFA.ADDRESS);
  const primary = local ?? addr;
  if (!primary) throw malformed('address without IFA_LOCAL/IFA_ADDRESS', { index });
  // IFA_FLAGS (u32) supersedes the 8-bit ifa_flags when present.
  const flagBits = u32(a.get(IFA.FLAGS)) ?? shortFlags;
  const out: AddrMsg = {
    family: fam === AF_INET ? 'inet' : 'inet6',
    prefixLen,
    index,
    scope: SCOPES[scope] ?? String(scope),
    address: formatIp(primary),
    flags: ADDR_FLAGS.filter(([bit]) => (flagBits & bit) !== 0).map(([, n]) => n),
  };
  if (local && addr && !local.equals(addr)) out.peer = formatIp(addr);
  const label = cString(a.get(IFA.LABEL));
  if (label) out.label = label;
  return out;
}

export interface NextHop {
  gateway?: string;
  oif?: number;
  weight: number;
}

export interface RouteMsg {
  family: 'inet' | 'inet6';
  table: number;
  /** CIDR; the default route is 0.0.0.0/0 or ::/0. */
  dst: string;
  src?: string;
  tos: number;
  protocol: string;
  scope: string;
  type: string;
  gateway?: string;
  oif?: number;
  priority?: number;
  prefsrc?: string;
  /** ECMP next hops (RTA_MULTIPATH), in kernel order. */
  nexthops?: NextHop[];
  cloned: boolean;
}

/** RTA_GATEWAY is an address of the route's family; RTA_VIA carries its own family. */
function gatewayOf(m: Map<number, Buffer>): string | undefined {
  const gw = m.get(RTA.GATEWAY);
  if (gw) return formatIp(gw);
  const via = m.get(RTA.VIA);
  if (via && via.length > 2) return formatIp(via.subarray(2));
  return undefined;
}

function parseMultipath(buf: Buffer): NextHop[] {
  const hops: NextHop[] = [];
  let off = 0;
  while (off + RTNEXTHOP_LEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < RTNEXTHOP_LEN || off + len > buf.length) {
      throw malformed('rtnexthop', { offset: off, len });
    }
    const hop: NextHop = { weight: buf.readUInt8(off + 3) + 1 };
    const oif = buf.readInt32LE(off + 4);
    if (oif > 0) hop.oif = oif;
    const gw = gatewayOf(attrMap(parseAttrs(buf, off + RTNEXTHOP_LEN, off + len)));
    if (gw) hop.gateway = gw;
    hops.push(hop);
    off += (len + 3) & ~3;
  }
  return hops;
}

function zeroAddress(family: number): string {
  return family === AF_INET ? '0.0.0.0' : '::';
}

/** Returns undefined for route families plinth does not model (ipmr, mpls, bridge). */
export function parseRoute(payload: Buffer): RouteMsg | undefined {
  need(payload, RTMSG_LEN, 'rtmsg');
  const fam = payload.readUInt8(0);
  if (fam !== AF_INET && fam !== AF_INET6) return undefined;
  const dstLen = payload.readUInt8(1);
  const srcLen = payload.readUInt8(2);
  const rtmFlags = payload.readUInt32LE(8);
  const a = attrMap(parseAttrs(payload, RTMSG_LEN));
  const dst = a.get(RTA.DST);
  const route: RouteMsg = {
    family: fam === AF_INET ? 'inet' : 'inet6',
    // RTA_TABLE carries ids above 255; rtm_table then holds RT_TABLE_COMPAT.
    table: u32(a.get(RTA.TABLE)) ?? payload.readUInt8(4),
    dst: `${dst ? formatIp(dst) : zeroAddress(fam)}/${dstLen}`,
    tos: payload.readUInt8(3),
    protocol: ROUTE_PROTOCOLS[payload.readUInt8(5)] ?? String(payload.readUInt8(5)),
    scope: SCOPES[payload.readUInt8(6)] ?? String(payload.readUInt8(6)),
    type: ROUTE_TYPES[payload.readUInt8(7)] ?? String(payload.readUInt8(7)),
    cloned: (rtmFlags & RTM_F_CLONED) !== 0,
  };
  const src = a.get(RTA.SRC);
  if (src && srcLen > 0) route.src = `${formatIp(src)}/${srcLen}`;
  const gw = gatewayOf(a);
  if (gw) route.gateway = gw;
  const oif = u32(a.get(RTA.OIF));
  if (oif) route.oif = oif;
  const prio = u32(a.get(RTA.PRIORITY));
  if (prio !== undefined) route.priority = prio;
  const prefsrc = a.get(RTA.PREFSRC);
  if (prefsrc) route.prefsrc = formatIp(prefsrc);
  const mp = a.get(RTA.MULTIPATH);
  if (mp) route.nexthops = parseMultipath(mp);
  return route;
}

/** The dump requests observe() sends: AF_UNSPEC asks for every family in one dump. */
export function encodeLinkDumpRequest(): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN + 8);
  b.writeUInt16LE(8, IFINFOMSG_LEN);
  b.writeUInt16LE(IFLA.EXT_MASK, IFINFOMSG_LEN + 2);
  b.writeUInt32LE(RTEXT_FILTER_SKIP_STATS, IFINFOMSG_LEN + 4);
  return b;
}

export function encodeAddrDumpRequest(): Buffer {
  return Buffer.alloc(IFADDRMSG_LEN);
}

export function encodeRouteDumpRequest(): Buffer {
  return Buffer.alloc(RTMSG_LEN);
}

/** A GETLINK for one index (no dump): the cheapest round trip that proves the socket works. */
export function encodeLinkGetRequest(index: number): Buffer {
  const b = encodeLinkDumpRequest();
  b.writeInt32LE(index, 4);
  return b;
}

/**
 * Reads just enough of a multicast notification to tell whether it can change what
 * observe() reports: route changes in tables plinth does not watch (the local table
 * churns with every address) are ignored. Returns the table for route messages.
 */
export function routeTableOf(payload: Buffer): number | undefined {
  if (payload.length < RTMSG_LEN) return undefined;
  const fam = payload.readUInt8(0);
  if (fam !== AF_INET && fam !== AF_INET6) return undefined;
  try {
    const table = u32(attrMap(parseAttrs(payload, RTMSG_LEN)).get(RTA.TABLE));
    return table ?? payload.readUInt8(4);
  } catch {
    return payload.readUInt8(4);
  }
}
