import t from 'tap';
import {
  parseBfdPeers,
  parseInterfaces,
  parseJsonText,
  parseLocalRoutes,
  parseNeighbors,
  parseSummaryInstance,
  parseSummaryPeers,
  sessionFingerprint,
  splitEchoed,
  withDynamic,
} from '../../../agent/drivers/frr/parse-json.js';
import { OBSERVE_COMMANDS } from '../../../agent/drivers/frr/index.js';
import { fixture, fixtureJson } from './fixtures.js';

t.test('summary: instance', async (t) => {
  const table: [string, unknown][] = [
    ['empty-summary.json', null],
    ['rich-summary.json', { asn: 65001, routerId: '198.18.5.1' }],
    ['dynamic-summary.json', { asn: 65002, routerId: '198.18.5.2' }],
  ];
  for (const [file, want] of table) t.same(parseSummaryInstance(fixtureJson(file)), want, file);
});

t.test('summary: peers and the session fingerprint', async (t) => {
  const peers = parseSummaryPeers(fixtureJson('rich-summary.json'));
  const byId = new Map(peers.map((p) => [p.id, p]));
  t.equal(peers.length, 5);
  t.match(byId.get('198.18.5.2'), { state: 'Established', dynamic: false });
  t.match(byId.get('198.18.5.10'), { state: 'Idle (Admin)' });
  t.match(byId.get('198.18.5.9'), { state: 'Active' });

  const dyn = parseSummaryPeers(fixtureJson('dynamic-summary.json'));
  t.equal(dyn.filter((p) => p.dynamic).length, 50, '50 dynamic peers');
  t.ok(
    dyn.filter((p) => !p.dynamic).every((p) => !p.id.startsWith('198.18.6.')),
    'the configured ones are not dynamic',
  );

  const rich = fixtureJson('rich-summary.json');
  const notified = fixtureJson('notified-summary.json');
  t.equal(sessionFingerprint(rich), sessionFingerprint(structuredClone(rich)), 'stable');
  t.not(sessionFingerprint(rich), sessionFingerprint(notified), 'a lost session changes it');
  t.equal(sessionFingerprint(fixtureJson('empty-summary.json')), 'none|');
  // Uptime and message counters tick every second: they must not change the fingerprint.
  const ticked = structuredClone(rich) as {
    ipv4Unicast: { peers: Record<string, Record<string, number>> };
  };
  for (const p of Object.values(ticked.ipv4Unicast.peers)) {
    p.peerUptimeMsec = (p.peerUptimeMsec ?? 0) + 5000;
    p.msgRcvd = (p.msgRcvd ?? 0) + 3;
  }
  t.equal(sessionFingerprint(ticked), sessionFingerprint(rich), 'counters do not count');
});

t.test('neighbors', async (t) => {
  t.same(parseNeighbors(fixtureJson('empty-neighbors.json')), []);
  const list = parseNeighbors(fixtureJson('rich-neighbors.json'));
  const byId = new Map(list.map((n) => [n.id, n]));
  const unnumbered = list.find((n) => /^plt-frr.*zz$/.test(n.id));
  t.ok(unnumbered, 'interface neighbour present');
  const table: [string, Record<string, unknown>][] = [
    [
      '198.18.5.2',
      {
        kind: 'address',
        remoteAs: 65002,
        localAs: 65001,
        state: 'Established',
        adminShutdown: false,
        description: 'plinth: to b',
        bfdStatus: 'up',
        prefixesSent: 2,
        prefixesReceived: 0,
        // Captured right after creation: the first session was replaced once.
        connectionsEstablished: 2,
        connectionsDropped: 1,
      },
    ],
    [
      '198.18.5.6',
      { remoteAs: 65003, description: 'plinth', state: 'Established', bfdStatus: null },
    ],
    ['198.18.5.9', { state: 'Active', description: 'hand made', uptimeMs: 0 }],
    ['198.18.5.10', { state: 'Idle', adminShutdown: true, description: 'plinth: down' }],
    [
      unnumbered!.id,
      { kind: 'interface', remoteAs: null, state: 'Idle', description: 'plinth: unnumbered' },
    ],
  ];
  for (const [id, want] of table) t.match(byId.get(id), want, id);
  t.ok(byId.get('198.18.5.2')!.uptimeMs > 0, 'established session has an uptime');

  const notified = new Map(
    parseNeighbors(fixtureJson('notified-neighbors.json')).map((n) => [n.id, n]),
  );
  t.match(notified.get('198.18.5.2'), {
    state: 'Idle',
    uptimeMs: 0,
    connectionsDropped: 2,
    lastError: 'Cease/Administrative Shutdown',
  });

  const one = parseNeighbors(fixtureJson('dynamic-neighbor.json'));
  t.equal(one.length, 1);
  t.match(one[0], { peerGroup: 'BENCH', state: 'Established', dynamic: false });
  const dyn = withDynamic(one, parseSummaryPeers(fixtureJson('dynamic-summary.json')));
  t.equal(dyn[0]!.dynamic, true, 'the summary marks it dynamic');
});

t.test('local routes', async (t) => {
  t.same(parseLocalRoutes(fixtureJson('empty-ipv4-unicast.json'), 'ipv4'), []);
  t.same(parseLocalRoutes(fixtureJson('rich-ipv4-unicast.json'), 'ipv4'), [
    { prefix: '198.18.5.200/32', afi: 'ipv4', valid: true },
    { prefix: '198.18.5.201/32', afi: 'ipv4', valid: true },
    // Its prefix is not in A's RIB (import-check): configured but not announced.
    { prefix: '198.18.5.208/29', afi: 'ipv4', valid: false },
  ]);
  t.same(
    parseLocalRoutes(fixtureJson('rich-peer-b-ipv4-unicast.json'), 'ipv4'),
    [],
    'routes learnt from a peer are not local',
  );
});

t.test('bfd peers', async (t) => {
  t.same(parseBfdPeers(fixtureJson('empty-bfd-peers.json')), []);
  const peers = parseBfdPeers(fixtureJson('rich-bfd-peers.json'));
  t.equal(peers.length, 1);
  t.match(peers[0], {
    peer: '198.18.5.2',
    local: '198.18.5.1',
    multihop: false,
    status: 'up',
    diagnostic: 'ok',
    detectMultiplier: 3,
    receiveIntervalMs: 300,
  });
});

t.test('interfaces', async (t) => {
  const ifs = parseInterfaces(fixtureJson('rich-interfaces.json'));
  const names = ifs.map((i) => i.name);
  t.equal(names[0], 'lo');
  for (const suffix of ['ab', 'ac', 'au'])
    t.ok(
      names.some((n) => n.endsWith(suffix)),
      suffix,
    );
  t.ok(ifs.every((i) => i.up));
});

t.test('splitEchoed: one vtysh call, several outputs', async (t) => {
  for (const file of ['rich-observe-echo.txt', 'empty-observe-echo.txt']) {
    const parts = splitEchoed(fixture(file), OBSERVE_COMMANDS);
    t.equal(parts.size, OBSERVE_COMMANDS.length, `${file}: every section found`);
    for (const cmd of OBSERVE_COMMANDS.filter((c) => c.endsWith('json'))) {
      t.doesNotThrow(() => parseJsonText(parts.get(cmd)!, cmd), `${file}: ${cmd} is JSON`);
    }
    t.match(parts.get('show running-config'), /Current configuration/);
  }
  const truncated = splitEchoed('vm# show bgp summary json\n{}\n', OBSERVE_COMMANDS);
  t.equal(truncated.size, 1, 'a batch vtysh stopped early yields only what ran');
  t.throws(() => parseJsonText('bgpd is not running', 'x'), { code: 'PLINTH_E_PARSE' });
});
