import type { DriverEvent, ObservedObject } from '../driver.js';
import type { FrrSnapshot, NeighborStatus } from './types.js';
import { ANNOUNCE_ROUTE_MAP, readOwnership } from './validate.js';

/**
 * Pure: one FRR snapshot as plinth objects. Counters and uptimes are left out of `data`
 * (they go to plinth_bgp_* metrics) so an object only changes when its state does.
 */
export function toObjects(s: FrrSnapshot): ObservedObject[] {
  const objects: ObservedObject[] = [];
  if (s.instance) {
    objects.push({
      kind: 'bgp.instance',
      id: 'default',
      data: {
        asn: s.instance.asn,
        routerId: s.instance.routerId,
        routerIdConfigured: s.running.routerId !== null,
      },
    });
  }

  const ids = new Set([...s.neighbors.map((n) => n.id), ...s.running.neighbors.keys()]);
  const status = new Map(s.neighbors.map((n) => [n.id, n]));
  for (const id of [...ids].sort()) {
    const st = status.get(id);
    const cfg = s.running.neighbors.get(id);
    const description = cfg?.description ?? st?.description ?? null;
    const own = readOwnership(description);
    const kind = cfg?.kind ?? st?.kind ?? 'address';
    objects.push({
      kind: 'bgp.neighbor',
      id,
      data: {
        ...(kind === 'interface' ? { interface: id } : { address: id }),
        remoteAs: cfg?.remoteAs ?? st?.remoteAs ?? null,
        // The AS the peer actually has (remoteAs may say `external`).
        peerAs: st?.remoteAs ?? null,
        state: st?.state ?? 'Unknown',
        established: st?.state === 'Established',
        adminShutdown: st?.adminShutdown ?? cfg?.shutdown ?? false,
        owned: own.owned,
        description: own.text,
        bfd: cfg ? cfg.bfd : (st?.bfdStatus ?? null) !== null,
        bfdStatus: st?.bfdStatus ?? null,
        peerGroup: cfg?.peerGroup ?? st?.peerGroup ?? null,
        dynamic: st?.dynamic ?? false,
        lastError: st?.lastError ?? null,
      },
    });
  }

  const routes = new Map(s.localRoutes.map((r) => [r.prefix, r]));
  const seen = new Set<string>();
  for (const n of s.running.networks) {
    seen.add(n.prefix);
    const r = routes.get(n.prefix);
    objects.push({
      kind: 'bgp.prefix',
      id: n.prefix,
      data: {
        prefix: n.prefix,
        afi: n.afi,
        source: 'network',
        owned: n.routeMap === ANNOUNCE_ROUTE_MAP,
        // import-check: a network statement is only announced while its prefix is in the RIB.
        announced: r?.valid ?? false,
      },
    });
  }
  for (const r of s.localRoutes) {
    if (seen.has(r.prefix)) continue;
    objects.push({
      kind: 'bgp.prefix',
      id: r.prefix,
      data: { prefix: r.prefix, afi: r.afi, source: 'other', owned: false, announced: r.valid },
    });
  }

  for (const p of s.bfdPeers ?? []) {
    objects.push({
      kind: 'bgp.bfd-peer',
      id: p.peer,
      data: {
        peer: p.peer,
        local: p.local,
        interface: p.interface,
        multihop: p.multihop,
        status: p.status,
        diagnostic: p.diagnostic,
        remoteDiagnostic: p.remoteDiagnostic,
        detectMultiplier: p.detectMultiplier,
        receiveIntervalMs: p.receiveIntervalMs,
        transmitIntervalMs: p.transmitIntervalMs,
      },
    });
  }
  return objects;
}

/**
 * Pure: events for sessions that came up or went down between two observations. The first
 * observation after start yields none (the agent adopts what is there, it did not happen now).
 */
export function sessionEvents(
  prev: ReadonlyMap<string, string> | null,
  neighbors: readonly NeighborStatus[],
): DriverEvent[] {
  if (prev === null) return [];
  const out: DriverEvent[] = [];
  for (const n of neighbors) {
    const before = prev.get(n.id);
    if (before === undefined || before === n.state) continue;
    const up = n.state === 'Established';
    if (!up && before !== 'Established') continue;
    out.push({
      type: 'bgp.session',
      severity: up ? 'info' : 'warning',
      message: up
        ? `BGP session with ${n.id} established`
        : `BGP session with ${n.id} lost (${n.state}${n.lastError ? `: ${n.lastError}` : ''})`,
      object: { kind: 'bgp.neighbor', id: n.id },
      data: { from: before, to: n.state, connectionsDropped: n.connectionsDropped },
    });
  }
  return out;
}
