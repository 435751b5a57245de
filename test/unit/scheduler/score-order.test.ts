import t from 'tap';
import { CapacityIndex } from '../../../coordinator/scheduler/capacity-index.js';
import { placeIndexed } from '../../../coordinator/scheduler/place.js';
import type {
  GroupPolicy,
  HostCapacity,
  PlacementRequest,
  SchedulerSnapshot,
} from '../../../coordinator/scheduler/types.js';
import { prng } from '../../integration/scheduler/sim.js';
import { host, int, pick, request, snap, type Rnd } from './fixtures.js';

/**
 * The ordered hot path (score-order.ts) against the full scan, on one live index
 * the way the engine drives it: claims and releases adjust usage between
 * placements, and a host's facts are sometimes replaced. Every placement of both
 * must be identical (chosen host, score, verdict, filter summary).
 */

function cluster(r: Rnd): SchedulerSnapshot {
  const n = int(r, 1, 120);
  const racks = int(r, 0, 6);
  // Uniform clusters make many exact ties (the lowest id must still win), and often
  // no host fails a static filter (the summary's sparse path).
  const uniform = r() < 0.4;
  const hosts: HostCapacity[] = [];
  for (let k = 0; k < n; k++) {
    const rack = racks === 0 || r() < 0.1 ? '' : `r${int(r, 1, racks)}`;
    hosts.push(
      host(`h${String(k).padStart(3, '0')}`, {
        state: uniform || r() < 0.95 ? 'ready' : 'suspect',
        cordoned: !uniform && r() < 0.03,
        warnings: uniform ? 0 : r() < 0.2 ? int(r, 1, 3) : 0,
        rack,
        labels: { ...(rack ? { rack } : {}), ...(r() < 0.5 ? { zone: pick(r, ['a', 'b']) } : {}) },
        pool: pick(r, ['default', 'batch']),
        cpuThreads: uniform ? 16 : pick(r, [0, 2, 4, 8, 16, 32]),
        memoryMiB: uniform ? 32768 : pick(r, [0, 4096, 8192, 16384, 65536]),
        reservedCores: uniform ? 0 : pick(r, [0, 0, 1]),
        reservedMemoryMiB: uniform ? 512 : pick(r, [0, 512, 1024]),
        cpuRatio: uniform ? 4 : pick(r, [1, 1.5, 2, 4]),
        networks: new Set(r() < 0.9 ? ['prod', 'storage'] : ['prod']),
      }),
    );
  }
  const w = () => (r() < 0.15 ? 0 : r() * 3);
  return snap(hosts, {
    pools: { default: { strategy: 'spread' }, batch: { strategy: pick(r, ['pack', 'spread']) } },
    weights: { strategy: w(), rackBalance: w(), warnings: w(), groupSoft: w() },
  });
}

function group(r: Rnd): GroupPolicy | undefined {
  const x = r();
  if (x < 0.5) return undefined;
  const k = int(r, 0, 3);
  if (x < 0.7) return { name: `anti${k}`, policy: 'anti-affinity', scope: 'host', hard: true };
  if (x < 0.78) return { name: `antirack${k}`, policy: 'anti-affinity', scope: 'rack', hard: true };
  if (x < 0.84) return { name: `aff${k}`, policy: 'affinity', scope: 'host', hard: true };
  return {
    name: `soft${k}`,
    policy: pick(r, ['affinity', 'anti-affinity'] as const),
    scope: pick(r, ['host', 'rack'] as const),
    hard: false,
  };
}

function req(r: Rnd, k: number, ids: string[]): PlacementRequest {
  return request({
    name: `vm${k}`,
    vcpus: pick(r, [1, 1, 2, 4, 8, 16]),
    memoryMiB: pick(r, [512, 1024, 2048, 4096, 8192]),
    domainType: r() < 0.95 ? 'kvm' : 'xen',
    requiredLabels: r() < 0.1 ? { zone: pick(r, ['a', 'b']) } : {},
    networks: r() < 0.1 ? ['prod', 'storage'] : ['prod'],
    group: group(r),
    excludeHosts: r() < 0.1 && ids.length ? [pick(r, ids)] : [],
  });
}

const SEEDS = Number(process.env.PLINTH_PROPERTY_SEEDS ?? 150);

t.test('the ordered path chooses exactly what the full scan chooses', async (t) => {
  let compared = 0;
  let placed = 0;
  let rejected = 0;
  let mismatches = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = prng(seed * 104729);
    const s0 = cluster(r);
    const idx = new CapacityIndex(s0);
    const ids = idx.hosts.map((h) => h.id);
    const live: { i: number; q: PlacementRequest }[] = [];
    const steps = int(r, 30, 200);
    for (let k = 0; k < steps; k++) {
      // Now and then release a claim, or give a host new facts (both move the order).
      if (live.length && r() < 0.15) {
        const { i, q } = live.splice(int(r, 0, live.length - 1), 1)[0]!;
        idx.adjust(i, q.vcpus, q.memoryMiB, q.group?.name ?? '', -1);
        continue;
      }
      if (r() < 0.05) {
        const i = int(r, 0, idx.n - 1);
        const h = idx.current(i);
        idx.replaceHost(i, {
          ...h,
          warnings: int(r, 0, 2),
          cordoned: r() < 0.1,
          cpuThreads: pick(r, [h.cpuThreads, 4, 32]),
          memoryMiB: pick(r, [h.memoryMiB, 8192, 65536]),
          cpuRatio: pick(r, [h.cpuRatio, 1, 2]),
          pool: pick(r, [h.pool, h.pool, 'default', 'batch']),
        });
      }
      const q = req(r, k, ids);
      const fast = placeIndexed(idx, q, { detail: 'summary' });
      const full = placeIndexed(idx, q, { detail: 'summary', ordered: false });
      compared++;
      if (JSON.stringify(fast) !== JSON.stringify(full)) {
        mismatches++;
        if (mismatches <= 5)
          t.fail(
            `seed ${seed} step ${k}: ordered ${fast.hostId} ${fast.score}, full ${full.hostId} ${full.score}`,
          );
      }
      if (!full.ok) {
        rejected++;
        continue;
      }
      placed++;
      const i = idx.pos.get(full.hostId!)!;
      idx.adjust(i, q.vcpus, q.memoryMiB, q.group?.name ?? '', 1);
      live.push({ i, q });
    }
  }
  t.equal(mismatches, 0, `${compared} placements compared`);
  t.ok(placed > 1000 && rejected > 0, `placed ${placed}, rejected ${rejected}`);
});

t.test('ties go to the lowest id on the ordered path too', async (t) => {
  const hosts = Array.from({ length: 40 }, (_, k) =>
    host(`h${String(k).padStart(2, '0')}`, { rack: `r${k % 4}`, labels: { rack: `r${k % 4}` } }),
  );
  const idx = new CapacityIndex(snap(hosts, { weights: { rackBalance: 0 } }));
  const p = placeIndexed(idx, request(), { detail: 'summary' });
  t.equal(p.hostId, 'h00');
  idx.adjust(0, 2, 2048, '', 1);
  t.equal(placeIndexed(idx, request({ name: 'vm-2' }), { detail: 'summary' }).hostId, 'h01');
});
