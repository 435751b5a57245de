import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  lifecycleInfo,
  memoryKiB,
  parseCapabilities,
  parseDomainXml,
  parseDomstatsText,
  reasonName,
  stateName,
  statsFromParams,
} from '../../../agent/drivers/libvirt/parse.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/libvirt/${name}`, import.meta.url), 'utf8');

t.test('domain XML captured from libvirtd: owned, running, qcow2 disk, NIC', async (t) => {
  const d = parseDomainXml(fixture('domain-running-owned.xml'));
  t.equal(d.name, 'plt-lv-cap');
  t.equal(d.uuid, '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f');
  t.equal(d.domainType, 'qemu');
  t.equal(d.vcpus, 1);
  t.equal(d.memoryKiB, 131072);
  t.equal(d.owned, true);
  t.match(d.specHash, /^[0-9a-f]{32}$/);
  t.equal(d.disks.length, 1);
  t.match(d.disks[0], {
    target: 'vda',
    bus: 'virtio',
    type: 'file',
    format: 'qcow2',
    source: /cap-root\.qcow2$/,
  });
  t.same(d.nics, [
    {
      type: 'ethernet',
      mac: '52:54:00:aa:bb:01',
      ovs: false,
      model: 'virtio',
      portName: 'plt-lv-tap0',
    },
  ]);
  const inactive = parseDomainXml(fixture('domain-running-owned-inactive.xml'));
  t.equal(inactive.specHash, d.specHash, 'live and persistent definitions carry the same mark');
});

t.test('domain XML: OVS port with VLAN and an RBD disk', async (t) => {
  const d = parseDomainXml(fixture('domain-ovs-rbd.xml'));
  t.equal(d.domainType, 'kvm');
  t.equal(d.vcpus, 2);
  t.equal(d.memoryKiB, 256 * 1024);
  t.equal(d.owned, true);
  t.same(d.nics, [
    {
      type: 'bridge',
      mac: '52:54:00:12:34:56',
      ovs: true,
      model: 'virtio',
      bridge: 'br-int',
      portName: 'plt-lv-p0',
      vlan: 42,
    },
  ]);
  t.match(d.disks[0], { type: 'network', source: 'vms/plt-lv-ovs-root', target: 'vda' });
});

t.test('domain XML: a hand-made domain with foreign metadata is not owned', async (t) => {
  const d = parseDomainXml(fixture('domain-unowned.xml'));
  t.equal(d.name, 'plt-lv-hand');
  t.equal(d.owned, false);
  t.equal(d.specHash, undefined);
});

t.test('ownership follows the namespace URI, not the prefix', async (t) => {
  const base = (meta: string) =>
    `<domain type='kvm'><name>a</name><uuid>6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f</uuid><metadata>${meta}</metadata></domain>`;
  const cases: [string, boolean][] = [
    [`<p:owner xmlns:p="https://plinth.dev/xmlns/domain/1" spec="x">plinth</p:owner>`, true],
    [`<plinth:owner xmlns:plinth="https://evil.example/xmlns">plinth</plinth:owner>`, false],
    [`<plinth:other xmlns:plinth="https://plinth.dev/xmlns/domain/1"/>`, false],
    ['', false],
  ];
  for (const [meta, owned] of cases)
    t.equal(parseDomainXml(base(meta)).owned, owned, meta || '(empty)');
  t.throws(() => parseDomainXml('<domain><name>x</name></domain>'), { code: 'PLINTH_E_PARSE' });
  t.throws(() => parseDomainXml('<notadomain/>'), { code: 'PLINTH_E_PARSE' });
});

t.test('capabilities captured from libvirtd', async (t) => {
  const c = parseCapabilities(fixture('capabilities.xml'));
  t.equal(c.arch, 'x86_64');
  t.ok(c.cpuModel.length > 0);
  t.ok(c.cpuFeatures.length > 5);
  t.ok(c.domainTypes.includes('qemu') && c.domainTypes.includes('kvm'), c.domainTypes.join(','));
  t.ok(c.numaCells.length >= 1);
  t.ok(c.numaCells[0]!.memoryKiB > 0);
  t.ok(c.numaCells[0]!.cpus >= 1);
  t.same(c.hugepageSizesKiB, [2048, 1048576]);
});

t.test('virsh domstats --raw captured from libvirtd', async (t) => {
  const all = parseDomstatsText(fixture('domstats.txt'));
  t.same([...all.keys()].sort(), ['plt-lv-cap', 'plt-lv-hand', 'plt-lv-ovs']);
  const s = statsFromParams(all.get('plt-lv-cap')!);
  t.equal(s.state, 1);
  t.ok((s.cpuTimeNs ?? 0) > 0);
  t.equal(s.balloonCurrentKiB, 131072);
  t.ok((s.balloonRssKiB ?? 0) > 0);
  t.match(s.blocks, [
    { name: 'vda', rdReqs: 1, rdBytes: 512, wrBytes: 0, capacityBytes: 67108864 },
  ]);
  t.match(s.nets, [{ name: 'plt-lv-tap0', rxBytes: 90, rxPackets: 1, rxDrops: 0, txBytes: 0 }]);
  const off = statsFromParams(all.get('plt-lv-hand')!);
  t.equal(off.state, 5);
  t.same(off.blocks, []);
});

t.test('states, reasons and lifecycle events', async (t) => {
  const states: [number, number, string, string][] = [
    [1, 1, 'running', 'booted'],
    [5, 3, 'shutoff', 'crashed'],
    [5, 1, 'shutoff', 'shutdown'],
    [3, 1, 'paused', 'user'],
    [99, 0, 'nostate', 'unknown'],
  ];
  for (const [s, r, sn, rn] of states) {
    t.equal(stateName(s), sn);
    t.equal(reasonName(s, r), rn);
  }
  const events: [number, number, string, string][] = [
    [0, 0, 'defined', 'info'],
    [1, 0, 'undefined', 'info'],
    [2, 0, 'started', 'info'],
    [5, 0, 'stopped', 'info'],
    [5, 1, 'stopped', 'warning'],
    [5, 5, 'crashed', 'critical'],
    [5, 2, 'crashed', 'critical'],
    [8, 0, 'crashed', 'critical'],
    [6, 1, 'shutdown', 'info'],
  ];
  for (const [e, d, name, sev] of events)
    t.match(lifecycleInfo(e, d), { event: name, severity: sev }, `${e}/${d}`);
});

t.test('memory units', async (t) => {
  const cases: [string, string | undefined, number][] = [
    ['131072', 'KiB', 131072],
    ['128', 'MiB', 131072],
    ['1', 'GiB', 1048576],
    ['1024', 'b', 1],
    ['42', undefined, 42],
  ];
  for (const [v, unit, kib] of cases)
    t.equal(memoryKiB(unit ? { '#text': v, '@_unit': unit } : v), kib, `${v} ${unit}`);
});
