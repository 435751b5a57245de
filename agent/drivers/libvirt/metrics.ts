import { Gauge, type Registry } from 'prom-client';
import type { DomainStats } from './parse.js';

/**
 * plinth_domain_* series from one stats pass. libvirt's counters are cumulative and
 * can reset when a guest restarts, so they are exposed as gauges of the current
 * value (as libvirt reports them); all series are rebuilt each pass, so a domain that
 * vanished leaves no stale series behind.
 */

type G = Gauge<string>;

export interface DomainMetrics {
  update(domains: { name: string; uuid: string; stats: DomainStats }[]): void;
}

export function createDomainMetrics(registry: Registry): DomainMetrics {
  const make = (name: string, help: string, extra: string[] = []): G =>
    new Gauge({ name, help, labelNames: ['name', 'uuid', ...extra], registers: [registry] });
  const g = {
    state: make(
      'plinth_domain_state',
      'libvirt domain state code (1 running, 3 paused, 5 shut off, 6 crashed)',
    ),
    cpu: make('plinth_domain_cpu_time_seconds', 'Cumulative CPU time used by the domain'),
    balloonCurrent: make(
      'plinth_domain_balloon_current_bytes',
      'Memory currently assigned to the guest by the balloon',
    ),
    balloonRss: make('plinth_domain_balloon_rss_bytes', 'Resident set size of the QEMU process'),
    rdBytes: make('plinth_domain_block_read_bytes', 'Cumulative bytes read per disk', ['device']),
    wrBytes: make('plinth_domain_block_write_bytes', 'Cumulative bytes written per disk', [
      'device',
    ]),
    rdReqs: make('plinth_domain_block_read_requests', 'Cumulative read requests per disk', [
      'device',
    ]),
    wrReqs: make('plinth_domain_block_write_requests', 'Cumulative write requests per disk', [
      'device',
    ]),
    rxBytes: make('plinth_domain_net_receive_bytes', 'Cumulative bytes received per NIC', [
      'interface',
    ]),
    txBytes: make('plinth_domain_net_transmit_bytes', 'Cumulative bytes transmitted per NIC', [
      'interface',
    ]),
    rxPackets: make('plinth_domain_net_receive_packets', 'Cumulative packets received per NIC', [
      'interface',
    ]),
    txPackets: make(
      'plinth_domain_net_transmit_packets',
      'Cumulative packets transmitted per NIC',
      ['interface'],
    ),
    rxDrops: make(
      'plinth_domain_net_receive_drops',
      'Cumulative received packets dropped per NIC',
      ['interface'],
    ),
    txDrops: make(
      'plinth_domain_net_transmit_drops',
      'Cumulative transmitted packets dropped per NIC',
      ['interface'],
    ),
  };
  return {
    update(domains) {
      for (const gauge of Object.values(g)) gauge.reset();
      for (const { name, uuid, stats: s } of domains) {
        const l = { name, uuid };
        g.state.set(l, s.state);
        if (s.cpuTimeNs !== undefined) g.cpu.set(l, s.cpuTimeNs / 1e9);
        if (s.balloonCurrentKiB !== undefined) g.balloonCurrent.set(l, s.balloonCurrentKiB * 1024);
        if (s.balloonRssKiB !== undefined) g.balloonRss.set(l, s.balloonRssKiB * 1024);
        for (const b of s.blocks) {
          const bl = { ...l, device: b.name };
          g.rdBytes.set(bl, b.rdBytes);
          g.wrBytes.set(bl, b.wrBytes);
          g.rdReqs.set(bl, b.rdReqs);
          g.wrReqs.set(bl, b.wrReqs);
        }
        for (const n of s.nets) {
          const nl = { ...l, interface: n.name };
          g.rxBytes.set(nl, n.rxBytes);
          g.txBytes.set(nl, n.txBytes);
          g.rxPackets.set(nl, n.rxPackets);
          g.txPackets.set(nl, n.txPackets);
          g.rxDrops.set(nl, n.rxDrops);
          g.txDrops.set(nl, n.txDrops);
        }
      }
    },
  };
}
