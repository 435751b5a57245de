import t from 'tap';
import { resolveRouteTables } from '../../../agent/drivers/host/config.js';
import {
  buildObjects,
  eventMatters,
  parseDumps,
  routesTruncatedCondition,
} from '../../../agent/drivers/host/observe-map.js';
import { RTM, routeTableOf } from '../../../agent/drivers/host/rtnetlink-parse.js';
import { loadDumpFixture, loadEventFixture } from './fixtures.js';

const fx = loadDumpFixture('netns-rich.json');
const state = parseDumps(fx.links, fx.addrs, fx.routes);

t.test('host.link objects', async (t) => {
  const objs = buildObjects(state, resolveRouteTables(['main'])).objects;
  const va = objs.find((o) => o.kind === 'host.link' && o.id === 'plt-host-va');
  t.match(va?.data, {
    mtu: 1500,
    operState: 'up',
    adminUp: true,
    carrier: true,
    kind: 'veth',
    mac: /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/,
  });
  const vx = objs.find((o) => o.id === 'plt-host-vx');
  t.match(vx?.data, { operState: 'down', adminUp: false, kind: 'vxlan', master: 'plt-host-br' });
  const lo = objs.find((o) => o.id === 'lo');
  t.match(lo?.data, { index: 1, operState: 'unknown', adminUp: true, mac: '00:00:00:00:00:00' });
  t.notOk('kind' in (lo?.data ?? {}), 'no kind for a link without IFLA_INFO_KIND');
  const allowed = new Set([
    'index',
    'mtu',
    'operState',
    'adminUp',
    'carrier',
    'mac',
    'kind',
    'master',
    'lowerIndex',
  ]);
  for (const o of objs.filter((x) => x.kind === 'host.link')) {
    t.same(
      Object.keys(o.data).filter((k) => !allowed.has(k)),
      [],
      `${o.id}: only state, no counters`,
    );
  }
});

t.test('host.address objects', async (t) => {
  const objs = buildObjects(state, resolveRouteTables(['main'])).objects;
  const byId = new Map(objs.filter((o) => o.kind === 'host.address').map((o) => [o.id, o.data]));
  t.same(byId.get('plt-host-va/198.18.2.1/26'), {
    link: 'plt-host-va',
    family: 'inet',
    address: '198.18.2.1',
    prefixLen: 26,
    scope: 'global',
    flags: ['permanent'],
  });
  t.match(byId.get('plt-host-vb/198.18.2.129/26'), {
    label: 'plt-host-vb:1',
    flags: ['permanent'],
  });
  t.match(byId.get('plt-host-mv/198.18.2.200/32'), { peer: '198.18.2.201' });
  t.match(byId.get('plt-host-va/2001:db8:2::1/64'), {
    family: 'inet6',
    flags: ['nodad', 'permanent'],
  });
  t.equal([...byId.keys()].length, 11);
});

t.test('host.route objects: table filter, ids, shapes', async (t) => {
  const main = buildObjects(state, resolveRouteTables(['main'])).objects.filter(
    (o) => o.kind === 'host.route',
  );
  t.ok(
    main.every((o) => o.data.table === 'main'),
    'only the main table by default',
  );
  const ids = main.map((o) => o.id);
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  t.ok(ids.includes('main 0.0.0.0/0 via 198.18.2.62 dev plt-host-va'), 'default route id');
  t.ok(ids.includes('main blackhole 198.18.2.240/29'));
  t.ok(ids.includes('main unreachable 198.18.2.248/30 metric 50'));
  t.ok(
    ids.includes(
      'main 198.18.2.224/29 nexthop via 198.18.2.62 dev plt-host-va nexthop via 198.18.2.126 dev plt-host-vb',
    ),
    ids.join('\n'),
  );
  t.ok(ids.includes('main 2001:db8:2::/64 dev plt-host-va metric 256'));
  t.ok(
    ids.includes('main 2001:db8:2::/64 dev plt-host-vb metric 256'),
    'same prefix on two links: two objects',
  );
  const bgp = main.find((o) => o.data.dst === '198.18.2.160/28');
  t.same(bgp?.data, {
    family: 'inet',
    table: 'main',
    type: 'unicast',
    dst: '198.18.2.160/28',
    protocol: 'bgp',
    scope: 'global',
    metric: 20,
    gateway: '198.18.2.62',
    dev: 'plt-host-va',
  });

  const more = buildObjects(state, resolveRouteTables(['main', '100', '1000'])).objects;
  t.ok(more.some((o) => o.id === '100 198.18.2.192/27 via 198.18.2.62 dev plt-host-va'));
  t.ok(more.some((o) => o.id === '1000 198.18.2.0/24 dev plt-host-va'));
  const all = buildObjects(state, resolveRouteTables(['all'])).objects;
  t.ok(
    all.some((o) => o.data.table === 'local'),
    'all includes the local table',
  );
});

t.test('the same state maps to the same objects (nothing volatile)', async (t) => {
  const again = parseDumps(fx.links, fx.addrs, fx.routes);
  t.same(buildObjects(again, 'all'), buildObjects(state, 'all'));
});

t.test('a link gone between dumps does not break addresses or routes', async (t) => {
  const partial = { ...state, links: state.links.filter((l) => l.name !== 'plt-host-vb') };
  const objs = buildObjects(partial, 'all').objects;
  const idx = state.links.find((l) => l.name === 'plt-host-vb')!.index;
  t.ok(objs.some((o) => o.kind === 'host.address' && o.id.startsWith(`if${idx}/`)));
});

t.test('maxRoutes cuts the route list and says so', async (t) => {
  const full = buildObjects(state, 'all');
  t.equal(full.droppedRoutes, 0);
  t.same(routesTruncatedCondition(0, 5).status, false);
  const cut = buildObjects(state, 'all', 5);
  t.equal(cut.objects.filter((o) => o.kind === 'host.route').length, 5);
  t.equal(cut.droppedRoutes, full.objects.filter((o) => o.kind === 'host.route').length - 5);
  t.match(routesTruncatedCondition(cut.droppedRoutes, 5), {
    type: 'host.routes-truncated',
    status: true,
    reason: 'TooManyRoutes',
    message: /maxRoutes=5/,
  });
  t.equal(
    cut.objects.filter((o) => o.kind === 'host.link').length,
    full.objects.filter((o) => o.kind === 'host.link').length,
    'links and addresses are never cut',
  );
});

t.test('route config validation', async (t) => {
  t.throws(() => resolveRouteTables(['mian']), {
    code: 'PLINTH_E_CONFIG',
    message: /routeTables.*"mian"/,
  });
  t.throws(() => resolveRouteTables(['0']), { code: 'PLINTH_E_CONFIG' });
  t.throws(() => resolveRouteTables(['4294967296']), { code: 'PLINTH_E_CONFIG' });
  t.same([...(resolveRouteTables(['main', 'local', '7']) as Set<number>)], [254, 255, 7]);
});

t.test('which notifications mark the driver dirty (real captured events)', async (t) => {
  const events = loadEventFixture('netns-events.json');
  const main = resolveRouteTables(['main']);
  const seen = new Set(events.map((e) => e.type));
  for (const type of [
    RTM.NEWLINK,
    RTM.DELLINK,
    RTM.NEWADDR,
    RTM.DELADDR,
    RTM.NEWROUTE,
    RTM.DELROUTE,
  ]) {
    t.ok(seen.has(type), `fixture has message type ${type}`);
  }
  for (const e of events) {
    if (
      e.type === RTM.NEWLINK ||
      e.type === RTM.DELLINK ||
      e.type === RTM.NEWADDR ||
      e.type === RTM.DELADDR
    ) {
      t.ok(eventMatters(e.type, e.payload, main), `type ${e.type} always matters`);
    }
  }
  const routeEvents = events.filter((e) => e.type === RTM.NEWROUTE || e.type === RTM.DELROUTE);
  const tables = new Set(routeEvents.map((e) => routeTableOf(e.payload)));
  t.ok(
    tables.has(254) && tables.has(255) && tables.has(100),
    `route events in main, local, 100: ${[...tables]}`,
  );
  for (const e of routeEvents) {
    const table = routeTableOf(e.payload);
    t.equal(eventMatters(e.type, e.payload, main), table === 254, `route event in table ${table}`);
  }
  t.notOk(eventMatters(3, Buffer.alloc(0), main), 'NLMSG_DONE never matters');
});
