import t from 'tap';
import { place } from '../../../coordinator/scheduler/place.js';
import type {
  GroupPolicy,
  HostCapacity,
  Placement,
  PlacementRequest,
  SchedulerSnapshot,
} from '../../../coordinator/scheduler/types.js';
import { prng } from '../../integration/scheduler/sim.js';
import { host, int, pick, request, snap, type Rnd } from './fixtures.js';

/**
 * Property tests: random clusters and request streams (seeded, so a failure names
 * the seed that reproduces it), placed one after another with each claim applied.
 */

function randomCluster(r: Rnd): SchedulerSnapshot {
  const n = int(r, 1, 12);
  const racks = int(r, 0, 3);
  const hosts: HostCapacity[] = [];
  for (let k = 0; k < n; k++) {
    const rack = racks === 0 || r() < 0.15 ? '' : `r${int(r, 1, racks)}`;
    hosts.push(
      host(`h${int(r, 0, 99)}x${k}`, {
        state: r() < 0.9 ? 'ready' : pick(r, ['suspect', 'down', 'unknown'] as const),
        cordoned: r() < 0.08,
        maintenance: r() < 0.05,
        degraded: r() < 0.05,
        warnings: r() < 0.2 ? int(r, 1, 3) : 0,
        rack,
        labels: { ...(rack ? { rack } : {}), ...(r() < 0.5 ? { zone: pick(r, ['a', 'b']) } : {}) },
        pool: pick(r, ['default', 'batch']),
        domainTypes: r() < 0.9 ? ['kvm', 'qemu'] : ['qemu'],
        cpuFeatures: new Set(r() < 0.8 ? ['vmx', 'avx2'] : ['vmx']),
        cpuThreads: pick(r, [2, 4, 8, 16, 32]),
        memoryMiB: pick(r, [4096, 8192, 16384, 65536]),
        reservedCores: pick(r, [0, 0, 1]),
        reservedMemoryMiB: pick(r, [0, 512, 1024]),
        cpuRatio: pick(r, [1, 1.5, 2, 4]),
        networks: new Set(r() < 0.85 ? ['prod', 'storage'] : ['prod']),
      }),
    );
  }
  return snap(hosts, {
    pools: { default: { strategy: 'spread' }, batch: { strategy: pick(r, ['pack', 'spread']) } },
    weights: { strategy: r(), rackBalance: r(), warnings: r(), groupSoft: r() * 3 },
  });
}

function randomGroup(r: Rnd): GroupPolicy | undefined {
  const x = r();
  if (x < 0.35) return undefined;
  const k = int(r, 0, 2);
  if (x < 0.6) return { name: `antihost${k}`, policy: 'anti-affinity', scope: 'host', hard: true };
  if (x < 0.75) return { name: `antirack${k}`, policy: 'anti-affinity', scope: 'rack', hard: true };
  if (x < 0.8) return { name: `affhost${k}`, policy: 'affinity', scope: 'host', hard: true };
  if (x < 0.85) return { name: `affrack${k}`, policy: 'affinity', scope: 'rack', hard: true };
  return {
    name: `soft${k}`,
    policy: pick(r, ['affinity', 'anti-affinity'] as const),
    scope: 'host',
    hard: false,
  };
}

function randomRequests(r: Rnd, hostIds: string[]): PlacementRequest[] {
  return Array.from({ length: int(r, 20, 80) }, (_, k) =>
    request({
      name: `vm${k}`,
      vcpus: pick(r, [1, 1, 2, 4, 8]),
      memoryMiB: pick(r, [512, 1024, 2048, 4096]),
      domainType: r() < 0.9 ? 'kvm' : 'qemu',
      cpuFeatures: r() < 0.2 ? ['avx2'] : [],
      requiredLabels: r() < 0.15 ? { zone: pick(r, ['a', 'b']) } : {},
      networks: r() < 0.2 ? ['prod', 'storage'] : ['prod'],
      group: randomGroup(r),
      excludeHosts: r() < 0.1 && hostIds.length ? [pick(r, hostIds)] : [],
    }),
  );
}

const cloneHosts = (s: SchedulerSnapshot): SchedulerSnapshot => ({
  ...s,
  hosts: s.hosts.map((h) => ({ ...h, groupMembers: new Map(h.groupMembers) })),
});

function applyClaim(s: SchedulerSnapshot, q: PlacementRequest, hostId: string): SchedulerSnapshot {
  return {
    ...s,
    hosts: s.hosts.map((h) => {
      if (h.id !== hostId) return h;
      const groupMembers = new Map(h.groupMembers);
      if (q.group) groupMembers.set(q.group.name, (groupMembers.get(q.group.name) ?? 0) + 1);
      return {
        ...h,
        usedVcpus: h.usedVcpus + q.vcpus,
        usedMemoryMiB: h.usedMemoryMiB + q.memoryMiB,
        groupMembers,
      };
    }),
  };
}

/** A deliberately naive second opinion on whether a host fits (the test's oracle). */
function oracleFits(s: SchedulerSnapshot, h: HostCapacity, q: PlacementRequest): boolean {
  if (h.state !== 'ready' || h.cordoned || h.maintenance || h.degraded) return false;
  if (q.excludeHosts?.includes(h.id)) return false;
  if (!h.domainTypes.includes(q.domainType)) return false;
  if (q.cpuFeatures.some((f) => !h.cpuFeatures.has(f))) return false;
  if (q.vcpus > h.cpuThreads) return false;
  if (h.usedVcpus + q.vcpus > (h.cpuThreads - h.reservedCores) * h.cpuRatio) return false;
  if (h.usedMemoryMiB + q.memoryMiB > h.memoryMiB - h.reservedMemoryMiB) return false;
  if (Object.entries(q.requiredLabels).some(([k, v]) => h.labels[k] !== v)) return false;
  if (q.networks.some((n) => !h.networks.has(n))) return false;
  const g = q.group;
  if (g?.hard) {
    const sameScope = (o: HostCapacity) =>
      g.scope === 'rack' && h.rack ? o.rack === h.rack : o.id === h.id;
    const inScope = s.hosts
      .filter(sameScope)
      .reduce((a, o) => a + (o.groupMembers.get(g.name) ?? 0), 0);
    const total = s.hosts.reduce((a, o) => a + (o.groupMembers.get(g.name) ?? 0), 0);
    if (g.policy === 'anti-affinity' && inScope > 0) return false;
    if (g.policy === 'affinity' && total > 0 && inScope === 0) return false;
  }
  return true;
}

function run(
  s0: SchedulerSnapshot,
  qs: PlacementRequest[],
): { choices: string[]; last: SchedulerSnapshot; placements: Placement[] } {
  let s = s0;
  const choices: string[] = [];
  const placements: Placement[] = [];
  for (const q of qs) {
    const p = place(s, q);
    placements.push(p);
    choices.push(p.hostId ?? '-');
    if (p.ok) s = applyClaim(s, q, p.hostId!);
  }
  return { choices, last: s, placements };
}

const SEEDS = Number(process.env.PLINTH_PROPERTY_SEEDS ?? 150);

t.test('random clusters and request streams', async (t) => {
  let placed = 0;
  let rejected = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = prng(seed);
    const s0 = randomCluster(r);
    const qs = randomRequests(
      r,
      s0.hosts.map((h) => h.id),
    );
    let s = s0;
    const groupOf = new Map<string, GroupPolicy>();
    for (const q of qs) {
      const p = place(s, q);
      // Every verdict agrees with the oracle, and the summary with the verdicts.
      for (const hv of p.hosts) {
        const h = s.hosts.find((x) => x.id === hv.hostId)!;
        const want = oracleFits(s, h, q);
        if (hv.pass !== want)
          t.fail(`seed ${seed} ${q.name} on ${h.id}: pass ${hv.pass}, oracle ${want}`);
        if (hv.pass !== hv.filters.every((f) => f.pass))
          t.fail(`seed ${seed}: verdict/filters disagree`);
      }
      for (const f of p.filters) {
        const n = p.hosts.filter((hv) =>
          hv.filters.some((x) => x.filter === f.filter && !x.pass),
        ).length;
        if (n !== f.removed)
          t.fail(`seed ${seed} ${q.name}: ${f.filter} removed ${f.removed}, verdicts say ${n}`);
      }
      // The choice is the best passing host, ties to the lowest id.
      const passing = p.hosts.filter((h) => h.pass);
      if (p.ok !== passing.length > 0)
        t.fail(`seed ${seed}: ok=${p.ok} with ${passing.length} passing`);
      if (p.ok) {
        const best = Math.max(...passing.map((h) => h.score!));
        const first = passing
          .filter((h) => h.score === best)
          .map((h) => h.hostId)
          .sort()[0];
        if (p.hostId !== first)
          t.fail(`seed ${seed} ${q.name}: chose ${p.hostId}, best is ${first}`);
        // Summary mode makes the same choice.
        const sum = place(s, q, { detail: 'summary' });
        if (sum.hostId !== p.hostId || sum.score !== p.score)
          t.fail(`seed ${seed}: summary differs`);
        s = applyClaim(s, q, p.hostId!);
        placed++;
        if (q.group) groupOf.set(q.group.name, q.group);
      } else rejected++;
    }
    // No host over capacity.
    for (const h of s.hosts) {
      const cap = (h.cpuThreads - h.reservedCores) * h.cpuRatio;
      if (h.usedVcpus > cap) t.fail(`seed ${seed}: ${h.id} vCPUs ${h.usedVcpus} > ${cap}`);
      if (h.usedMemoryMiB > h.memoryMiB - h.reservedMemoryMiB)
        t.fail(`seed ${seed}: ${h.id} memory over capacity`);
    }
    // Every hard anti-affinity group spread over its scope.
    for (const [name, g] of groupOf) {
      if (!(g.hard && g.policy === 'anti-affinity')) continue;
      const perScope = new Map<string, number>();
      for (const h of s.hosts) {
        const key = g.scope === 'rack' && h.rack ? `rack:${h.rack}` : `host:${h.id}`;
        perScope.set(key, (perScope.get(key) ?? 0) + (h.groupMembers.get(name) ?? 0));
      }
      for (const [key, n] of perScope)
        if (n > 1) t.fail(`seed ${seed}: group ${name} has ${n} in ${key}`);
    }
    // Hard affinity: all members in one scope (a host, or a rack).
    for (const [name, g] of groupOf) {
      if (!(g.hard && g.policy === 'affinity')) continue;
      const scopes = new Set(
        s.hosts
          .filter((h) => (h.groupMembers.get(name) ?? 0) > 0)
          .map((h) => (g.scope === 'rack' && h.rack ? `rack:${h.rack}` : `host:${h.id}`)),
      );
      if (scopes.size > 1)
        t.fail(`seed ${seed}: affinity group ${name} in ${[...scopes].join(', ')}`);
    }
  }
  t.ok(placed > 0 && rejected > 0, `streams both placed (${placed}) and rejected (${rejected})`);
});

t.test(
  'the same input always gives the same choices (also with hosts in another order)',
  async (t) => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = prng(seed * 7919);
      const s0 = randomCluster(r);
      const qs = randomRequests(
        r,
        s0.hosts.map((h) => h.id),
      );
      const a = run(cloneHosts(s0), qs);
      const b = run(cloneHosts(s0), qs);
      const shuffled = { ...cloneHosts(s0), hosts: [...s0.hosts].reverse() };
      const c = run(shuffled, qs);
      t.same(b.choices, a.choices, `seed ${seed}: same choices`);
      t.same(c.choices, a.choices, `seed ${seed}: host order does not matter`);
      t.same(
        JSON.stringify(b.placements),
        JSON.stringify(a.placements),
        `seed ${seed}: same placements, verdicts and scores`,
      );
    }
  },
);
