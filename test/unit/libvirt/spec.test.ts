import t from 'tap';
import {
  isSafePath,
  parseDesiredDomains,
  type SpecContext,
} from '../../../agent/drivers/libvirt/spec.js';
import type { JsonValue } from '../../../lib/json.js';

const ctx: SpecContext = {
  defaultDomainType: 'kvm',
  defaultMachine: 'pc',
  imagePoolDir: '/var/lib/plinth/images',
  kernelDirs: ['/boot', '/var/lib/plinth/kernels'],
  host: { cpus: 8, memoryMiB: 16384 },
};

const parse = (raw: unknown, c: SpecContext = ctx) => parseDesiredDomains(raw as JsonValue, c);

const U1 = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const U2 = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const good = {
  name: 'web-1',
  uuid: U1,
  vcpus: 2,
  memoryMiB: 1024,
  boot: {
    kernel: '/boot/vmlinuz-6.1.0-56-cloud-amd64',
    initrd: '/boot/initrd.img',
    cmdline: 'console=ttyS0 root=/dev/vda1',
  },
  disks: [
    { volume: 'web-1-root', sizeGiB: 10 },
    { rbd: { pool: 'vms', image: 'web-1-data', monitors: ['198.18.3.10:6789'] } },
  ],
  nics: [{ bridge: 'br-int', vlan: 100, mac: '52:54:00:AA:BB:CC' }],
};

t.test('a good spec is normalised with defaults', async (t) => {
  const { desired, errors } = parse([good]);
  t.same(errors, []);
  const d = desired.get(U1)!;
  t.equal(d.domainType, 'kvm');
  t.equal(d.machine, 'pc');
  t.equal(d.power, 'running');
  t.equal(d.restartPolicy, 'defer');
  t.same(d.disks[0], {
    target: 'vda',
    bus: 'virtio',
    source: { type: 'volume', volume: 'web-1-root.qcow2', sizeBytes: 10 * 2 ** 30 },
  });
  t.same(d.disks[1]!.source, {
    type: 'rbd',
    pool: 'vms',
    image: 'web-1-data',
    monitors: [{ host: '198.18.3.10', port: 6789 }],
  });
  t.equal(d.disks[1]!.target, 'vdb');
  t.same(d.nics[0], { bridge: 'br-int', model: 'virtio', vlan: 100, mac: '52:54:00:aa:bb:cc' });
});

t.test('absent or empty desired state is no domains, not an error', async (t) => {
  t.same(parse(undefined).errors, []);
  t.equal(parse([]).desired.size, 0);
  t.match(parse({}).errors, [{ ok: false, code: 'PLINTH_E_INVALID_ARGUMENT' }]);
});

const bad: [string, Record<string, unknown>, string, RegExp][] = [
  ['shell metacharacters in name', { name: 'web;rm -rf /' }, 'PLINTH_E_INVALID_ARGUMENT', /name/],
  ['XML metacharacters in name', { name: "a'><x/>" }, 'PLINTH_E_INVALID_ARGUMENT', /name/],
  ['command substitution in name', { name: '$(reboot)' }, 'PLINTH_E_INVALID_ARGUMENT', /name/],
  ['empty name', { name: '' }, 'PLINTH_E_INVALID_ARGUMENT', /name/],
  ['missing uuid', { uuid: undefined }, 'PLINTH_E_INVALID_ARGUMENT', /uuid/],
  ['missing memory', { memoryMiB: undefined }, 'PLINTH_E_INVALID_ARGUMENT', /memoryMiB/],
  ['fractional vcpus', { vcpus: 1.5 }, 'PLINTH_E_INVALID_ARGUMENT', /vcpus/],
  ['vcpus beyond the host', { vcpus: 9 }, 'PLINTH_E_CAPACITY', /exceeds the host's 8 CPUs/],
  [
    'memory beyond the host',
    { memoryMiB: 16385 },
    'PLINTH_E_CAPACITY',
    /exceeds the host's 16384 MiB/,
  ],
  [
    'path traversal in a kernel path',
    { boot: { kernel: '/boot/../etc/shadow' } },
    'PLINTH_E_INVALID_ARGUMENT',
    /safe absolute path/,
  ],
  [
    'kernel outside the allowed dirs',
    { boot: { kernel: '/etc/shadow' } },
    'PLINTH_E_INVALID_ARGUMENT',
    /outside/,
  ],
  [
    'relative kernel path',
    { boot: { kernel: 'vmlinuz' } },
    'PLINTH_E_INVALID_ARGUMENT',
    /safe absolute path/,
  ],
  [
    'path traversal in a disk path',
    { disks: [{ path: '/var/lib/plinth/images/../../../etc/passwd' }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /safe absolute path/,
  ],
  [
    'disk path outside the pool',
    { disks: [{ path: '/etc/passwd' }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /outside/,
  ],
  [
    'disk path that is the pool dir itself',
    { disks: [{ path: '/var/lib/plinth/images' }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /outside/,
  ],
  [
    'traversal in a volume name',
    { disks: [{ volume: '../../etc/passwd', sizeGiB: 1 }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /volume/,
  ],
  ['volume without size', { disks: [{ volume: 'v' }] }, 'PLINTH_E_INVALID_ARGUMENT', /sizeGiB/],
  [
    'disk with two sources',
    { disks: [{ volume: 'v', sizeGiB: 1, path: '/var/lib/plinth/images/x' }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /exactly one/,
  ],
  [
    'shell in cmdline',
    { boot: { kernel: '/boot/vmlinuz', cmdline: 'console=ttyS0; reboot' } },
    'PLINTH_E_INVALID_ARGUMENT',
    /cmdline/,
  ],
  [
    'XML in cmdline',
    { boot: { kernel: '/boot/vmlinuz', cmdline: '</cmdline>' } },
    'PLINTH_E_INVALID_ARGUMENT',
    /cmdline/,
  ],
  ['bad bridge', { nics: [{ bridge: 'br int' }] }, 'PLINTH_E_INVALID_ARGUMENT', /bridge/],
  [
    'VLAN out of range',
    { nics: [{ bridge: 'br0', vlan: 4095 }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /vlan/,
  ],
  [
    'multicast MAC',
    { nics: [{ bridge: 'br0', mac: '01:00:5e:00:00:01' }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /multicast/,
  ],
  ['unknown field (typo)', { memroyMiB: 5 }, 'PLINTH_E_INVALID_ARGUMENT', /unknown field/],
  ['bad domain type', { domainType: 'xen' }, 'PLINTH_E_INVALID_ARGUMENT', /domainType/],
  ['bad power', { power: 'on' }, 'PLINTH_E_INVALID_ARGUMENT', /power/],
  ['nothing to boot', { boot: undefined, disks: [] }, 'PLINTH_E_INVALID_ARGUMENT', /boot/],
  [
    'rbd monitor with shell',
    { disks: [{ rbd: { pool: 'vms', image: 'x', monitors: ['a;b:1'] } }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /monitors/,
  ],
  [
    'disk target on the wrong bus',
    { disks: [{ volume: 'v', sizeGiB: 1, target: 'sda' }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /target/,
  ],
  [
    'libvirt-reserved port name',
    { nics: [{ bridge: 'br0', portName: 'vnet0' }] },
    'PLINTH_E_INVALID_ARGUMENT',
    /portName/,
  ],
];

t.test('bad input: one error for that domain, the others still apply', async (t) => {
  for (const [what, patch, code, msg] of bad) {
    const broken = { ...good, uuid: U2, name: 'broken', ...patch };
    const { desired, errors } = parse([good, broken]);
    t.equal(errors.length, 1, `${what}: one error`);
    t.match(errors[0], { kind: 'libvirt.domain', ok: false, code, message: msg }, what);
    t.ok(desired.has(U1), `${what}: the good domain stays`);
    t.equal(desired.size, 1, `${what}: the bad one is left out`);
  }
});

t.test('without host facts the capacity check waits for plan', async (t) => {
  const { errors } = parse([{ ...good, vcpus: 64 }], { ...ctx, host: undefined } as SpecContext);
  t.same(errors, []);
});

t.test('duplicates are ambiguous: no copy is applied', async (t) => {
  const dupUuid = parse([
    good,
    { ...good, name: 'web-2', disks: [{ volume: 'other', sizeGiB: 1 }] },
  ]);
  t.equal(dupUuid.desired.size, 0);
  t.equal(dupUuid.errors.length, 2);
  t.match(dupUuid.errors[0], { code: 'PLINTH_E_CONFLICT', message: /uuid/ });
  const dupName = parse([good, { ...good, uuid: U2, disks: [{ volume: 'other', sizeGiB: 1 }] }]);
  t.match(dupName.errors, [
    { code: 'PLINTH_E_CONFLICT', message: /name web-1/ },
    { code: 'PLINTH_E_CONFLICT' },
  ]);
  const sharedVol = parse([good, { ...good, uuid: U2, name: 'web-2' }]);
  t.match(sharedVol.errors, [
    { code: 'PLINTH_E_CONFLICT', message: /volume web-1-root.qcow2/ },
    {},
  ]);
});

t.test('explicit disk targets are reserved before automatic ones', async (t) => {
  const { desired, errors } = parse(
    [
      {
        ...good,
        disks: [
          { volume: 'a', sizeGiB: 1 },
          { volume: 'b', sizeGiB: 1, target: 'vda' },
        ],
      },
    ],
    ctx,
  );
  t.same(errors, []);
  t.same(
    desired.get(U1)!.disks.map((d) => d.target),
    ['vdb', 'vda'],
  );
});

t.test('isSafePath', async (t) => {
  const cases: [unknown, boolean][] = [
    ['/boot/vmlinuz', true],
    ['/a/b.c/d-e_f+g', true],
    ['/a/../b', false],
    ['/a/./b', false],
    ['/a//b', false],
    ['/a/b/', false],
    ['relative', false],
    ['/a b', false],
    ['/a$(x)', false],
    ['/a\nb', false],
    [42, false],
  ];
  for (const [p, ok] of cases) t.equal(isSafePath(p), ok, JSON.stringify(p));
});
