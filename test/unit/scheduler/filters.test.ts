import t from 'tap';
import { place } from '../../../coordinator/scheduler/place.js';
import type {
  FilterName,
  HostCapacity,
  PlacementRequest,
} from '../../../coordinator/scheduler/types.js';
import { host, request, snap } from './fixtures.js';

interface Case {
  name: string;
  filter: FilterName;
  host?: Partial<HostCapacity>;
  /** Other hosts in the snapshot (group members elsewhere, racks). */
  others?: HostCapacity[];
  req?: Partial<PlacementRequest>;
  pass: boolean;
  reason: string | RegExp;
  needed?: number;
  free?: number;
  ratio?: number;
}

const g = (n: number, name = 'web') => new Map([[name, n]]);

const cases: Case[] = [
  { name: 'ready host', filter: 'ready', pass: true, reason: 'ready' },
  {
    name: 'suspect host',
    filter: 'ready',
    host: { state: 'suspect' },
    pass: false,
    reason: 'host is suspect',
  },
  {
    name: 'down host',
    filter: 'ready',
    host: { state: 'down' },
    pass: false,
    reason: 'host is down',
  },
  {
    name: 'unknown host',
    filter: 'ready',
    host: { state: 'unknown' },
    pass: false,
    reason: 'host is unknown',
  },
  { name: 'schedulable', filter: 'schedulable', pass: true, reason: 'schedulable' },
  {
    name: 'cordoned',
    filter: 'schedulable',
    host: { cordoned: true },
    pass: false,
    reason: 'cordoned',
  },
  {
    name: 'maintenance',
    filter: 'schedulable',
    host: { maintenance: true },
    pass: false,
    reason: 'in maintenance',
  },
  {
    name: 'degraded',
    filter: 'schedulable',
    host: { degraded: true },
    pass: false,
    reason: 'degraded',
  },
  {
    name: 'cordoned and degraded',
    filter: 'schedulable',
    host: { cordoned: true, degraded: true },
    pass: false,
    reason: 'cordoned, degraded',
  },
  {
    name: 'excluded by the request',
    filter: 'schedulable',
    req: { excludeHosts: ['h1'] },
    pass: false,
    reason: 'excluded by the request',
  },
  { name: 'kvm present', filter: 'hypervisor', pass: true, reason: 'kvm' },
  {
    name: 'kvm absent',
    filter: 'hypervisor',
    host: { domainTypes: ['qemu'] },
    pass: false,
    reason: 'no domain type kvm (has qemu)',
  },
  {
    name: 'no libvirt',
    filter: 'hypervisor',
    host: { domainTypes: [] },
    pass: false,
    reason: 'no hypervisor (libvirt) on the host',
  },
  {
    name: 'CPU feature missing',
    filter: 'hypervisor',
    req: { cpuFeatures: ['vmx', 'avx512f'] },
    pass: false,
    reason: 'missing CPU features avx512f',
  },
  {
    name: 'CPU features present',
    filter: 'hypervisor',
    req: { cpuFeatures: ['vmx'] },
    pass: true,
    reason: 'kvm',
  },
  {
    name: 'vcpus fit at ratio 4',
    filter: 'vcpus',
    req: { vcpus: 4 },
    pass: true,
    reason: 'needs 4, free 64 at ratio 4.0',
    needed: 4,
    free: 64,
    ratio: 4,
  },
  {
    name: 'vcpus: exactly full fits',
    filter: 'vcpus',
    host: { usedVcpus: 60 },
    req: { vcpus: 4 },
    pass: true,
    reason: /free 4 at/,
    free: 4,
  },
  {
    name: 'vcpus over the ratio',
    filter: 'vcpus',
    host: { usedVcpus: 62 },
    req: { vcpus: 4 },
    pass: false,
    reason: 'needs 4, free 2 at ratio 4.0',
    needed: 4,
    free: 2,
    ratio: 4,
  },
  {
    name: 'reserved cores are not overcommitted',
    filter: 'vcpus',
    host: { reservedCores: 4, cpuRatio: 2 },
    req: { vcpus: 4 },
    pass: true,
    reason: 'needs 4, free 24 at ratio 2.0',
    free: 24,
    ratio: 2,
  },
  {
    name: 'fractional ratio',
    filter: 'vcpus',
    host: { cpuThreads: 3, cpuRatio: 1.5 },
    req: { vcpus: 3 },
    pass: true,
    reason: 'needs 3, free 4.5 at ratio 1.5',
  },
  {
    name: 'one guest never gets more vCPUs than threads',
    filter: 'vcpus',
    host: { cpuThreads: 4 },
    req: { vcpus: 8 },
    pass: false,
    reason: 'needs 8, host has 4 threads',
  },
  {
    name: 'no CPU inventory',
    filter: 'vcpus',
    host: { cpuThreads: 0 },
    pass: false,
    reason: 'host reports no CPU inventory',
  },
  {
    name: 'memory fits (ratio 1.0, minus reserved)',
    filter: 'memory',
    req: { memoryMiB: 32256 },
    pass: true,
    reason: 'needs 32256 MiB, free 32256 MiB',
    needed: 32256,
    free: 32256,
  },
  {
    name: 'memory: reserved is kept',
    filter: 'memory',
    req: { memoryMiB: 32257 },
    pass: false,
    reason: 'needs 32257 MiB, free 32256 MiB',
  },
  {
    name: 'memory used by claims',
    filter: 'memory',
    host: { usedMemoryMiB: 31000 },
    req: { memoryMiB: 2048 },
    pass: false,
    reason: 'needs 2048 MiB, free 1256 MiB',
    free: 1256,
  },
  { name: 'no labels required', filter: 'labels', pass: true, reason: 'none required' },
  {
    name: 'label matches',
    filter: 'labels',
    host: { labels: { zone: 'a' } },
    req: { requiredLabels: { zone: 'a' } },
    pass: true,
    reason: 'zone=a',
  },
  {
    name: 'label differs',
    filter: 'labels',
    host: { labels: { zone: 'b' } },
    req: { requiredLabels: { zone: 'a' } },
    pass: false,
    reason: 'zone=b not a',
  },
  {
    name: 'label missing',
    filter: 'labels',
    req: { requiredLabels: { gpu: 'yes' } },
    pass: false,
    reason: 'no gpu',
  },
  { name: 'network present', filter: 'networks', pass: true, reason: 'prod' },
  {
    name: 'network missing',
    filter: 'networks',
    req: { networks: ['prod', 'storage'] },
    pass: false,
    reason: 'missing storage',
  },
  {
    name: 'no networks',
    filter: 'networks',
    req: { networks: [] },
    pass: true,
    reason: 'none required',
  },
  { name: 'no group', filter: 'group', pass: true, reason: 'no group' },
  {
    name: 'hard anti-affinity, host scope, member here',
    filter: 'group',
    host: { groupMembers: g(1) },
    req: { group: { name: 'web', policy: 'anti-affinity', scope: 'host', hard: true } },
    pass: false,
    reason: 'hard anti-affinity web: 1 member on this host',
  },
  {
    name: 'hard anti-affinity, host scope, member elsewhere',
    filter: 'group',
    others: [host('h2', { groupMembers: g(1) })],
    req: { group: { name: 'web', policy: 'anti-affinity', scope: 'host', hard: true } },
    pass: true,
    reason: 'hard anti-affinity web: none on this host',
  },
  {
    name: 'hard anti-affinity, rack scope, member in the same rack',
    filter: 'group',
    host: { rack: 'r1' },
    others: [host('h2', { rack: 'r1', groupMembers: g(2) })],
    req: { group: { name: 'web', policy: 'anti-affinity', scope: 'rack', hard: true } },
    pass: false,
    reason: 'hard anti-affinity web: 2 members in rack r1',
  },
  {
    name: 'hard anti-affinity, rack scope, member in another rack',
    filter: 'group',
    host: { rack: 'r1' },
    others: [host('h2', { rack: 'r2', groupMembers: g(1) })],
    req: { group: { name: 'web', policy: 'anti-affinity', scope: 'rack', hard: true } },
    pass: true,
    reason: 'hard anti-affinity web: none in rack r1',
  },
  {
    name: 'rack scope without a rack label: the host is its own rack',
    filter: 'group',
    others: [host('h2', { groupMembers: g(1) })],
    req: { group: { name: 'web', policy: 'anti-affinity', scope: 'rack', hard: true } },
    pass: true,
    reason: 'hard anti-affinity web: none on this host',
  },
  {
    name: 'hard affinity, first member goes anywhere',
    filter: 'group',
    req: { group: { name: 'web', policy: 'affinity', scope: 'host', hard: true } },
    pass: true,
    reason: 'hard affinity web: first member',
  },
  {
    name: 'hard affinity, members elsewhere',
    filter: 'group',
    others: [host('h2', { groupMembers: g(1) })],
    req: { group: { name: 'web', policy: 'affinity', scope: 'host', hard: true } },
    pass: false,
    reason: 'hard affinity web: members are elsewhere',
  },
  {
    name: 'hard affinity, rack scope, members in the rack',
    filter: 'group',
    host: { rack: 'r1' },
    others: [host('h2', { rack: 'r1', groupMembers: g(1) })],
    req: { group: { name: 'web', policy: 'affinity', scope: 'rack', hard: true } },
    pass: true,
    reason: 'hard affinity web: 1 in rack r1',
  },
  {
    name: 'soft anti-affinity never filters',
    filter: 'group',
    host: { groupMembers: g(3) },
    req: { group: { name: 'web', policy: 'anti-affinity', scope: 'host', hard: false } },
    pass: true,
    reason: 'soft anti-affinity web: scored',
  },
  {
    name: 'another group does not count',
    filter: 'group',
    host: { groupMembers: g(1, 'db') },
    req: { group: { name: 'web', policy: 'anti-affinity', scope: 'host', hard: true } },
    pass: true,
    reason: /none on this host/,
  },
];

for (const c of cases) {
  t.test(`${c.filter}: ${c.name}`, async (t) => {
    const p = place(snap([host('h1', c.host), ...(c.others ?? [])]), request(c.req));
    const hv = p.hosts.find((h) => h.hostId === 'h1')!;
    const v = hv.filters.find((f) => f.filter === c.filter)!;
    t.equal(v.pass, c.pass, 'pass');
    if (typeof c.reason === 'string') t.equal(v.reason, c.reason, 'reason');
    else t.match(v.reason, c.reason, 'reason');
    if (c.needed !== undefined) t.equal(v.needed, c.needed, 'needed');
    if (c.free !== undefined) t.equal(v.free, c.free, 'free');
    if (c.ratio !== undefined) t.equal(v.ratio, c.ratio, 'ratio');
    // The host passes as a whole exactly when every filter passes.
    t.equal(
      hv.pass,
      hv.filters.every((f) => f.pass),
      'host verdict agrees with its filters',
    );
    const summary = p.filters.find((f) => f.filter === c.filter)!;
    const h1Rejected = c.pass ? 0 : 1;
    t.ok(summary.removed >= h1Rejected, 'the summary counts the rejection');
    if (!c.pass)
      t.ok(
        summary.reasons.some((r) => r.reason === v.reason),
        'summary names the reason',
      );
  });
}
