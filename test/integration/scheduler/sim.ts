import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../../lib/log.js';
import type { HostState } from '../../../lib/model.js';
import { CoordinatorStore } from '../../../coordinator/store/store.js';

/**
 * Simulated hosts in a real coordinator store: host rows (as a Hello records them),
 * an OVS bridge object each, labels; no agents. Shared by the scheduler's
 * integration test and the placement benchmark.
 */
export interface SimHost {
  id: string;
  threads: number;
  memoryMiB: number;
  rack?: string;
  pool?: string;
  domainTypes?: string[];
  bridges?: string[];
}

export function simInventory(h: SimHost) {
  return {
    hostname: h.id,
    cpu: { vendor: 'sim', model: 'sim', threads: h.threads, flags: ['vmx', 'avx2'] },
    memory: { totalBytes: h.memoryMiB * 1024 * 1024 },
    driversJson: {
      libvirt: JSON.stringify({
        node: { cpus: h.threads, memoryMiB: h.memoryMiB },
        capabilities: { domainTypes: h.domainTypes ?? ['kvm', 'qemu'], cpuFeatures: ['vmx'] },
      }),
    },
  };
}

export async function openSimStore(prefix = 'pls-sched-'): Promise<{
  dir: string;
  path: string;
  store: CoordinatorStore;
  reopen(): CoordinatorStore;
  cleanup(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const path = join(dir, 'coordinator.db');
  const stores: CoordinatorStore[] = [];
  const open = () => {
    const s = new CoordinatorStore(path, silentLog(), Date.now);
    stores.push(s);
    return s;
  };
  return {
    dir,
    path,
    store: open(),
    reopen: open,
    async cleanup() {
      for (const s of stores) if (s.db.open) s.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** All hosts in one transaction (one fsync), as if each had said Hello. */
export function addSimHosts(store: CoordinatorStore, hosts: readonly SimHost[]): void {
  store.db.transaction(() => {
    for (const h of hosts) {
      store.recordHello(
        h.id,
        { version: 'sim', incarnation: 'sim-1', inventory: simInventory(h), appliedGeneration: 0 },
        (h.bridges ?? ['br-int']).map((b) => ({ kind: 'ovs.bridge', id: b, data: { name: b } })),
      );
      const labels: Record<string, string> = {};
      if (h.rack) labels.rack = h.rack;
      if (h.pool) labels.pool = h.pool;
      if (Object.keys(labels).length) store.setLabels(h.id, labels, []);
    }
  })();
}

/** Liveness where every host is ready unless told otherwise. */
export function simLiveness(states = new Map<string, HostState>()) {
  return { state: (id: string): HostState => states.get(id) ?? 'ready', states };
}

export function claimSums(
  store: CoordinatorStore,
): Map<string, { vcpus: number; memoryMiB: number; count: number }> {
  const rows = store.db
    .prepare(
      'SELECT host_id, SUM(vcpus) AS v, SUM(memory_mib) AS m, COUNT(*) AS n FROM claims GROUP BY host_id',
    )
    .all() as { host_id: string; v: number; m: number; n: number }[];
  return new Map(rows.map((r) => [r.host_id, { vcpus: r.v, memoryMiB: r.m, count: r.n }]));
}

/** Small seeded PRNG (mulberry32): property tests and benchmarks are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
