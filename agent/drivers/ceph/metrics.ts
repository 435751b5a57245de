import { Counter, Gauge, type Registry } from 'prom-client';
import { healthStatusValue } from './parse.js';
import type { ClusterSnapshot, LocalOsd } from './model.js';

/**
 * Ceph metrics on the agent's registry. OSD perf values are Ceph's own cumulative
 * counters, exported as gauges set from the admin socket (prom-client counters
 * can only be incremented); rate() works on them all the same.
 */
export interface CephMetrics {
  update(s: ClusterSnapshot, hostBucket: string, local: ReadonlyMap<number, LocalOsd>): void;
  cliSpawn(): void;
}

export function createCephMetrics(registry: Registry): CephMetrics {
  const registers = [registry];
  const osdLabels = ['osd', 'host', 'local'] as const;
  const up = new Gauge({
    name: 'plinth_ceph_osd_up',
    help: 'OSD is up (1) or down (0) in the OSD map',
    labelNames: osdLabels,
    registers,
  });
  const inn = new Gauge({
    name: 'plinth_ceph_osd_in',
    help: 'OSD is in (1) or out (0) of the data distribution',
    labelNames: osdLabels,
    registers,
  });
  const health = new Gauge({
    name: 'plinth_ceph_health_status',
    help: 'Cluster health: 0 HEALTH_OK, 1 HEALTH_WARN, 2 HEALTH_ERR',
    registers,
  });
  const pgs = new Gauge({
    name: 'plinth_ceph_pgs',
    help: 'Placement groups by state',
    labelNames: ['state'],
    registers,
  });
  const local = ['osd'] as const;
  const ops = new Gauge({
    name: 'plinth_ceph_osd_ops',
    help: 'Client ops served by a local OSD (cumulative, from its admin socket)',
    labelNames: local,
    registers,
  });
  const latSum = new Gauge({
    name: 'plinth_ceph_osd_op_latency_seconds_sum',
    help: 'Sum of client op latency of a local OSD (cumulative)',
    labelNames: local,
    registers,
  });
  const latCount = new Gauge({
    name: 'plinth_ceph_osd_op_latency_seconds_count',
    help: 'Client ops timed in op_latency of a local OSD (cumulative)',
    labelNames: local,
    registers,
  });
  const readBytes = new Gauge({
    name: 'plinth_ceph_osd_read_bytes',
    help: 'Bytes read by clients from a local OSD (cumulative)',
    labelNames: local,
    registers,
  });
  const writeBytes = new Gauge({
    name: 'plinth_ceph_osd_write_bytes',
    help: 'Bytes written by clients to a local OSD (cumulative)',
    labelNames: local,
    registers,
  });
  const slowOps = new Gauge({
    name: 'plinth_ceph_osd_slow_ops',
    help: 'Ops of a local OSD blocked longer than osd_op_complaint_time',
    labelNames: local,
    registers,
  });
  const running = new Gauge({
    name: 'plinth_ceph_osd_running',
    help: 'The admin socket of a local OSD answers (1) or not (0)',
    labelNames: local,
    registers,
  });
  const poolLabels = ['pool'] as const;
  const stored = new Gauge({
    name: 'plinth_ceph_pool_stored_bytes',
    help: 'Bytes stored in a pool (before replication)',
    labelNames: poolLabels,
    registers,
  });
  const objects = new Gauge({
    name: 'plinth_ceph_pool_objects',
    help: 'Objects in a pool',
    labelNames: poolLabels,
    registers,
  });
  const maxAvail = new Gauge({
    name: 'plinth_ceph_pool_max_avail_bytes',
    help: 'Bytes a pool can still store',
    labelNames: poolLabels,
    registers,
  });
  const spawns = new Counter({
    name: 'plinth_ceph_cli_spawns_total',
    help: 'ceph CLI processes spawned by the Ceph driver',
    registers,
  });

  return {
    cliSpawn: () => spawns.inc(),
    update(s, hostBucket, localOsds) {
      health.set(healthStatusValue(s.health.status));
      const dump = new Map(s.dump.osds.map((o) => [o.id, o]));
      up.reset();
      inn.reset();
      for (const t of s.tree) {
        const labels = {
          osd: String(t.id),
          host: t.host ?? '',
          local: String(t.host === hostBucket),
        };
        const d = dump.get(t.id);
        up.set(labels, (d ? d.up : t.up) ? 1 : 0);
        inn.set(labels, (d ? d.in : t.reweight > 0) ? 1 : 0);
      }
      pgs.reset();
      for (const [state, n] of Object.entries(s.status.pgsByState)) pgs.set({ state }, n);
      for (const g of [ops, latSum, latCount, readBytes, writeBytes, slowOps, running]) g.reset();
      for (const l of localOsds.values()) {
        const osd = String(l.id);
        running.set({ osd }, l.running ? 1 : 0);
        if (l.perf) {
          ops.set({ osd }, l.perf.ops);
          latSum.set({ osd }, l.perf.opLatencySumSeconds);
          latCount.set({ osd }, l.perf.opLatencyCount);
          readBytes.set({ osd }, l.perf.readBytes);
          writeBytes.set({ osd }, l.perf.writeBytes);
        }
        if (l.slowOps !== undefined) slowOps.set({ osd }, l.slowOps);
      }
      if (s.df) {
        for (const g of [stored, objects, maxAvail]) g.reset();
        for (const p of s.df.pools) {
          stored.set({ pool: p.name }, p.storedBytes);
          objects.set({ pool: p.name }, p.objects);
          maxAvail.set({ pool: p.name }, p.maxAvailBytes);
        }
      }
    },
  };
}
