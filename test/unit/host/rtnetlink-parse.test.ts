import t from 'tap';
import { formatIpv6 } from '../../../agent/drivers/host/addr-format.js';
import { parseDumps } from '../../../agent/drivers/host/observe-map.js';
import {
  RTM,
  encodeLinkDumpRequest,
  encodeLinkGetRequest,
  parseAddr,
  parseAttrs,
  parseLink,
  parseRoute,
  routeTableOf,
} from '../../../agent/drivers/host/rtnetlink-parse.js';
import { loadDumpFixture, type IpRoute } from './fixtures.js';

// Real dumps captured with test/fixtures/host/capture.ts; iproute2's JSON of the same
// moment is the independent expectation.
for (const name of ['netns-rich.json', 'host-machine.json']) {
  t.test(`links, addresses and routes of ${name} match iproute2`, async (t) => {
    const fx = loadDumpFixture(name);
    const state = parseDumps(fx.links, fx.addrs, fx.routes);
    const names = new Map(state.links.map((l) => [l.index, l.name]));

    t.equal(state.links.length, fx.ip.link.length, 'one link per ip link entry');
    for (const ip of fx.ip.link) {
      const l = state.links.find((x) => x.index === ip.ifindex);
      if (!l) {
        t.fail(`link ${ip.ifname} missing`);
        continue;
      }
      t.equal(l.name, ip.ifname, `${ip.ifname}: name`);
      t.equal(l.mtu, ip.mtu, `${ip.ifname}: mtu`);
      t.equal(l.operState, ip.operstate.toLowerCase(), `${ip.ifname}: operstate`);
      t.equal(l.adminUp, ip.flags.includes('UP'), `${ip.ifname}: admin up`);
      t.equal(l.lowerUp, ip.flags.includes('LOWER_UP'), `${ip.ifname}: lower up`);
      t.equal(l.mac, ip.address, `${ip.ifname}: mac`);
      t.equal(l.kind, ip.linkinfo?.info_kind, `${ip.ifname}: kind`);
      t.equal(l.slaveKind, ip.linkinfo?.info_slave_kind, `${ip.ifname}: slave kind`);
      t.equal(
        l.masterIndex ? names.get(l.masterIndex) : undefined,
        ip.master,
        `${ip.ifname}: master`,
      );
    }

    const ours = state.addrs
      .map(
        (a) =>
          `${names.get(a.index)} ${a.family} ${a.address}/${a.prefixLen} ${a.scope} ${a.label ?? ''} ${a.peer ?? ''}`,
      )
      .sort();
    const theirs = fx.ip.addr
      .flatMap((l) =>
        (l.addr_info ?? []).map(
          (a) =>
            `${l.ifname} ${a.family} ${a.local}/${a.prefixlen} ${a.scope} ${a.label ?? ''} ${a.address ?? ''}`,
        ),
      )
      .sort();
    t.same(ours, theirs, 'addresses');

    const norm = (dst: string, family: string) =>
      dst === 'default'
        ? family === 'inet'
          ? '0.0.0.0/0'
          : '::/0'
        : dst.includes('/')
          ? dst
          : `${dst}/${family === 'inet' ? 32 : 128}`;
    const ipKey = (r: IpRoute, family: string) =>
      [
        r.table ?? 'main',
        r.type ?? 'unicast',
        norm(r.dst, family),
        r.gateway ?? r.via?.host ?? '',
        r.dev ?? '',
        r.protocol ?? 'boot',
        r.scope ?? 'global',
        r.prefsrc ?? '',
        (r.nexthops ?? []).map((h) => `${h.gateway}@${h.dev}*${h.weight}`).join(','),
      ].join('|');
    const tableName = (n: number) =>
      ({ 253: 'default', 254: 'main', 255: 'local' })[n] ?? String(n);
    const ourRoutes = state.routes
      .map((r) =>
        [
          tableName(r.table),
          r.type,
          r.dst,
          r.gateway ?? '',
          r.oif ? names.get(r.oif) : '',
          r.protocol,
          r.scope,
          r.prefsrc ?? '',
          (r.nexthops ?? [])
            .map((h) => `${h.gateway}@${names.get(h.oif ?? 0)}*${h.weight}`)
            .join(','),
        ].join('|'),
      )
      .sort();
    const ipRoutes = [
      ...fx.ip.route4.map((r) => ipKey(r, 'inet')),
      ...fx.ip.route6.map((r) => ipKey(r, 'inet6')),
    ].sort();
    t.same(ourRoutes, ipRoutes, 'routes');
    // iproute2 omits metric 0 for IPv4; compare where it prints one.
    for (const r of [...fx.ip.route4, ...fx.ip.route6].filter((x) => x.metric !== undefined)) {
      const fam = r.dst.includes(':') || fx.ip.route6.includes(r) ? 'inet6' : 'inet';
      const ours = state.routes.find(
        (x) =>
          x.dst === norm(r.dst, fam) &&
          tableName(x.table) === (r.table ?? 'main') &&
          (x.oif ? names.get(x.oif) : undefined) === r.dev,
      );
      t.equal(ours?.priority, r.metric, `metric of ${r.dst} ${r.dev ?? ''}`);
    }
  });
}

t.test('rich netns: the cases the fixture was built for', async (t) => {
  const fx = loadDumpFixture('netns-rich.json');
  const s = parseDumps(fx.links, fx.addrs, fx.routes);
  t.ok(
    s.routes.some((r) => r.table === 1000),
    'table id above 255 comes from RTA_TABLE',
  );
  t.ok(
    s.routes.some((r) => r.dst === '198.18.2.232/30' && r.gateway === '2001:db8:2::2'),
    'IPv4 route via an IPv6 next hop (RTA_VIA)',
  );
  const mp = s.routes.find((r) => r.dst === '198.18.2.224/29');
  t.same(
    mp?.nexthops?.map((h) => [h.gateway, h.weight]),
    [
      ['198.18.2.62', 1],
      ['198.18.2.126', 3],
    ],
    'multipath weights',
  );
  const ptp = s.addrs.find((a) => a.address === '198.18.2.200');
  t.equal(ptp?.peer, '198.18.2.201', 'point-to-point peer');
  t.ok(
    s.addrs.find((a) => a.address === '2001:db8:2::1')?.flags.includes('nodad'),
    'IFA_FLAGS beyond the 8-bit field',
  );
});

t.test('malformed input is a PARSE error, not a crash or garbage', async (t) => {
  const good = loadDumpFixture('netns-rich.json').links[0]!.payload;
  t.throws(() => parseLink(good.subarray(0, 10)), { code: 'PLINTH_E_PARSE' }, 'short ifinfomsg');
  const cut = Buffer.from(good.subarray(0, 16 + 6));
  cut.writeUInt16LE(200, 16); // attribute claims more bytes than there are
  t.throws(() => parseLink(cut), { code: 'PLINTH_E_PARSE' }, 'attribute overruns the message');
  t.throws(() => parseLink(Buffer.alloc(16)), { code: 'PLINTH_E_PARSE' }, 'link without a name');
  t.throws(() => parseRoute(Buffer.alloc(4)), { code: 'PLINTH_E_PARSE' }, 'short rtmsg');
  t.throws(
    () => parseAddr(Buffer.from([2, 24, 0, 0, 1, 0, 0, 0])),
    { code: 'PLINTH_E_PARSE' },
    'address without address',
  );
  const zeroLen = Buffer.alloc(8);
  t.throws(
    () => parseAttrs(zeroLen),
    { code: 'PLINTH_E_PARSE' },
    'zero-length attribute cannot loop forever',
  );
});

t.test('families plinth does not model are skipped', async (t) => {
  const r = Buffer.alloc(12);
  r.writeUInt8(128, 0); // RTNL_FAMILY_IPMR
  t.equal(parseRoute(r), undefined);
  const a = Buffer.alloc(8);
  a.writeUInt8(28, 0); // AF_MPLS
  t.equal(parseAddr(a), undefined);
  t.equal(routeTableOf(r), undefined);
});

t.test('requests', async (t) => {
  const dump = encodeLinkDumpRequest();
  t.equal(dump.length, 24, 'ifinfomsg + IFLA_EXT_MASK');
  t.same(
    [...parseAttrs(dump, 16)].map((a) => [a.type, a.value.readUInt32LE(0)]),
    [[29, 8]],
  );
  t.equal(encodeLinkGetRequest(1).readInt32LE(4), 1, 'ifindex');
  t.equal(RTM.GETROUTE, 26);
});

t.test('IPv6 text form (RFC 5952)', async (t) => {
  const cases: Array<[string, string]> = [
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['fe800000000000000c7050fffe4577a3', 'fe80::c70:50ff:fe45:77a3'],
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
    ['00000000000000000000ffffc6120201', '::ffff:198.18.2.1'],
    ['ff020000000000000000000000000000', 'ff02::'],
  ];
  for (const [hex, want] of cases) t.equal(formatIpv6(Buffer.from(hex, 'hex')), want, want);
});
