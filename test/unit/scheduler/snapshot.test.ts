import t from 'tap';
import { resolveSchedulerConfig } from '../../../coordinator/scheduler/config.js';
import {
  buildSnapshot,
  hostCapacity,
  inventoryFacts,
  usageByHost,
  type HostFacts,
} from '../../../coordinator/scheduler/snapshot.js';

// The inventory as the coordinator stores it: the wire HostInventory (host driver
// fields typed, other drivers as JSON strings under driversJson).
const wireInventory = {
  hostname: 'hv1',
  cpu: {
    vendor: 'GenuineIntel',
    model: 'Xeon',
    sockets: 1,
    cores: 8,
    threads: 16,
    flags: ['vmx', 'avx2'],
    mhz: 2400,
  },
  memory: { totalBytes: 68719476736 },
  driversJson: {
    libvirt: JSON.stringify({
      libvirtVersion: 9000000,
      node: {
        model: 'x86_64',
        cpus: 16,
        mhz: 2400,
        memoryMiB: 65000,
        numaNodes: 1,
        sockets: 1,
        cores: 8,
        threads: 2,
      },
      capabilities: {
        arch: 'x86_64',
        cpuModel: 'Skylake-Client-IBRS',
        cpuVendor: 'Intel',
        cpuFeatures: ['hypervisor', 'ss', 'vmx'],
        domainTypes: ['kvm', 'qemu'],
      },
    }),
  },
};

const facts = (o: Partial<HostFacts> = {}): HostFacts => ({
  id: 'hv1',
  labels: {},
  inventory: wireInventory,
  state: 'ready',
  cordoned: false,
  maintenance: '',
  bridges: ['br-int'],
  conditions: [],
  unhealthyDrivers: 0,
  ...o,
});

const cfg = resolveSchedulerConfig({ poolCpuRatios: { batch: '8' }, reservedCores: 1 });
const networks = { prod: { bridge: 'br-int', vlan: 100 }, storage: { bridge: 'br-stor' } };

t.test('inventory: threads and memory from the host driver, hypervisor from libvirt', async (t) => {
  const f = inventoryFacts(wireInventory);
  t.equal(f.cpuThreads, 16);
  t.equal(f.memoryMiB, 65536);
  t.same(f.domainTypes, ['kvm', 'qemu']);
  t.same([...f.cpuFeatures].sort(), ['avx2', 'hypervisor', 'ss', 'vmx']);
});

t.test(
  'inventory: libvirt node info when the host driver gave none; empty when nothing',
  async (t) => {
    const f = inventoryFacts({ driversJson: wireInventory.driversJson });
    t.equal(f.cpuThreads, 16);
    t.equal(f.memoryMiB, 65000);
    const none = inventoryFacts({ driversJson: { libvirt: 'not json' } });
    t.same(none, { cpuThreads: 0, memoryMiB: 0, domainTypes: [], cpuFeatures: new Set() });
  },
);

t.test('host capacity: defaults, pool ratio, label overrides', async (t) => {
  const h = hostCapacity(facts(), cfg, networks);
  t.equal(h.cpuRatio, 4);
  t.equal(h.reservedCores, 1);
  t.equal(h.reservedMemoryMiB, 512);
  t.equal(h.pool, 'default');
  t.equal(h.rack, '');
  t.same([...h.networks], ['prod'], 'a network is present when its bridge is observed');
  const batch = hostCapacity(facts({ labels: { pool: 'batch', rack: 'r7' } }), cfg, networks);
  t.equal(batch.cpuRatio, 8, 'pool ratio');
  t.equal(batch.rack, 'r7');
  const own = hostCapacity(
    facts({
      labels: {
        pool: 'batch',
        'plinth.io/cpu-ratio': '2.5',
        'plinth.io/reserved-cores': '2',
        'plinth.io/reserved-memory-mib': '4096',
      },
    }),
    cfg,
    networks,
  );
  t.equal(own.cpuRatio, 2.5, 'host label beats the pool');
  t.equal(own.reservedCores, 2);
  t.equal(own.reservedMemoryMiB, 4096);
  const bad = hostCapacity(facts({ labels: { 'plinth.io/cpu-ratio': 'lots' } }), cfg, networks);
  t.equal(bad.cpuRatio, 4, 'an unreadable label falls back');
});

t.test('host state: cordon, maintenance, degraded and warnings from conditions', async (t) => {
  const h = hostCapacity(
    facts({
      cordoned: true,
      maintenance: 'entering',
      conditions: [
        { type: 'degraded', status: true },
        { type: 'host.routes-truncated', status: true },
        { type: 'ceph.maintenance', status: false },
      ],
      unhealthyDrivers: 1,
    }),
    cfg,
    networks,
  );
  t.ok(h.cordoned);
  t.ok(h.maintenance);
  t.ok(h.degraded);
  t.equal(h.warnings, 2, 'one active non-degraded condition + one unhealthy driver');
  const clear = hostCapacity(
    facts({ conditions: [{ type: 'degraded', status: false }] }),
    cfg,
    networks,
  );
  t.notOk(clear.degraded);
  t.notOk(clear.maintenance);
});

t.test('claims are summed per host, with group members', async (t) => {
  const usage = usageByHost([
    { vmName: 'a', hostId: 'hv1', vcpus: 2, memoryMiB: 1024, group: 'web' },
    { vmName: 'b', hostId: 'hv1', vcpus: 4, memoryMiB: 2048, group: 'web' },
    { vmName: 'c', hostId: 'hv2', vcpus: 1, memoryMiB: 512, group: '' },
  ]);
  t.same(usage.get('hv1'), { vcpus: 6, memoryMiB: 3072, groups: new Map([['web', 2]]) });
  t.same(usage.get('hv2'), { vcpus: 1, memoryMiB: 512, groups: new Map() });
  const s = buildSnapshot([facts({ id: 'hv2' }), facts()], usage, cfg, networks);
  t.same(
    s.hosts.map((h) => [h.id, h.usedVcpus]),
    [
      ['hv1', 6],
      ['hv2', 1],
    ],
    'sorted by id, with usage',
  );
  t.same(s.weights, cfg.weights);
});
