import type { ApplyResult, ParsedDesired } from '../driver.js';
import { ErrorCodes } from '../../../lib/errors.js';
import type { JsonValue } from '../../../lib/json.js';
import type { BgpDesired, DesiredNeighbor, RemoteAs } from './types.js';
import {
  checkPrefix,
  isValidAsn,
  isValidDescription,
  isValidInterface,
  isValidIpv4,
  isValidIpv6,
  normaliseAddress,
} from './validate.js';

/**
 * Pure: validate the `bgp` section of the host's desired state.
 *
 *   { "asn": 65001, "routerId": "198.18.5.1",
 *     "neighbors": [ { "address": "198.18.5.2", "remoteAs": 65002, "description": "tor-1",
 *                      "bfd": true, "shutdown": false },
 *                    { "interface": "eth1", "remoteAs": "external" } ],
 *     "prefixes": [ "198.18.5.200/32" ] }
 *
 * `desired` is null when there is nothing to converge (section absent, or the instance
 * itself is invalid): then FRR is not touched at all.
 */
export type BgpParsed = ParsedDesired<BgpDesired | null>;

const INSTANCE_KEYS = new Set(['asn', 'routerId', 'importCheck', 'neighbors', 'prefixes']);
const NEIGHBOR_KEYS = new Set([
  'address',
  'interface',
  'remoteAs',
  'description',
  'bfd',
  'shutdown',
]);

function isObj(v: unknown): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(kind: string, id: string, message: string): ApplyResult {
  return { kind, id, ok: false, code: ErrorCodes.INVALID_ARGUMENT, message };
}

export function parseBgpDesired(raw: JsonValue | undefined): BgpParsed {
  if (raw === undefined || raw === null) return { desired: null, errors: [] };
  if (!isObj(raw)) {
    return { desired: null, errors: [invalid('bgp.instance', 'default', 'bgp must be an object')] };
  }
  const unknown = Object.keys(raw).filter((k) => !INSTANCE_KEYS.has(k));
  if (unknown.length > 0) {
    return {
      desired: null,
      errors: [invalid('bgp.instance', 'default', `unknown key(s) ${unknown.join(', ')} in bgp`)],
    };
  }
  if (!isValidAsn(raw.asn)) {
    return {
      desired: null,
      errors: [
        invalid(
          'bgp.instance',
          'default',
          `invalid ASN ${JSON.stringify(raw.asn)}: a whole number 1-4294967295, not 23456`,
        ),
      ],
    };
  }
  if (raw.routerId !== undefined && !isValidIpv4(raw.routerId)) {
    return {
      desired: null,
      errors: [
        invalid(
          'bgp.instance',
          'default',
          `invalid routerId ${JSON.stringify(raw.routerId)}: an IPv4 address`,
        ),
      ],
    };
  }
  if (raw.importCheck !== undefined && typeof raw.importCheck !== 'boolean') {
    return {
      desired: null,
      errors: [
        invalid(
          'bgp.instance',
          'default',
          `invalid importCheck ${JSON.stringify(raw.importCheck)}: true or false`,
        ),
      ],
    };
  }
  const errors: ApplyResult[] = [];
  const neighbors: DesiredNeighbor[] = [];
  const seen = new Set<string>();
  const rawNeighbors = raw.neighbors ?? [];
  if (!Array.isArray(rawNeighbors)) {
    errors.push(invalid('bgp.neighbor', '*', 'neighbors must be a list'));
  } else {
    rawNeighbors.forEach((n, i) => {
      const r = parseNeighbor(n, i);
      if ('error' in r) errors.push(r.error);
      else if (seen.has(r.neighbor.id)) {
        errors.push(
          invalid('bgp.neighbor', r.neighbor.id, `neighbour ${r.neighbor.id} is listed twice`),
        );
      } else {
        seen.add(r.neighbor.id);
        neighbors.push(r.neighbor);
      }
    });
  }
  const prefixes: string[] = [];
  const rawPrefixes = raw.prefixes ?? [];
  if (!Array.isArray(rawPrefixes)) {
    errors.push(invalid('bgp.prefix', '*', 'prefixes must be a list'));
  } else {
    for (const p of rawPrefixes) {
      const c = checkPrefix(p);
      if (!c.ok)
        errors.push(invalid('bgp.prefix', typeof p === 'string' ? p : JSON.stringify(p), c.reason));
      else if (!prefixes.includes(c.prefix)) prefixes.push(c.prefix);
    }
  }
  return {
    desired: {
      asn: raw.asn,
      ...(raw.routerId !== undefined ? { routerId: raw.routerId as string } : {}),
      ...(typeof raw.importCheck === 'boolean' ? { importCheck: raw.importCheck } : {}),
      neighbors,
      prefixes: prefixes.sort(),
      keep: {
        neighbors: Array.isArray(rawNeighbors) ? keptIds(errors, 'bgp.neighbor') : 'all',
        prefixes: Array.isArray(rawPrefixes) ? keptIds(errors, 'bgp.prefix') : 'all',
      },
    },
    errors,
  };
}

function keptIds(errors: ApplyResult[], kind: string): string[] {
  return errors.filter((e) => e.kind === kind).map((e) => normaliseKeptId(e.id));
}

function normaliseKeptId(id: string): string {
  if (isValidIpv4(id) || isValidIpv6(id)) return normaliseAddress(id);
  const c = checkPrefix(id);
  return c.ok ? c.prefix : id;
}

function parseNeighbor(
  n: JsonValue,
  index: number,
): { neighbor: DesiredNeighbor } | { error: ApplyResult } {
  const fail = (id: string, message: string) => ({ error: invalid('bgp.neighbor', id, message) });
  if (!isObj(n)) return fail(`#${index}`, `neighbour #${index} must be an object`);
  const hasAddr = n.address !== undefined;
  const hasIf = n.interface !== undefined;
  const rawId = hasAddr ? n.address : n.interface;
  const shownId = typeof rawId === 'string' ? rawId.slice(0, 64) : `#${index}`;
  const unknown = Object.keys(n).filter((k) => !NEIGHBOR_KEYS.has(k));
  if (unknown.length > 0) return fail(shownId, `unknown key(s) ${unknown.join(', ')}`);
  if (hasAddr === hasIf) return fail(shownId, 'give exactly one of address or interface');
  let id: string;
  let kind: DesiredNeighbor['kind'];
  if (hasAddr) {
    if (!isValidIpv4(n.address) && !isValidIpv6(n.address))
      return fail(shownId, `invalid address ${JSON.stringify(n.address)}: an IPv4 or IPv6 address`);
    id = normaliseAddress(n.address as string);
    kind = 'address';
  } else {
    if (!isValidInterface(n.interface))
      return fail(shownId, `invalid interface name ${JSON.stringify(n.interface)}`);
    id = n.interface as string;
    kind = 'interface';
  }
  let remoteAs: RemoteAs;
  if (n.remoteAs === 'external' || n.remoteAs === 'internal') remoteAs = n.remoteAs;
  else if (isValidAsn(n.remoteAs)) remoteAs = n.remoteAs;
  else
    return fail(
      id,
      `invalid remoteAs ${JSON.stringify(n.remoteAs)}: an ASN 1-4294967295, "external" or "internal"`,
    );
  const description = n.description ?? '';
  if (!isValidDescription(description))
    return fail(
      id,
      `invalid description ${JSON.stringify(description).slice(0, 80)}: up to 64 characters of letters, digits, spaces and ._:@,=+()/- (no newline or vtysh syntax)`,
    );
  for (const flag of ['bfd', 'shutdown'] as const) {
    if (n[flag] !== undefined && typeof n[flag] !== 'boolean')
      return fail(id, `${flag} must be true or false`);
  }
  return {
    neighbor: {
      id,
      kind,
      remoteAs,
      description,
      bfd: n.bfd === true,
      shutdown: n.shutdown === true,
    },
  };
}
