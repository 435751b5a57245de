import { isIPv4, isIPv6 } from 'node:net';
import { isValidName } from '../../../lib/names.js';

/**
 * Allow-lists for every value that reaches a vtysh command line. Nothing is escaped:
 * a value either matches, or the object it belongs to is rejected.
 */

/** 0 is invalid, 23456 is AS_TRANS (RFC 6793) and never a real peer AS. */
export function isValidAsn(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4294967295 && v !== 23456;
}

/** Dotted quad without leading zeros (FRR and inet_pton read `010` differently). */
export function isValidIpv4(v: unknown): v is string {
  return (
    typeof v === 'string' && /^(\d{1,3}\.){3}\d{1,3}$/.test(v) && isIPv4(v) && !/(^|\.)0\d/.test(v)
  );
}

export function isValidIpv6(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9A-Fa-f:]+$/.test(v) && isIPv6(v);
}

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function ipv6Groups(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':').map((g) => parseInt(g, 16)) : [];
  if (tail === undefined) return h;
  const t = tail ? tail.split(':').map((g) => parseInt(g, 16)) : [];
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** RFC 5952 text form, which is how FRR prints IPv6 addresses. */
export function normaliseIpv6(a: string): string {
  const g = ipv6Groups(a);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function normaliseAddress(a: string): string {
  return isValidIpv6(a) ? normaliseIpv6(a) : a;
}

export type PrefixCheck =
  { ok: true; prefix: string; afi: 'ipv4' | 'ipv6' } | { ok: false; reason: string };

/** A prefix must be a network address: `198.18.5.1/24` is a host inside a network, not one. */
export function checkPrefix(v: unknown): PrefixCheck {
  if (typeof v !== 'string') return { ok: false, reason: `expected a string like 198.18.5.200/32` };
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m) return { ok: false, reason: `${JSON.stringify(v)} is not ADDRESS/LENGTH` };
  const [, addr, lenText] = m as unknown as [string, string, string];
  const len = Number(lenText);
  if (isValidIpv4(addr)) {
    if (len > 32) return { ok: false, reason: `length ${len} is longer than 32` };
    const hostBits = 32 - len;
    const n = ipv4ToInt(addr);
    if (hostBits > 0 && n % 2 ** hostBits !== 0)
      return { ok: false, reason: `${v} is not a network address (host bits set)` };
    return { ok: true, prefix: `${addr}/${len}`, afi: 'ipv4' };
  }
  if (isValidIpv6(addr)) {
    if (len > 128) return { ok: false, reason: `length ${len} is longer than 128` };
    const bits = ipv6Groups(addr).reduce((acc, x) => (acc << 16n) | BigInt(x), 0n);
    const mask = (1n << BigInt(128 - len)) - 1n;
    if ((bits & mask) !== 0n)
      return { ok: false, reason: `${v} is not a network address (host bits set)` };
    return { ok: true, prefix: `${normaliseIpv6(addr)}/${len}`, afi: 'ipv6' };
  }
  return { ok: false, reason: `${JSON.stringify(addr)} is not an IPv4 or IPv6 address` };
}

/**
 * Descriptions end up at the end of a vtysh line. vtysh splits -c arguments on newlines
 * and treats `!`/`#` as comments and `?` as help, so only plain text is allowed.
 */
export const DESCRIPTION_RE =
  /^([A-Za-z0-9]([A-Za-z0-9 ._:@,=+()/-]{0,62}[A-Za-z0-9._:@,=+()/-])?)?$/;

export function isValidDescription(v: unknown): v is string {
  return typeof v === 'string' && DESCRIPTION_RE.test(v) && !v.includes('  ');
}

export function isValidInterface(v: unknown): v is string {
  return isValidName('ifName', v);
}

/** Route-map and peer-group names read back from the running config. */
export function isValidFrrWord(v: unknown): v is string {
  return typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v);
}

/** Neighbour ids read back from FRR before they go into a `no neighbor` command. */
export function isValidNeighborId(v: unknown): v is string {
  return isValidIpv4(v) || isValidIpv6(v) || isValidInterface(v);
}

/**
 * Ownership: a neighbour is plinth's when its description is exactly `plinth` or starts
 * with `plinth: `. Everything else is configured by hand and never touched.
 */
export const OWNER_TAG = 'plinth';
/** Network statements plinth owns carry this route-map (a permit-all map plinth creates). */
export const ANNOUNCE_ROUTE_MAP = 'PLINTH-ANNOUNCE';

export function taggedDescription(text: string): string {
  return text ? `${OWNER_TAG}: ${text}` : OWNER_TAG;
}

export function readOwnership(description: string | null): { owned: boolean; text: string | null } {
  if (description === null) return { owned: false, text: null };
  if (description === OWNER_TAG) return { owned: true, text: '' };
  if (description.startsWith(`${OWNER_TAG}: `))
    return { owned: true, text: description.slice(OWNER_TAG.length + 2) };
  return { owned: false, text: description };
}
