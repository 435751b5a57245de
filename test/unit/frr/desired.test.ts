import t from 'tap';
import { parseBgpDesired } from '../../../agent/drivers/frr/desired.js';
import type { JsonValue } from '../../../lib/json.js';

t.test('absent: nothing to converge', async (t) => {
  t.same(parseBgpDesired(undefined), { desired: null, errors: [] });
  t.same(parseBgpDesired(null), { desired: null, errors: [] });
});

t.test('a valid document is normalised', async (t) => {
  const p = parseBgpDesired({
    asn: 65001,
    routerId: '198.18.5.1',
    neighbors: [
      { address: '198.18.5.2', remoteAs: 65002, description: 'tor-1', bfd: true },
      { address: '2001:DB8::0:2', remoteAs: 'internal' },
      { interface: 'eth1', remoteAs: 'external', shutdown: true },
    ],
    prefixes: ['198.18.5.200/32', '2001:DB8::/48', '198.18.5.200/32'],
  });
  t.same(p.errors, []);
  t.same(p.desired, {
    asn: 65001,
    routerId: '198.18.5.1',
    neighbors: [
      {
        id: '198.18.5.2',
        kind: 'address',
        remoteAs: 65002,
        description: 'tor-1',
        bfd: true,
        shutdown: false,
      },
      {
        id: '2001:db8::2',
        kind: 'address',
        remoteAs: 'internal',
        description: '',
        bfd: false,
        shutdown: false,
      },
      {
        id: 'eth1',
        kind: 'interface',
        remoteAs: 'external',
        description: '',
        bfd: false,
        shutdown: true,
      },
    ],
    prefixes: ['198.18.5.200/32', '2001:db8::/48'],
    keep: { neighbors: [], prefixes: [] },
  });
});

t.test('instance-level errors: nothing is converged', async (t) => {
  const table: [string, JsonValue][] = [
    ['not an object', 'bgp'],
    ['ASN 0', { asn: 0 }],
    ['ASN too big', { asn: 4294967296 }],
    ['ASN as text', { asn: '65001' }],
    ['router id', { asn: 65001, routerId: '198.18.5.256' }],
    ['unknown key', { asn: 65001, neighbours: [] }],
  ];
  for (const [name, raw] of table) {
    const p = parseBgpDesired(raw);
    t.equal(p.desired, null, name);
    t.match(
      p.errors,
      [{ kind: 'bgp.instance', id: 'default', ok: false, code: 'PLINTH_E_INVALID_ARGUMENT' }],
      name,
    );
  }
});

t.test('per-object errors keep the object as it is in FRR', async (t) => {
  const good = { address: '198.18.5.2', remoteAs: 65002 };
  const table: [string, JsonValue, string, string, RegExp][] = [
    [
      'bad address',
      { address: '198.18.5.300', remoteAs: 1 },
      'bgp.neighbor',
      '198.18.5.300',
      /invalid address/,
    ],
    [
      'bad remote AS',
      { address: '198.18.5.3', remoteAs: 23456 },
      'bgp.neighbor',
      '198.18.5.3',
      /invalid remoteAs/,
    ],
    [
      'remote AS missing',
      { address: '198.18.5.3' },
      'bgp.neighbor',
      '198.18.5.3',
      /invalid remoteAs/,
    ],
    [
      'newline in description',
      { address: '198.18.5.3', remoteAs: 1, description: 'a\nend' },
      'bgp.neighbor',
      '198.18.5.3',
      /newline/,
    ],
    [
      'vtysh syntax in description',
      { address: '198.18.5.3', remoteAs: 1, description: 'a ! b' },
      'bgp.neighbor',
      '198.18.5.3',
      /invalid description/,
    ],
    [
      'both address and interface',
      { address: '198.18.5.3', interface: 'eth0', remoteAs: 1 },
      'bgp.neighbor',
      '198.18.5.3',
      /exactly one/,
    ],
    [
      'bad interface name',
      { interface: 'eth0; reboot', remoteAs: 1 },
      'bgp.neighbor',
      'eth0; reboot',
      /invalid interface/,
    ],
    [
      'unknown neighbour key',
      { address: '198.18.5.3', remoteAS: 1 },
      'bgp.neighbor',
      '198.18.5.3',
      /unknown key/,
    ],
    [
      'bfd not boolean',
      { address: '198.18.5.3', remoteAs: 1, bfd: 'yes' },
      'bgp.neighbor',
      '198.18.5.3',
      /bfd must be/,
    ],
  ];
  for (const [name, bad, kind, id, msg] of table) {
    const p = parseBgpDesired({ asn: 65001, neighbors: [good, bad], prefixes: [] });
    t.match(
      p.errors,
      [{ kind, id, ok: false, code: 'PLINTH_E_INVALID_ARGUMENT', message: msg }],
      name,
    );
    t.same(
      p.desired?.neighbors.map((n) => n.id),
      ['198.18.5.2'],
      `${name}: the valid neighbour stays`,
    );
    t.same(p.desired?.keep.neighbors, [id], `${name}: the invalid one is kept as is`);
  }
  const dup = parseBgpDesired({ asn: 65001, neighbors: [good, good] });
  t.match(dup.errors, [{ id: '198.18.5.2', message: /twice/ }]);

  const pfx = parseBgpDesired({ asn: 65001, prefixes: ['198.18.5.1/24', '198.18.5.0/24'] });
  t.match(pfx.errors, [
    { kind: 'bgp.prefix', id: '198.18.5.1/24', message: /not a network address/ },
  ]);
  t.same(pfx.desired?.prefixes, ['198.18.5.0/24']);

  const lists = parseBgpDesired({ asn: 65001, neighbors: 'x', prefixes: {} });
  t.same(
    lists.desired?.keep,
    { neighbors: 'all', prefixes: 'all' },
    'a malformed list keeps everything',
  );
});
