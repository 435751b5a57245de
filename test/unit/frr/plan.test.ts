import t from 'tap';
import { assemble, plan, stepResults } from '../../../agent/drivers/frr/plan.js';
import { parseRunningConfig } from '../../../agent/drivers/frr/parse-running-config.js';
import type { BgpDesired, DesiredNeighbor } from '../../../agent/drivers/frr/types.js';
import { fixture } from './fixtures.js';

const empty = parseRunningConfig(fixture('empty-running-config.txt'));
const rich = parseRunningConfig(fixture('rich-running-config.txt'));
const unnumbered = [...rich.neighbors.keys()].find((k) => /^plt-frr.*zz$/.test(k))!;
const richIfs = ['lo', unnumbered];

const nb = (id: string, over: Partial<DesiredNeighbor> = {}): DesiredNeighbor => ({
  id,
  kind: 'address',
  remoteAs: 65002,
  description: '',
  bfd: false,
  shutdown: false,
  ...over,
});

/** The desired state that matches what plinth owns in the rich fixture. */
const richNeighbors = (): DesiredNeighbor[] => [
  nb('198.18.5.2', { remoteAs: 65002, description: 'to b', bfd: true }),
  nb('198.18.5.6', { remoteAs: 'external' }),
  nb('198.18.5.10', { remoteAs: 65010, description: 'down', shutdown: true }),
  nb(unnumbered, { kind: 'interface', remoteAs: 'external', description: 'unnumbered' }),
];
const richDesired = (over: Partial<BgpDesired> = {}): BgpDesired => ({
  asn: 65001,
  routerId: '198.18.5.1',
  neighbors: richNeighbors(),
  prefixes: ['198.18.5.200/32', '198.18.5.208/29'],
  keep: { neighbors: [], prefixes: [] },
  ...over,
});
const replace = (id: string, over: Partial<DesiredNeighbor>) =>
  richNeighbors().map((n) => (n.id === id ? { ...n, ...over } : n));

t.test('from nothing: instance, neighbour, announcement', async (t) => {
  const p = plan({
    desired: {
      asn: 65001,
      routerId: '198.18.5.1',
      neighbors: [
        nb('198.18.5.2', { description: 'to b', bfd: true }),
        nb('198.18.5.6', { remoteAs: 'external', shutdown: true }),
      ],
      prefixes: ['198.18.5.200/32'],
      keep: { neighbors: [], prefixes: [] },
    },
    running: empty,
    interfaces: ['lo'],
  });
  t.same(p.commands, [
    'route-map PLINTH-ANNOUNCE permit 10',
    'exit',
    'router bgp 65001',
    'no bgp ebgp-requires-policy',
    'bgp router-id 198.18.5.1',
    'neighbor 198.18.5.2 remote-as 65002',
    'neighbor 198.18.5.2 description plinth: to b',
    'neighbor 198.18.5.2 bfd',
    'neighbor 198.18.5.6 remote-as external',
    'neighbor 198.18.5.6 shutdown',
    'neighbor 198.18.5.6 description plinth',
    'address-family ipv4 unicast',
    'network 198.18.5.200/32 route-map PLINTH-ANNOUNCE',
    'exit-address-family',
    'exit',
  ]);
  t.same(p.results, []);
  t.same(
    p.steps.map((s) => [s.kind, s.id, s.action]),
    [
      ['bgp.prefix', 'route-map PLINTH-ANNOUNCE', 'create'],
      ['bgp.instance', 'default', 'create'],
      ['bgp.neighbor', '198.18.5.2', 'create'],
      ['bgp.neighbor', '198.18.5.6', 'create'],
      ['bgp.prefix', '198.18.5.200/32', 'create'],
    ],
  );
});

t.test('converged: nothing to do, every object a no-op', async (t) => {
  const p = plan({ desired: richDesired(), running: rich, interfaces: richIfs });
  t.same(p.commands, []);
  t.equal(p.results.length, 1 + 4 + 2);
  t.ok(p.results.every((r) => r.ok && r.action === 'noop'));
});

t.test('minimal diffs against the rich router', async (t) => {
  const table: [string, Partial<BgpDesired>, string[]][] = [
    [
      'description only',
      { neighbors: replace('198.18.5.6', { description: 'c' }) },
      ['router bgp 65001', 'neighbor 198.18.5.6 description plinth: c', 'exit'],
    ],
    [
      'bring a neighbour up',
      { neighbors: replace('198.18.5.10', { shutdown: false }) },
      ['router bgp 65001', 'no neighbor 198.18.5.10 shutdown', 'exit'],
    ],
    [
      'shut a neighbour down',
      { neighbors: replace('198.18.5.2', { shutdown: true }) },
      ['router bgp 65001', 'neighbor 198.18.5.2 shutdown', 'exit'],
    ],
    [
      'BFD off',
      { neighbors: replace('198.18.5.2', { bfd: false }) },
      ['router bgp 65001', 'no neighbor 198.18.5.2 bfd', 'exit'],
    ],
    [
      'remote AS',
      { neighbors: replace('198.18.5.6', { remoteAs: 65003 }) },
      ['router bgp 65001', 'neighbor 198.18.5.6 remote-as 65003', 'exit'],
    ],
    [
      'interface neighbour remote AS',
      { neighbors: replace(unnumbered, { remoteAs: 65100 }) },
      ['router bgp 65001', `neighbor ${unnumbered} interface remote-as 65100`, 'exit'],
    ],
    [
      'remove an owned neighbour; the hand-made one stays',
      { neighbors: richNeighbors().filter((n) => n.id !== '198.18.5.10') },
      ['router bgp 65001', 'no neighbor 198.18.5.10', 'exit'],
    ],
    [
      'remove the owned interface neighbour',
      { neighbors: richNeighbors().filter((n) => n.id !== unnumbered) },
      ['router bgp 65001', `no neighbor ${unnumbered} interface`, 'exit'],
    ],
    [
      'withdraw one announcement',
      { prefixes: ['198.18.5.208/29'] },
      [
        'router bgp 65001',
        'address-family ipv4 unicast',
        'no network 198.18.5.200/32 route-map PLINTH-ANNOUNCE',
        'exit-address-family',
        'exit',
      ],
    ],
    [
      'add an announcement: the route-map exists already',
      { prefixes: ['198.18.5.200/32', '198.18.5.208/29', '198.18.5.216/29'] },
      [
        'router bgp 65001',
        'address-family ipv4 unicast',
        'network 198.18.5.216/29 route-map PLINTH-ANNOUNCE',
        'exit-address-family',
        'exit',
      ],
    ],
    [
      'an IPv6 announcement',
      { prefixes: ['198.18.5.200/32', '198.18.5.208/29', '2001:db8::/48'] },
      [
        'router bgp 65001',
        'address-family ipv6 unicast',
        'network 2001:db8::/48 route-map PLINTH-ANNOUNCE',
        'exit-address-family',
        'exit',
      ],
    ],
    [
      'router id',
      { routerId: '198.18.5.5' },
      ['router bgp 65001', 'bgp router-id 198.18.5.5', 'exit'],
    ],
    ['no router id in desired: left as it is', { routerId: undefined }, []],
    [
      'invalid entries are kept: neither changed nor removed',
      {
        neighbors: richNeighbors().filter((n) => n.id !== '198.18.5.10'),
        prefixes: ['198.18.5.208/29'],
        keep: { neighbors: ['198.18.5.10'], prefixes: ['198.18.5.200/32'] },
      },
      [],
    ],
    [
      'a malformed list keeps everything',
      { neighbors: [], prefixes: [], keep: { neighbors: 'all', prefixes: 'all' } },
      [],
    ],
  ];
  for (const [name, over, want] of table) {
    const p = plan({ desired: richDesired(over), running: rich, interfaces: richIfs });
    t.same(p.commands, want, name);
    t.ok(
      p.results.every((r) => r.ok),
      `${name}: no errors`,
    );
  }
});

t.test('what plinth does not own is reported and never named in a command', async (t) => {
  const handNeighbor = plan({
    desired: richDesired({
      neighbors: [...richNeighbors(), nb('198.18.5.9', { remoteAs: 65009, description: 'mine' })],
    }),
    running: rich,
    interfaces: richIfs,
  });
  t.same(handNeighbor.commands, []);
  t.match(
    handNeighbor.results.find((r) => r.id === '198.18.5.9'),
    { ok: false, code: 'PLINTH_E_CONFLICT' },
  );

  const handNetwork = plan({
    desired: richDesired({ prefixes: ['198.18.5.200/32', '198.18.5.201/32', '198.18.5.208/29'] }),
    running: rich,
    interfaces: richIfs,
  });
  t.same(handNetwork.commands, []);
  t.match(
    handNetwork.results.find((r) => r.id === '198.18.5.201/32'),
    { ok: false, code: 'PLINTH_E_CONFLICT' },
  );

  const nothing = plan({
    desired: richDesired({ neighbors: [], prefixes: [] }),
    running: rich,
    interfaces: richIfs,
  });
  const named = nothing.commands.join('\n');
  t.notMatch(named, '198.18.5.9', 'the hand-made neighbour is never named');
  t.notMatch(named, '198.18.5.201', 'the hand-made network is never named');
  t.match(named, 'no neighbor 198.18.5.2');
});

t.test('neighbour on a missing interface', async (t) => {
  const p = plan({
    desired: richDesired({
      neighbors: [...richNeighbors(), nb('eth9', { kind: 'interface', remoteAs: 'external' })],
    }),
    running: rich,
    interfaces: richIfs,
  });
  t.same(p.commands, []);
  t.match(
    p.results.find((r) => r.id === 'eth9'),
    { ok: false, code: 'PLINTH_E_NOT_FOUND', message: /does not exist/ },
  );
  const existing = plan({ desired: richDesired(), running: rich, interfaces: ['lo'] });
  t.same(existing.commands, [], 'an owned neighbour whose interface vanished is left as it is');
  t.match(
    existing.results.find((r) => r.id === unnumbered),
    { ok: false, code: 'PLINTH_E_NOT_FOUND' },
  );
  const unknownIfs = plan({ desired: richDesired(), running: rich, interfaces: null });
  t.same(unknownIfs.commands, [], 'interfaces unknown: not checked');
});

t.test('another ASN running: conflict, nothing touched', async (t) => {
  const p = plan({ desired: richDesired({ asn: 65009 }), running: rich, interfaces: richIfs });
  t.same(p.commands, []);
  t.equal(p.results.length, 1 + 4 + 2);
  t.ok(p.results.every((r) => !r.ok && r.code === 'PLINTH_E_CONFLICT'));
});

t.test('results after applying: what a re-plan still wants failed', async (t) => {
  const desired = richDesired({
    neighbors: replace('198.18.5.6', { description: 'c' }),
    prefixes: ['198.18.5.208/29'],
  });
  const p = plan({ desired, running: rich, interfaces: richIfs });
  t.same(stepResults(p.steps, { ...p, steps: [] }, null), [
    { kind: 'bgp.neighbor', id: '198.18.5.6', ok: true, action: 'update' },
    { kind: 'bgp.prefix', id: '198.18.5.200/32', ok: true, action: 'delete' },
  ]);
  const half = stepResults(
    p.steps,
    { ...p, steps: p.steps.filter((s) => s.kind === 'bgp.prefix') },
    'boom',
  );
  t.match(half, [
    { id: '198.18.5.6', ok: true },
    { id: '198.18.5.200/32', ok: false, code: 'PLINTH_E_EXEC_FAILED', message: /boom/ },
  ]);
});

t.test('assemble: one step on its own', async (t) => {
  const p = plan({
    desired: richDesired({ prefixes: ['198.18.5.208/29'] }),
    running: rich,
    interfaces: richIfs,
  });
  t.same(assemble(65001, p.steps), p.commands);
  t.same(assemble(65001, []), []);
});

t.test(
  'importCheck: set only when desired differs from running; absent leaves it alone',
  async (t) => {
    const off = plan({
      desired: richDesired({ importCheck: false }),
      running: rich,
      interfaces: richIfs,
    });
    t.same(off.commands, ['router bgp 65001', 'no bgp network import-check', 'exit']);
    const withOff = parseRunningConfig(
      fixture('rich-running-config.txt').replace(
        ' bgp router-id 198.18.5.1',
        ' bgp router-id 198.18.5.1\n no bgp network import-check',
      ),
    );
    t.equal(withOff.importCheck, false, 'the parser sees "no bgp network import-check"');
    t.equal(rich.importCheck, true, "FRR's default is on");
    const same = plan({
      desired: richDesired({ importCheck: false }),
      running: withOff,
      interfaces: richIfs,
    });
    t.same(same.commands, [], 'already off: nothing to do');
    const back = plan({
      desired: richDesired({ importCheck: true }),
      running: withOff,
      interfaces: richIfs,
    });
    t.same(back.commands, ['router bgp 65001', 'bgp network import-check', 'exit']);
    const absent = plan({ desired: richDesired(), running: withOff, interfaces: richIfs });
    t.same(absent.commands, [], 'no opinion: not touched');
  },
);
