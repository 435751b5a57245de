import t from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseDomainXml } from '../../../agent/drivers/libvirt/parse.js';
import {
  renderDomainXml,
  renderPoolXml,
  renderVolumeXml,
  specHash,
} from '../../../agent/drivers/libvirt/render.js';
import type { DomainSpec } from '../../../agent/drivers/libvirt/types.js';

/** Golden files: UPDATE_GOLDEN=1 rewrites them; review the diff before committing. */
const goldenDir = new URL('../../fixtures/libvirt/golden/', import.meta.url);
function golden(name: string, actual: string): string {
  const url = new URL(name, goldenDir);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(url)) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(url, actual);
  }
  return readFileSync(url, 'utf8');
}

const ctx = { imagePoolDir: '/var/lib/plinth/images', consoleLogDir: '/var/log/libvirt/qemu' };

const kernelBoot: DomainSpec = {
  name: 'web-1',
  uuid: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  domainType: 'qemu',
  vcpus: 1,
  memoryMiB: 128,
  machine: 'pc',
  boot: {
    kernel: '/var/lib/plinth/kernels/vmlinuz',
    initrd: '/var/lib/plinth/kernels/initrd.gz',
    cmdline: 'console=ttyS0 quiet',
  },
  disks: [],
  nics: [],
  power: 'running',
  restartPolicy: 'defer',
};

const full: DomainSpec = {
  name: 'db-2',
  uuid: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  domainType: 'kvm',
  vcpus: 4,
  memoryMiB: 8192,
  machine: 'q35',
  disks: [
    {
      target: 'vda',
      bus: 'virtio',
      source: { type: 'volume', volume: 'db-2-root.qcow2', sizeBytes: 20 * 2 ** 30 },
    },
    {
      target: 'vdb',
      bus: 'virtio',
      source: {
        type: 'rbd',
        pool: 'vms',
        image: 'db-2-data',
        monitors: [
          { host: '198.18.3.10', port: 6789 },
          { host: '198.18.3.11', port: 3300 },
        ],
        auth: { username: 'plinth', secretUuid: '5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e' },
      },
    },
    {
      target: 'sda',
      bus: 'sata',
      source: { type: 'file', path: '/var/lib/plinth/images/seed.raw', format: 'raw' },
    },
  ],
  nics: [
    { bridge: 'br-int', vlan: 100, mac: '52:54:00:01:02:03', model: 'virtio', portName: 'db2-p0' },
    { bridge: 'br-ex', model: 'e1000' },
  ],
  power: 'running',
  restartPolicy: 'restart',
};

t.test('golden domain XML', async (t) => {
  const cases: [string, string][] = [
    ['kernel-boot.xml', renderDomainXml(kernelBoot, ctx)],
    ['disks-rbd-ovs.xml', renderDomainXml(full, ctx)],
    ['volume.xml', renderVolumeXml('db-2-root.qcow2', 20 * 2 ** 30)],
    ['pool.xml', renderPoolXml('plinth', '/var/lib/plinth/images')],
  ];
  for (const [name, actual] of cases) t.equal(actual, golden(name, actual), `golden ${name}`);
});

t.test('rendered XML parses back to the same facts and carries the ownership mark', async (t) => {
  const d = parseDomainXml(renderDomainXml(full, ctx));
  t.equal(d.owned, true);
  t.equal(d.specHash, specHash(full));
  t.equal(d.vcpus, 4);
  t.equal(d.memoryKiB, 8192 * 1024);
  t.same(
    d.disks.map((x) => [x.target, x.type, x.source]),
    [
      ['vda', 'file', '/var/lib/plinth/images/db-2-root.qcow2'],
      ['vdb', 'network', 'vms/db-2-data'],
      ['sda', 'file', '/var/lib/plinth/images/seed.raw'],
    ],
  );
  t.match(d.nics, [
    { ovs: true, bridge: 'br-int', vlan: 100, mac: '52:54:00:01:02:03', portName: 'db2-p0' },
    { ovs: true, bridge: 'br-ex', model: 'e1000' },
  ]);
});

t.test('the spec hash ignores power and restart policy but nothing else', async (t) => {
  const h = specHash(full);
  t.equal(specHash({ ...full, power: 'stopped', restartPolicy: 'defer' }), h);
  t.not(specHash({ ...full, memoryMiB: 4096 }), h);
  t.not(specHash({ ...full, nics: [] }), h);
});

t.test('the renderer refuses XML metacharacters even if validation were bypassed', async (t) => {
  t.throws(() => renderDomainXml({ ...kernelBoot, name: "x'><evil/>" }, ctx), {
    code: 'PLINTH_E_INVALID_ARGUMENT',
  });
  t.throws(() => renderDomainXml({ ...kernelBoot, boot: { kernel: '/boot/a&b' } }, ctx), {
    code: 'PLINTH_E_INVALID_ARGUMENT',
  });
});
