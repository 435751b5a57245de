import t from 'tap';
import { parseRunningConfig } from '../../../agent/drivers/frr/parse-running-config.js';
import { fixture } from './fixtures.js';

t.test('empty router: no instance', async (t) => {
  const r = parseRunningConfig(fixture('empty-running-config.txt'));
  t.equal(r.asn, null);
  t.equal(r.routerId, null);
  t.equal(r.neighbors.size, 0);
  t.same(r.networks, []);
});

t.test('rich router', async (t) => {
  const r = parseRunningConfig(fixture('rich-running-config.txt'));
  t.equal(r.asn, 65001);
  t.equal(r.routerId, '198.18.5.1');
  t.ok(r.routeMaps.has('PLINTH-ANNOUNCE'));
  const unnumbered = [...r.neighbors.keys()].find((k) => /^plt-frr.*zz$/.test(k))!;
  const table: [string, Record<string, unknown>][] = [
    [
      '198.18.5.2',
      { kind: 'address', remoteAs: 65002, description: 'plinth: to b', bfd: true, shutdown: false },
    ],
    ['198.18.5.6', { kind: 'address', remoteAs: 'external', description: 'plinth', bfd: false }],
    ['198.18.5.9', { remoteAs: 65009, description: 'hand made' }],
    ['198.18.5.10', { remoteAs: 65010, shutdown: true, description: 'plinth: down' }],
    [unnumbered, { kind: 'interface', remoteAs: 'external', description: 'plinth: unnumbered' }],
  ];
  t.equal(r.neighbors.size, table.length);
  for (const [id, want] of table) t.match(r.neighbors.get(id), want, id);
  t.same(r.networks, [
    { prefix: '198.18.5.200/32', afi: 'ipv4', routeMap: 'PLINTH-ANNOUNCE' },
    { prefix: '198.18.5.201/32', afi: 'ipv4', routeMap: null },
    { prefix: '198.18.5.208/29', afi: 'ipv4', routeMap: 'PLINTH-ANNOUNCE' },
  ]);
});

t.test('peer groups and listen ranges (router B of the 50-neighbour bench)', async (t) => {
  const r = parseRunningConfig(fixture('dynamic-running-config.txt'));
  t.equal(r.asn, 65002);
  t.ok(r.peerGroups.has('BENCH'));
  t.ok(r.neighbors.has('198.18.5.1'));
  t.notOk(r.neighbors.has('BENCH'), 'the peer-group is not a neighbour');
  t.match(
    [...r.neighbors.values()].find((n) => n.kind === 'interface'),
    { remoteAs: 'external' },
  );
});

t.test('shapes not in the fixtures', async (t) => {
  const text = [
    'router bgp 65001 vrf red',
    ' neighbor 198.18.5.50 remote-as 1',
    'exit',
    '!',
    'router bgp 65001',
    ' neighbor 2001:DB8::0:1 remote-as internal',
    ' neighbor 2001:db8::1 description plinth:  two  spaces',
    ' neighbor eth7 interface peer-group TOR',
    ' neighbor 198.18.5.60 bfd profile fast',
    ' address-family ipv6 unicast',
    '  network 2001:db8:0:0::/64 route-map PLINTH-ANNOUNCE',
    ' exit-address-family',
    'exit',
    '!',
    'interface lo',
    ' ip address 198.18.5.1/32',
    'exit',
  ].join('\n');
  const r = parseRunningConfig(text);
  t.equal(r.asn, 65001, 'the default VRF instance, not vrf red');
  t.notOk(r.neighbors.has('198.18.5.50'), 'other VRFs are ignored');
  t.match(r.neighbors.get('2001:db8::1'), {
    remoteAs: 'internal',
    description: 'plinth:  two  spaces',
  });
  t.match(r.neighbors.get('eth7'), { kind: 'interface', peerGroup: 'TOR' });
  t.match(r.neighbors.get('198.18.5.60'), { bfd: true });
  t.same(r.networks, [{ prefix: '2001:db8::/64', afi: 'ipv6', routeMap: 'PLINTH-ANNOUNCE' }]);
});
