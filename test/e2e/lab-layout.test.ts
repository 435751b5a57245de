import t from 'tap';
import { allNamespaces, assertLabName, defaultSubnetIndex, labLayout } from '../../lab/layout.js';
import { bootScript, powerOffScript, powerOnScript } from '../../lab/host-scripts.js';
import { spineConfig } from '../../lab/services.js';
import { chassisControlText, rawReading } from '../../lab/bmc-sim.js';
import { resolveLabDir } from '../../lab/state.js';

// Pure parts of plinth lab: names, addresses, generated scripts. No root needed.

t.test('layout: names and addresses from name, host count and subnet index', async (t) => {
  const l = labLayout('lab', '/tmp/plinth-lab-lab', 3, 0);
  t.equal(l.mgmtNet, '198.19.0.0/24');
  t.equal(l.fabricNet, '198.19.1.0/24');
  t.equal(l.vmNet, '198.19.2.0/24');
  t.equal(l.coordinator, '198.19.0.2:7443');
  t.equal(l.rootAddr, '198.19.0.1');
  t.equal(l.rootLink, 'pl-lab-m');
  t.same(
    l.hosts.map((h) => [h.id, h.ns, h.mgmtAddr, h.bmcAddr, h.fabricAddr, h.spineAddr, h.asn]),
    [
      ['h1', 'pl-lab-h1', '198.19.0.11', '198.19.0.101', '198.19.1.3', '198.19.1.2', 65001],
      ['h2', 'pl-lab-h2', '198.19.0.12', '198.19.0.102', '198.19.1.5', '198.19.1.4', 65002],
      ['h3', 'pl-lab-h3', '198.19.0.13', '198.19.0.103', '198.19.1.7', '198.19.1.6', 65003],
    ],
  );
  t.same(allNamespaces(l), [
    'pl-lab-net',
    'pl-lab-coord',
    'pl-lab-spine',
    'pl-lab-h1',
    'pl-lab-h1-bmc',
    'pl-lab-h2',
    'pl-lab-h2-bmc',
    'pl-lab-h3',
    'pl-lab-h3-bmc',
  ]);
  const top = labLayout('e2e', '/tmp/x', 40, 84);
  t.equal(top.mgmtNet, '198.19.252.0/24');
  t.equal(top.vmNet, '198.19.254.0/24');
  t.equal(top.hosts.at(-1)!.fabricAddr, '198.19.253.81');
  t.ok(top.rootLink.length <= 15, 'root link name fits IFNAMSIZ');
});

t.test('layout: refusals', async (t) => {
  for (const bad of ['', 'Lab', '1lab', 'lab-x', 'abcdefghijk', 'a b'])
    t.throws(() => assertLabName(bad), { code: 'PLINTH_E_INVALID_ARGUMENT' }, JSON.stringify(bad));
  t.throws(() => labLayout('lab', '/tmp/x', 0, 0), { code: 'PLINTH_E_INVALID_ARGUMENT' });
  t.throws(() => labLayout('lab', '/tmp/x', 41, 0), { code: 'PLINTH_E_INVALID_ARGUMENT' });
  t.throws(() => labLayout('lab', '/tmp/x', 3, 85), { code: 'PLINTH_E_INVALID_ARGUMENT' });
  for (const d of ['/tmp/a b', "/tmp/it's", '/run/x', '/tmp/$(x)'])
    t.throws(() => resolveLabDir('lab', d), { code: 'PLINTH_E_INVALID_ARGUMENT' }, d);
  t.equal(resolveLabDir('lab', '/srv/labs/one'), '/srv/labs/one');
});

t.test('subnet index: lab is 0, other names 1..84 and stable', async (t) => {
  t.equal(defaultSubnetIndex('lab'), 0);
  for (const n of ['e2e', 'bench', 'x', 'zzzzzzzzzz']) {
    const i = defaultSubnetIndex(n);
    t.ok(i >= 1 && i <= 84, `${n} -> ${i}`);
    t.equal(defaultSubnetIndex(n), i, 'stable');
  }
  t.not(defaultSubnetIndex('e2e'), defaultSubnetIndex('bench'), 'the test labs differ');
});

t.test('scripts: values are single-quoted, unsafe ones refused', async (t) => {
  const input = {
    ns: 'pl-lab-h1',
    hostDir: '/tmp/plinth-lab-lab/hosts/h1',
    node: '/usr/bin/node',
    plinth: [
      '--import',
      'file:///work/main/node_modules/tsx/dist/loader.mjs',
      '/work/main/lab/plinth-source.ts',
    ],
    ovsVersion: '3.1.0',
    dbVersion: '8.3.0',
    systemId: 'lab-h1',
  };
  const on = powerOnScript(input);
  t.match(on, "NS='pl-lab-h1'");
  t.match(on, /setsid -f ip netns exec "\$NS" unshare -m --propagation private/);
  t.match(
    on,
    "'/usr/bin/node' '--import' 'file:///work/main/node_modules/tsx/dist/loader.mjs' '/work/main/lab/plinth-source.ts'",
    'the runtime argv is passed word by word',
  );
  t.match(powerOffScript(input), /kill -9 \$p/);
  const boot = bootScript(input);
  for (const m of [
    '/run',
    '/var/lib/libvirt',
    '/var/cache/libvirt',
    '/var/log/libvirt',
    '/etc/libvirt',
    '/etc/frr',
  ])
    t.match(boot, new RegExp(`mount --bind "\\$H/[a-z/]+" ${m}\\n`), `binds ${m}`);
  t.throws(() => powerOnScript({ ...input, hostDir: "/tmp/a'; reboot; '" }));
  t.throws(() => bootScript({ ...input, systemId: 'a b' }));
  t.match(chassisControlText('/tmp/h1'), /"\$H\/power-off.sh"/);
});

t.test('spine config peers with every host', async (t) => {
  const c = spineConfig(labLayout('lab', '/tmp/x', 2, 0));
  t.match(c, 'router bgp 65000');
  t.match(c, 'neighbor 198.19.1.3 remote-as 65001');
  t.match(c, 'neighbor 198.19.1.5 remote-as 65002');
  t.match(c, 'no bgp ebgp-requires-policy');
});

t.test('BMC sensor raw values', async (t) => {
  t.equal(rawReading('temperature', 90), 90);
  t.equal(rawReading('fan', 6000), 60);
  t.equal(rawReading('voltage', 12), 200);
  t.throws(() => rawReading('temperature', 300));
});
