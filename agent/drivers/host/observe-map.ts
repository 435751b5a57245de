import type { JsonObject } from '../../../lib/json.js';
import type { Condition, ObservedObject } from '../driver.js';
import { tableName, tableWanted, type TableFilter } from './config.js';
import {
  RTM,
  parseAddr,
  parseLink,
  parseRoute,
  routeTableOf,
  type AddrMsg,
  type LinkMsg,
  type RouteMsg,
} from './rtnetlink-parse.js';

/**
 * Pure mapping from parsed rtnetlink dumps to observed objects. Only state goes in,
 * never counters or lifetimes: the agent diffs consecutive passes, and a field that
 * changes on its own would turn every pass into a delta.
 */

export interface RawMessage {
  type: number;
  payload: Buffer;
}

export interface NetState {
  links: LinkMsg[];
  addrs: AddrMsg[];
  routes: RouteMsg[];
}

/** Parses the three dumps; messages of other types (a stray notification) are ignored. */
export function parseDumps(
  links: readonly RawMessage[],
  addrs: readonly RawMessage[],
  routes: readonly RawMessage[],
): NetState {
  const out: NetState = { links: [], addrs: [], routes: [] };
  for (const m of links) if (m.type === RTM.NEWLINK) out.links.push(parseLink(m.payload));
  for (const m of addrs) {
    if (m.type !== RTM.NEWADDR) continue;
    const a = parseAddr(m.payload);
    if (a) out.addrs.push(a);
  }
  for (const m of routes) {
    if (m.type !== RTM.NEWROUTE) continue;
    const r = parseRoute(m.payload);
    if (r) out.routes.push(r);
  }
  return out;
}

function nameOf(names: ReadonlyMap<number, string>, index: number): string {
  // A link can vanish between the link dump and the address/route dumps.
  return names.get(index) ?? `if${index}`;
}

export function linkObject(l: LinkMsg, names: ReadonlyMap<number, string>): ObservedObject {
  const data: JsonObject = {
    index: l.index,
    mtu: l.mtu ?? null,
    operState: l.operState,
    adminUp: l.adminUp,
    carrier: l.lowerUp,
    mac: l.mac ?? null,
  };
  if (l.kind) data.kind = l.kind;
  if (l.masterIndex) data.master = nameOf(names, l.masterIndex);
  if (l.linkIndex) data.lowerIndex = l.linkIndex;
  return { kind: 'host.link', id: l.name, data };
}

export function addressObject(a: AddrMsg, names: ReadonlyMap<number, string>): ObservedObject {
  const link = nameOf(names, a.index);
  const data: JsonObject = {
    link,
    family: a.family,
    address: a.address,
    prefixLen: a.prefixLen,
    scope: a.scope,
    flags: a.flags,
  };
  if (a.peer) data.peer = a.peer;
  if (a.label && a.label !== link) data.label = a.label;
  return { kind: 'host.address', id: `${link}/${a.address}/${a.prefixLen}`, data };
}

/** iproute2-like and stable: table, type, destination, next hops, metric. */
export function routeId(r: RouteMsg, names: ReadonlyMap<number, string>): string {
  const parts = [tableName(r.table)];
  if (r.type !== 'unicast') parts.push(r.type);
  parts.push(r.dst);
  if (r.src) parts.push(`from ${r.src}`);
  if (r.tos) parts.push(`tos ${r.tos}`);
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.oif) parts.push(`dev ${nameOf(names, r.oif)}`);
  for (const h of r.nexthops ?? []) {
    parts.push(
      `nexthop${h.gateway ? ` via ${h.gateway}` : ''}${h.oif ? ` dev ${nameOf(names, h.oif)}` : ''}`,
    );
  }
  if (r.priority !== undefined) parts.push(`metric ${r.priority}`);
  return parts.join(' ');
}

export function routeObject(r: RouteMsg, names: ReadonlyMap<number, string>): ObservedObject {
  const data: JsonObject = {
    family: r.family,
    table: tableName(r.table),
    type: r.type,
    dst: r.dst,
    protocol: r.protocol,
    scope: r.scope,
    metric: r.priority ?? 0,
  };
  if (r.src) data.src = r.src;
  if (r.gateway) data.gateway = r.gateway;
  if (r.oif) data.dev = nameOf(names, r.oif);
  if (r.prefsrc) data.prefsrc = r.prefsrc;
  if (r.nexthops) {
    data.nexthops = r.nexthops.map((h) => {
      const o: JsonObject = { weight: h.weight };
      if (h.gateway) o.gateway = h.gateway;
      if (h.oif) o.dev = nameOf(names, h.oif);
      return o;
    });
  }
  return { kind: 'host.route', id: routeId(r, names), data };
}

/** Ids must be unique within a kind; a second identical route (rare) gets a suffix. */
function uniqueIds(objs: ObservedObject[]): ObservedObject[] {
  const seen = new Map<string, number>();
  return objs.map((o) => {
    const n = (seen.get(o.id) ?? 0) + 1;
    seen.set(o.id, n);
    return n === 1 ? o : { ...o, id: `${o.id} #${n}` };
  });
}

export interface BuiltObservation {
  objects: ObservedObject[];
  /** Routes in the watched tables that were not reported because of maxRoutes. */
  droppedRoutes: number;
}

export function buildObjects(
  state: NetState,
  tables: TableFilter,
  maxRoutes = Number.POSITIVE_INFINITY,
): BuiltObservation {
  const names = new Map(state.links.map((l) => [l.index, l.name]));
  const links = state.links.map((l) => linkObject(l, names));
  const addrs = state.addrs.map((a) => addressObject(a, names));
  const wanted = state.routes.filter((r) => !r.cloned && tableWanted(tables, r.table));
  const routes = wanted.slice(0, maxRoutes).map((r) => routeObject(r, names));
  return {
    objects: [...uniqueIds(links), ...uniqueIds(addrs), ...uniqueIds(routes)],
    droppedRoutes: wanted.length - routes.length,
  };
}

/** Always present, so the agent sees it clear again when the table shrinks. */
export function routesTruncatedCondition(dropped: number, maxRoutes: number): Condition {
  return dropped > 0
    ? {
        type: 'host.routes-truncated',
        status: true,
        reason: 'TooManyRoutes',
        message: `${dropped} routes beyond drivers.host.maxRoutes=${maxRoutes} are not reported; narrow drivers.host.routeTables or raise maxRoutes`,
      }
    : { type: 'host.routes-truncated', status: false, reason: 'WithinLimit', message: '' };
}

/**
 * Whether a multicast notification can change what observe() reports. Events only
 * mark the driver dirty (level-triggered); this just avoids re-dumping for churn in
 * tables nobody watches.
 */
export function eventMatters(type: number, payload: Buffer, tables: TableFilter): boolean {
  switch (type) {
    case RTM.NEWLINK:
    case RTM.DELLINK:
    case RTM.NEWADDR:
    case RTM.DELADDR:
      return true;
    case RTM.NEWROUTE:
    case RTM.DELROUTE: {
      const table = routeTableOf(payload);
      return table !== undefined && tableWanted(tables, table);
    }
    default:
      return false;
  }
}
