import t from 'tap';
import { parseObserveOutput } from '../../../agent/drivers/frr/index.js';
import { sessionEvents, toObjects } from '../../../agent/drivers/frr/observation.js';
import { parseNeighbors } from '../../../agent/drivers/frr/parse-json.js';
import { fixture, fixtureJson } from './fixtures.js';

t.test('rich router: every kind of object, no counters in data', async (t) => {
  const snap = parseObserveOutput(fixture('rich-observe-echo.txt'), fixture('rich-bfd-peers.json'));
  const objects = toObjects(snap);
  const get = (kind: string, id: string) =>
    objects.find((o) => o.kind === kind && o.id === id)?.data;
  const unnumbered = snap.neighbors.find((n) => n.kind === 'interface')!.id;

  t.same(get('bgp.instance', 'default'), {
    asn: 65001,
    routerId: '198.18.5.1',
    routerIdConfigured: true,
  });
  const table: [string, Record<string, unknown>][] = [
    [
      '198.18.5.2',
      {
        address: '198.18.5.2',
        remoteAs: 65002,
        peerAs: 65002,
        state: 'Established',
        established: true,
        owned: true,
        description: 'to b',
        bfd: true,
        bfdStatus: 'up',
      },
    ],
    [
      '198.18.5.6',
      { remoteAs: 'external', peerAs: 65003, owned: true, description: '', bfd: false },
    ],
    ['198.18.5.9', { remoteAs: 65009, state: 'Active', owned: false, description: 'hand made' }],
    ['198.18.5.10', { state: 'Idle', adminShutdown: true, owned: true, description: 'down' }],
    [
      unnumbered,
      { interface: unnumbered, remoteAs: 'external', owned: true, description: 'unnumbered' },
    ],
  ];
  for (const [id, want] of table) t.match(get('bgp.neighbor', id), want, id);

  t.match(get('bgp.prefix', '198.18.5.200/32'), {
    owned: true,
    announced: true,
    source: 'network',
  });
  t.match(get('bgp.prefix', '198.18.5.201/32'), { owned: false, announced: true });
  t.match(get('bgp.prefix', '198.18.5.208/29'), { owned: true, announced: false });
  t.match(get('bgp.bfd-peer', '198.18.5.2'), {
    status: 'up',
    local: '198.18.5.1',
    multihop: false,
  });

  const volatile = /uptime|msec|connections|prefixesReceived|prefixesSent|msg/i;
  for (const o of objects) {
    for (const k of Object.keys(o.data))
      t.notMatch(k, volatile, `${o.kind} ${o.id}: ${k} is not a counter`);
  }
});

t.test('empty router and no bfdd', async (t) => {
  const snap = parseObserveOutput(fixture('empty-observe-echo.txt'), null);
  t.equal(snap.instance, null);
  t.equal(snap.bfdPeers, null);
  t.same(toObjects(snap), []);
});

t.test('a truncated batch is a parse error, not an empty router', async (t) => {
  t.throws(() => parseObserveOutput('vm# show bgp summary json\n{}\n', null), {
    code: 'PLINTH_E_PARSE',
  });
});

t.test('session events: up and down, nothing on the first pass', async (t) => {
  const rich = parseObserveOutput(fixture('rich-observe-echo.txt'), null).neighbors;
  const notified = parseNeighbors(fixtureJson('notified-neighbors.json'));
  t.same(sessionEvents(null, rich), [], 'first observation adopts, no events');
  const states = (ns: typeof rich) => new Map(ns.map((n) => [n.id, n.state]));
  t.same(sessionEvents(states(rich), rich), [], 'no change, no event');
  const lost = sessionEvents(states(rich), notified);
  t.match(lost, [
    {
      type: 'bgp.session',
      severity: 'warning',
      object: { kind: 'bgp.neighbor', id: '198.18.5.2' },
      message: /lost \(Idle: Cease\/Administrative Shutdown\)/,
    },
  ]);
  t.equal(lost.length, 1);
  t.match(sessionEvents(states(notified), rich), [
    { severity: 'info', message: /198.18.5.2 established/ },
  ]);
});
