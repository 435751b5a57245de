import t from 'tap';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { validateConfig } from '../../../lib/config-schema.js';
import {
  defaultVmsConfig,
  parseNetworks,
  vmsConfigSchema,
  type VmsConfig,
} from '../../../coordinator/vms/config.js';
import {
  localDisks,
  parseVmSpec,
  placementRequest,
  type SpecContext,
} from '../../../coordinator/vms/spec.js';

const ctx: SpecContext = {
  networks: parseNetworks({ prod: 'br-int:100', mgmt: 'br-mgmt' }),
  defaultDomainType: 'kvm',
  cephPools: ['vms'],
};
const noCeph: SpecContext = { ...ctx, cephPools: undefined };
const base = { name: 'web-1', vcpus: 2, memoryMiB: 1024, disks: [{ sizeGiB: 10 }] };

t.test('defaults', async (t) => {
  const s = parseVmSpec(base, ctx);
  t.same(s, {
    name: 'web-1',
    vcpus: 2,
    memoryMiB: 1024,
    disks: [{ name: 'root', sizeGiB: 10, pool: 'local', shared: false }],
    nics: [],
    domainType: 'kvm',
    labels: {},
    requiredLabels: {},
    onHostFailure: 'keep',
  });
  t.same(localDisks(s), ['root']);
});

t.test('a full spec', async (t) => {
  const s = parseVmSpec(
    {
      ...base,
      disks: [
        { name: 'root', sizeGiB: 10, pool: 'vms' },
        { name: 'scratch', sizeGiB: 1, shared: true },
      ],
      nics: [
        { network: 'prod', announce: '198.18.9.10' },
        { network: 'mgmt', mac: '52:54:00:AA:BB:CC' },
      ],
      boot: { kernel: '/var/lib/plinth/kernels/vmlinuz', cmdline: 'console=ttyS0' },
      domainType: 'qemu',
      cpuFeatures: ['vmx', 'avx2', 'vmx'],
      labels: { app: 'web' },
      requiredLabels: { rack: 'r1' },
      group: { name: 'web', policy: 'anti-affinity' },
      onHostFailure: 'restart-after-fence',
    },
    ctx,
  );
  t.same(s.disks, [
    { name: 'root', sizeGiB: 10, pool: 'vms', shared: true },
    { name: 'scratch', sizeGiB: 1, pool: 'local', shared: true },
  ]);
  t.same(s.nics, [
    { network: 'prod', announce: '198.18.9.10/32' },
    { network: 'mgmt', mac: '52:54:00:aa:bb:cc' },
  ]);
  t.same(s.group, { name: 'web', policy: 'anti-affinity', scope: 'host', hard: true });
  t.same(s.cpuFeatures, ['avx2', 'vmx']);
  t.same(localDisks(s), []);
  const req = placementRequest(s, 'kvm', ['h1']);
  t.same(req, {
    name: 'web-1',
    vcpus: 2,
    memoryMiB: 1024,
    domainType: 'qemu',
    cpuFeatures: ['avx2', 'vmx'],
    requiredLabels: { rack: 'r1' },
    networks: ['mgmt', 'prod'],
    group: { name: 'web', policy: 'anti-affinity', scope: 'host', hard: true },
    excludeHosts: ['h1'],
  });
});

const bad: [string, unknown, SpecContext, RegExp[]][] = [
  ['not an object', 'web', ctx, [/must be a JSON object/]],
  ['bad name', { ...base, name: 'web 1' }, ctx, [/name: "web 1" is not a valid VM name/]],
  [
    'missing vcpus',
    { ...base, vcpus: undefined },
    ctx,
    [/vcpus: must be a whole number from 1 to 1024, got nothing/],
  ],
  ['fractional memory', { ...base, memoryMiB: 1.5 }, ctx, [/memoryMiB: must be a whole number/]],
  ['typo', { ...base, vcpu: 2 }, ctx, [/vcpu: unknown field; known fields: name, vcpus/]],
  [
    'unknown network',
    { ...base, nics: [{ network: 'dmz' }] },
    ctx,
    [/nics\[0\]\.network: unknown network "dmz"; configured networks: prod, mgmt/],
  ],
  [
    'ceph without config',
    { ...base, disks: [{ sizeGiB: 1, pool: 'vms' }] },
    noCeph,
    [/disks\[0\]\.pool: pool "vms" is not "local" and this coordinator has no Ceph configured/],
  ],
  [
    'unknown ceph pool',
    { ...base, disks: [{ sizeGiB: 1, pool: 'other' }] },
    ctx,
    [/unknown Ceph pool "other"; configured pools: vms/],
  ],
  [
    'ceph not shared',
    { ...base, disks: [{ sizeGiB: 1, pool: 'vms', shared: false }] },
    ctx,
    [/always shared/],
  ],
  [
    'duplicate disks',
    {
      ...base,
      disks: [
        { name: 'a', sizeGiB: 1 },
        { name: 'a', sizeGiB: 1 },
      ],
    },
    ctx,
    [/disks\[1\]\.name: disk name "a" is used twice/],
  ],
  [
    'nothing to boot',
    { ...base, disks: [] },
    ctx,
    [/disks: a VM needs boot\.kernel or at least one disk/],
  ],
  [
    'bad boot path',
    { ...base, boot: { kernel: '/boot/../etc/shadow' } },
    ctx,
    [/boot\.kernel: "\/boot\/\.\.\/etc\/shadow" is not an absolute path/],
  ],
  [
    'bad announce',
    { ...base, nics: [{ network: 'prod', announce: '198.18.9.0/24' }] },
    ctx,
    [/nics\[0\]\.announce: "198\.18\.9\.0\/24" is not an IPv4 address or \/32/],
  ],
  [
    'multicast mac',
    { ...base, nics: [{ network: 'prod', mac: '01:00:5e:00:00:01' }] },
    ctx,
    [/multicast/],
  ],
  [
    'bad policy',
    { ...base, onHostFailure: 'move' },
    ctx,
    [/onHostFailure: must be one of keep, restart-after-fence, replace/],
  ],
  ['group without policy', { ...base, group: { name: 'g' } }, ctx, [/group\.policy: is required/]],
  ['bad label', { ...base, labels: { App: 'x' } }, ctx, [/labels\.App: label keys/]],
  [
    'volume name too long',
    { ...base, name: 'a'.repeat(60), disks: [{ name: 'data', sizeGiB: 1 }] },
    ctx,
    [/longer than 63 characters/],
  ],
  ['several at once', { ...base, vcpus: 0, memoryMiB: 0 }, ctx, [/vcpus:/, /memoryMiB:/]],
];

for (const [name, raw, c, want] of bad)
  t.test(`rejects: ${name}`, async (t) => {
    try {
      parseVmSpec(raw, c);
      t.fail('accepted');
    } catch (e) {
      t.ok(e instanceof PlinthError);
      t.equal((e as PlinthError).code, ErrorCodes.INVALID_ARGUMENT);
      for (const re of want) t.match((e as Error).message, re);
    }
  });

t.test('networks config', async (t) => {
  t.same(
    [...parseNetworks({ a: 'br0', b: 'br1:7' })],
    [
      ['a', { bridge: 'br0' }],
      ['b', { bridge: 'br1', vlan: 7 }],
    ],
  );
  t.throws(() => parseNetworks({ a: 'br0:5000' }), /vms\.networks\.a: VLAN "5000"/);
  t.throws(() => parseNetworks({ a: 'br 0' }), /not "BRIDGE" or "BRIDGE:VLAN"/);
});

t.test('the config schema and the defaults agree', async (t) => {
  const parsed = validateConfig<VmsConfig>(vmsConfigSchema, {}, 'test');
  t.same(parsed, defaultVmsConfig);
  const nested = validateConfig<{ vms: VmsConfig }>(
    { vms: { type: 'object', doc: 'VMs', fields: vmsConfigSchema } },
    { vms: { networks: { prod: 'br-int:100' }, ceph: { monitors: ['198.18.9.1:6789'] } } },
    'test',
  );
  t.same(nested.vms.networks, { prod: 'br-int:100' });
  t.same(nested.vms.ceph, { monitors: ['198.18.9.1:6789'], user: '', secretUuid: '', pools: [] });
  t.throws(() => validateConfig(vmsConfigSchema, { planTTL: 5 }, 'test'), /planTtlSeconds/);
});
