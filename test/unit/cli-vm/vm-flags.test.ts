import t from 'tap';
import {
  memoryMiB,
  parseAnnounce,
  parseDisk,
  parseDuration,
  parseKv,
  parseNic,
  parseSize,
  specFlagsGiven,
  specFromFlags,
  specFromJson,
  type CreateFlags,
} from '../../../coordinator/cli/vm-flags.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function flags(o: Partial<CreateFlags> = {}): CreateFlags {
  return {
    vcpus: '2',
    memory: '2GiB',
    disk: ['size=20GiB'],
    nic: [],
    label: [],
    require: [],
    cpuFeature: [],
    ...o,
  };
}

t.test('sizes', async (t) => {
  const ok: [string, 'MiB' | 'GiB', number][] = [
    ['2GiB', 'MiB', 2 * GiB],
    ['2G', 'MiB', 2 * GiB],
    ['2g', 'MiB', 2 * GiB],
    ['512MiB', 'GiB', 512 * MiB],
    ['512M', 'GiB', 512 * MiB],
    ['1.5GiB', 'MiB', 1.5 * GiB],
    ['20', 'GiB', 20 * GiB],
    ['2048', 'MiB', 2048 * MiB],
    ['1TiB', 'GiB', 1024 * GiB],
    ['64KiB', 'MiB', 64 * 1024],
    ['4096B', 'MiB', 4096],
    [' 3 GiB ', 'MiB', 3 * GiB],
  ];
  for (const [text, unit, want] of ok) t.equal(parseSize(text, '--x', unit), want, text);
  const bad: [string, RegExp][] = [
    ['2GB', /GB is ambiguous.*2GiB or 2G/],
    ['512MB', /MB is ambiguous/],
    ['2 gallons', /unknown unit "gallons"/],
    ['two', /not a size/],
    ['-1G', /not a size/],
    ['0', /more than zero/],
    ['', /not a size/],
    ['1e9', /not a size/],
  ];
  for (const [text, re] of bad)
    t.throws(
      () => parseSize(text, '--memory', 'MiB'),
      { code: 'PLINTH_E_INVALID_ARGUMENT', message: re },
      text,
    );
});

t.test('memory is a whole number of MiB', async (t) => {
  t.equal(memoryMiB('2GiB'), 2048);
  t.equal(memoryMiB('1.5G'), 1536);
  t.equal(memoryMiB('768'), 768);
  t.throws(() => memoryMiB('1000KiB'), {
    message: /--memory "1000KiB" is not a whole number of MiB/,
  });
});

t.test('durations', async (t) => {
  const ok: [string, number][] = [
    ['10m', 600_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['30', 30_000],
    ['1.5m', 90_000],
  ];
  for (const [text, want] of ok) t.equal(parseDuration(text, '--deadline'), want, text);
  for (const text of ['10 minutes', 'm10', '', '10x', '0s', '5m trailing'])
    t.throws(
      () => parseDuration(text, '--deadline'),
      { message: /--deadline/ },
      JSON.stringify(text),
    );
});

t.test('disks', async (t) => {
  const ok: [string, number, unknown][] = [
    ['size=20GiB', 0, { name: 'disk0', sizeGiB: 20, pool: 'local', shared: false }],
    ['20GiB', 1, { name: 'disk1', sizeGiB: 20, pool: 'local', shared: false }],
    ['size=100G,pool=rbd', 0, { name: 'disk0', sizeGiB: 100, pool: 'rbd', shared: true }],
    ['size=10,pool=local,shared', 0, { name: 'disk0', sizeGiB: 10, pool: 'local', shared: true }],
    [
      'size=10,pool=rbd,shared=false,name=root',
      0,
      { name: 'root', sizeGiB: 10, pool: 'rbd', shared: false },
    ],
    ['SIZE=1TiB', 0, { name: 'disk0', sizeGiB: 1024, pool: 'local', shared: false }],
  ];
  for (const [text, i, want] of ok) t.same(parseDisk(text, i), want, text);
  const bad: [string, RegExp][] = [
    ['pool=rbd', /size is missing/],
    ['size=512MiB', /not a whole number of GiB/],
    ['size=20GB', /ambiguous/],
    ['size=20GiB,colour=blue', /unknown field "colour"; fields are size, pool, shared, name/],
    ['size=20GiB,pool=../etc', /pool "..\/etc" is not a valid pool name/],
    ['size=20GiB,shared=maybe', /"maybe" is not true or false/],
    ['size=20GiB,,pool=x', /empty field/],
    ['', /--disk is empty/],
  ];
  for (const [text, re] of bad) t.throws(() => parseDisk(text, 0), { message: re }, text);
});

t.test('nics and announcements', async (t) => {
  t.same(parseNic('prod'), { network: 'prod' });
  t.same(parseNic('network=prod,mac=52:54:00:AB:cd:01,announce=198.19.100.5'), {
    network: 'prod',
    mac: '52:54:00:ab:cd:01',
    announce: '198.19.100.5/32',
  });
  t.same(parseNic('network=v6,announce=2001:db8::5/128'), {
    network: 'v6',
    announce: '2001:db8::5/128',
  });
  const bad: [string, RegExp][] = [
    ['mac=52:54:00:00:00:01', /network is missing/],
    ['network=prod,mac=5254.0000.0001', /not like 52:54:00:12:34:56/],
    ['network=prod,announce=198.19.100.0/24', /is a range; a VM announces one address \(\/32\)/],
    ['network=prod,announce=banana', /not an IP address/],
    ['network=prod,vlan=5', /unknown field "vlan"/],
    ['network=pr od', /not a valid network name/],
  ];
  for (const [text, re] of bad) t.throws(() => parseNic(text), { message: re }, text);
  t.equal(parseAnnounce('198.19.100.5/32', 'x'), '198.19.100.5/32');
});

t.test('labels', async (t) => {
  t.same(parseKv(['app=web', 'tier=1', 'empty='], '--label'), { app: 'web', tier: '1', empty: '' });
  t.throws(() => parseKv(['app'], '--label'), { message: /--label "app" is not key=value/ });
  t.throws(() => parseKv(['App=web'], '--label'), { message: /key "App" must be lowercase/ });
  t.throws(() => parseKv(['a=x y'], '--require'), { message: /--require "a=x y": value "x y"/ });
  t.throws(() => parseKv(['a=1', 'a=2'], '--label'), { message: /--label a is given twice/ });
});

t.test('flags to a spec', async (t) => {
  t.same(specFromFlags('web-1', flags()), {
    name: 'web-1',
    vcpus: 2,
    memoryMiB: 2048,
    disks: [{ name: 'disk0', sizeGiB: 20, pool: 'local', shared: false }],
    nics: [],
    labels: {},
    requiredLabels: {},
    onHostFailure: 'keep',
  });
  const full = specFromFlags(
    'db-1',
    flags({
      vcpus: '8',
      memory: '32G',
      disk: ['size=100GiB,pool=rbd', 'size=10GiB,name=scratch'],
      nic: ['network=prod,announce=198.19.100.5/32', 'backup'],
      kernel: '/srv/vmlinuz',
      initrd: '/srv/initrd',
      cmdline: 'console=ttyS0',
      label: ['app=db'],
      require: ['rack=r1'],
      cpuFeature: ['avx2', 'avx2', 'vmx'],
      group: 'dbs',
      policy: 'anti-affinity',
      scope: 'rack',
      soft: true,
      onHostFailure: 'restart-after-fence',
      domainType: 'qemu',
    }),
  );
  t.same(full, {
    name: 'db-1',
    vcpus: 8,
    memoryMiB: 32768,
    disks: [
      { name: 'disk0', sizeGiB: 100, pool: 'rbd', shared: true },
      { name: 'scratch', sizeGiB: 10, pool: 'local', shared: false },
    ],
    nics: [{ network: 'prod', announce: '198.19.100.5/32' }, { network: 'backup' }],
    labels: { app: 'db' },
    requiredLabels: { rack: 'r1' },
    onHostFailure: 'restart-after-fence',
    boot: { kernel: '/srv/vmlinuz', initrd: '/srv/initrd', cmdline: 'console=ttyS0' },
    domainType: 'qemu',
    cpuFeatures: ['avx2', 'vmx'],
    group: { name: 'dbs', policy: 'anti-affinity', scope: 'rack', hard: false },
  });
  t.same(
    specFromFlags('g', flags({ group: 'web' })).group,
    {
      name: 'web',
      policy: 'anti-affinity',
      scope: 'host',
      hard: true,
    },
    'group defaults: hard anti-affinity per host',
  );
  t.same(
    specFromFlags('k', flags({ disk: [], kernel: '/k' })).boot,
    { kernel: '/k' },
    'kernel alone boots',
  );

  const bad: [string | undefined, Partial<CreateFlags>, RegExp][] = [
    [undefined, {}, /the VM name is missing/],
    ['bad name', {}, /VM name "bad name" is not valid/],
    ['-x', {}, /VM name "-x" is not valid/],
    ['a', { vcpus: undefined }, /--vcpus is missing/],
    ['a', { memory: undefined }, /--memory is missing/],
    ['a', { vcpus: '0' }, /--vcpus 0 is out of range: 1 to 1024/],
    ['a', { vcpus: '2.5' }, /--vcpus "2.5" is not a whole number/],
    ['a', { memory: '2GB' }, /ambiguous/],
    ['a', { disk: [] }, /nothing to boot: give a --disk/],
    ['a', { initrd: '/i' }, /--initrd and --cmdline go with --kernel/],
    ['a', { disk: ['10G', 'size=10G,name=disk0'] }, /two disks are named disk0/],
    ['a', { domainType: 'xen' }, /--domain-type "xen": kvm or qemu/],
    [
      'a',
      { onHostFailure: 'pray' },
      /--on-host-failure "pray": keep, restart-after-fence, replace/,
    ],
    ['a', { policy: 'affinity' }, /add --group NAME/],
    ['a', { soft: true }, /add --group NAME/],
    ['a', { group: 'g', policy: 'friends' }, /--policy "friends": anti-affinity or affinity/],
    ['a', { group: 'g', scope: 'row' }, /--scope "row": host or rack/],
    ['a', { group: 'g/h' }, /--group "g\/h" is not a valid group name/],
    ['a', { cpuFeature: ['AVX 2'] }, /--cpu-feature "AVX 2"/],
  ];
  for (const [name, o, re] of bad)
    t.throws(
      () => specFromFlags(name, flags(o)),
      { code: 'PLINTH_E_INVALID_ARGUMENT', message: re },
      String(re),
    );
});

t.test('--spec FILE', async (t) => {
  t.same(specFromJson('{"name":"a","vcpus":1}', 'f.json', undefined), { name: 'a', vcpus: 1 });
  t.same(specFromJson('{"vcpus":1}', 'f.json', 'b'), { name: 'b', vcpus: 1 }, 'NAME fills in');
  t.throws(() => specFromJson('{"vcpus":1}', 'f.json', undefined), {
    message: /has no "name": add one, or give NAME/,
  });
  t.throws(() => specFromJson('{"name":"a"}', 'f.json', 'b'), {
    message: /"b" differs from the spec's "a"/,
  });
  t.throws(() => specFromJson('{nope', 'f.json', undefined), {
    message: /--spec f.json is not valid JSON/,
  });
  t.throws(() => specFromJson('[1]', 'f.json', undefined), { message: /not a JSON object/ });
  t.same(specFlagsGiven(flags()), ['--vcpus', '--memory', '--disk']);
  t.same(
    specFlagsGiven({ disk: [], nic: [], label: ['a=b'], require: [], cpuFeature: [], soft: true }),
    ['--soft', '--label'],
  );
});
