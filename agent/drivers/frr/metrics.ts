import { Gauge, type Registry } from 'prom-client';
import type { FrrSnapshot } from './types.js';
import { readOwnership } from './validate.js';

/**
 * plinth_bgp_* metrics. FRR's own counters (connections, prefixes) are exported as gauges
 * because FRR owns them and they reset when bgpd restarts.
 */
export interface BgpMetrics {
  update(s: FrrSnapshot | null): void;
}

export function createBgpMetrics(registry: Registry): BgpMetrics {
  const g = (name: string, help: string, labelNames: string[] = []): Gauge<string> =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const up = g('plinth_bgp_up', '1 when bgpd answers through vtysh');
  const neighbors = g('plinth_bgp_neighbors', 'Configured or dynamic BGP neighbours');
  const established = g('plinth_bgp_neighbor_established', '1 when the session is Established', [
    'neighbor',
    'owned',
  ]);
  const uptime = g('plinth_bgp_neighbor_uptime_seconds', 'Time since the session was established', [
    'neighbor',
  ]);
  const rcvd = g('plinth_bgp_neighbor_prefixes_received', 'Prefixes accepted from the neighbour', [
    'neighbor',
  ]);
  const sent = g('plinth_bgp_neighbor_prefixes_sent', 'Prefixes sent to the neighbour', [
    'neighbor',
  ]);
  const connEst = g(
    'plinth_bgp_neighbor_connections_established',
    'Sessions established with the neighbour since bgpd started',
    ['neighbor'],
  );
  const connDrop = g(
    'plinth_bgp_neighbor_connections_dropped',
    'Sessions dropped with the neighbour since bgpd started',
    ['neighbor'],
  );
  const announced = g(
    'plinth_bgp_prefixes_announced',
    'Locally originated prefixes in the BGP RIB',
  );
  const bfdUp = g('plinth_bgp_bfd_peer_up', '1 when the BFD session is up', ['peer']);

  return {
    update(s) {
      for (const m of [established, uptime, rcvd, sent, connEst, connDrop, bfdUp]) m.reset();
      if (!s) {
        up.set(0);
        return;
      }
      up.set(1);
      neighbors.set(s.neighbors.length);
      for (const n of s.neighbors) {
        const owned = readOwnership(
          s.running.neighbors.get(n.id)?.description ?? n.description,
        ).owned;
        established.set(
          { neighbor: n.id, owned: String(owned) },
          n.state === 'Established' ? 1 : 0,
        );
        uptime.set({ neighbor: n.id }, n.uptimeMs / 1000);
        rcvd.set({ neighbor: n.id }, n.prefixesReceived);
        sent.set({ neighbor: n.id }, n.prefixesSent);
        connEst.set({ neighbor: n.id }, n.connectionsEstablished);
        connDrop.set({ neighbor: n.id }, n.connectionsDropped);
      }
      announced.set(s.localRoutes.filter((r) => r.valid).length);
      for (const p of s.bfdPeers ?? []) bfdUp.set({ peer: p.peer }, p.status === 'up' ? 1 : 0);
    },
  };
}
