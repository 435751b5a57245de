import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  parseBlockedOps,
  parseDf,
  parseHealth,
  parseJson,
  parseOkToStop,
  parseOsdDump,
  parseOsdTree,
  parsePerfDump,
  parseStatus,
  splitJsonDocuments,
} from '../../../agent/drivers/ceph/parse.js';

const fx = (name: string) =>
  readFileSync(new URL(`../../fixtures/ceph/${name}`, import.meta.url), 'utf8');
const json = (name: string) => JSON.parse(fx(name)) as unknown;

t.test('status: OK, WARN and one OSD down', async (t) => {
  const ok = parseStatus(json('status-ok.json'));
  t.equal(ok.health.status, 'HEALTH_OK');
  t.same(ok.health.checks, {});
  t.match(ok, { numOsds: 3, numUpOsds: 3, numInOsds: 3, mgrAvailable: true });
  t.equal(ok.pgsByState['active+clean'], ok.numPgs);
  t.match(ok.fsid, /^[0-9a-f-]{36}$/);

  const warn = parseStatus(json('status-warn.json'));
  t.equal(warn.health.status, 'HEALTH_WARN');
  t.match(warn.health.checks.OSD_NO_DOWN_OUT_INTERVAL, {
    severity: 'HEALTH_WARN',
    count: 1,
    muted: false,
  });

  const down = parseStatus(json('status-osd-down.json'));
  t.equal(down.numUpOsds, 2);
  t.ok(down.health.checks.OSD_DOWN, 'OSD_DOWN check');
});

t.test('health detail keeps the detail lines', async (t) => {
  const h = parseHealth(json('health-detail-osd-down.json'), 'health detail');
  t.same(h.checks.OSD_DOWN?.detail, ['osd.0 (root=default,host=plt-ceph-h0) is down']);
  t.same(h.checks.OSD_FLAGS?.detail, ['host plt-ceph-h0 has flags noout']);
  t.equal(parseHealth(json('health-detail-ok.json')).status, 'HEALTH_OK');
});

t.test('osd tree: host buckets, device class, up/down', async (t) => {
  const tree = parseOsdTree(json('osd-tree.json'));
  t.same(
    tree.map((o) => [o.id, o.host, o.up, o.deviceClass, o.reweight]),
    [
      [0, 'plt-ceph-h0', true, 'hdd', 1],
      [1, 'plt-ceph-h0', true, 'hdd', 1],
      [2, 'plt-ceph-h1', true, 'hdd', 1],
    ],
  );
  t.ok(tree[0]!.crushWeight > 0);
  const down = parseOsdTree(json('osd-tree-osd-down.json'));
  t.same(
    down.map((o) => o.up),
    [false, true, true],
  );
});

t.test('osd dump: per-OSD up/in, pools, host flags', async (t) => {
  const d = parseOsdDump(json('osd-dump.json'));
  t.same(
    d.osds.map((o) => [o.id, o.up, o.in]),
    [
      [0, true, true],
      [1, true, true],
      [2, true, true],
    ],
  );
  t.ok(d.pools.some((p) => p.name === 'plt-ceph-rbd' && p.size === 2 && p.minSize === 1));
  t.ok(d.flags.includes('sortbitwise'));
  t.same(d.crushNodeFlags, {});
});

t.test('df: pool usage', async (t) => {
  const df = parseDf(json('df.json'));
  t.ok(df.totalBytes > 0);
  const pool = df.pools.find((p) => p.name === 'plt-ceph-rbd');
  t.ok(pool && pool.objects === 4 && pool.storedBytes > 0 && pool.maxAvailBytes > 0);
});

t.test('batch output: one JSON document per command', async (t) => {
  const docs = splitJsonDocuments(fx('batch-ok.txt'));
  t.equal(docs.length, 4);
  t.equal(parseStatus(docs[0]).health.status, 'HEALTH_OK');
  t.equal(parseOsdDump(docs[1]).osds.length, 3);
  t.equal(parseOsdTree(docs[2]).length, 3);
  t.equal(parseHealth(docs[3]).status, 'HEALTH_OK');
  const down = splitJsonDocuments(fx('batch-osd-down-noout.txt'));
  t.same(parseOsdDump(down[1]).crushNodeFlags, { 'plt-ceph-h0': ['noout'] });
  t.equal(parseOsdDump(down[1]).osds[0]?.up, false);
  t.same(splitJsonDocuments('{"a":"}{"}\n[1,[2]]  {}'), [{ a: '}{' }, [1, [2]], {}]);
});

t.test('ok-to-stop: yes, and no in Ceph words', async (t) => {
  const yes = parseOkToStop(fx('ok-to-stop-yes.stdout.txt'), fx('ok-to-stop-yes.stderr.txt'));
  t.same(
    { ok: yes.ok, osds: yes.osds, reason: yes.reason },
    { ok: true, osds: [0, 1], reason: undefined },
  );
  const no = parseOkToStop(fx('ok-to-stop-no.stdout.txt'), fx('ok-to-stop-no.stderr.txt'));
  t.equal(no.ok, false);
  t.equal(no.reason, 'unsafe to stop osd(s) at this time (8 PGs are or would become offline)');
  t.equal(no.numNotOkPgs, 8);
  t.equal(no.badBecomeInactive?.length, 8);
  const onlyStderr = parseOkToStop(
    '',
    'Error EBUSY: unsafe to stop osd(s) at this time (1 PGs are or would become offline)\n',
  );
  t.match(onlyStderr, { ok: false, reason: /^unsafe to stop/ });
  t.throws(() => parseOkToStop('', ''), { code: 'PLINTH_E_PARSE' });
});

t.test('admin socket replies', async (t) => {
  const perf = parsePerfDump(fx('asok-perf-dump-osd.json'));
  t.ok(
    perf.ops >= 1 &&
      perf.writeBytes > 0 &&
      perf.opLatencyCount >= 1 &&
      perf.opLatencySumSeconds > 0,
  );
  t.equal(parseBlockedOps(fx('asok-dump-blocked-ops.json')), 0);
  t.throws(() => parsePerfDump(fx('asok-unknown-command.txt')), {
    code: 'PLINTH_E_PARSE',
    message: /unknown command prefix nosuchcmd/,
  });
});

t.test('malformed and unexpected input is a parse error naming the command', async (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'truncated status',
      () => parseStatus(parseJson(fx('status-ok.json').slice(0, 200), 'status')),
      /ceph status: malformed JSON/,
    ],
    [
      'status without osdmap',
      () => parseStatus({ fsid: 'x', health: { status: 'HEALTH_OK' } }),
      /osdmap/,
    ],
    [
      'unknown health',
      () => parseHealth({ status: 'HEALTH_MAYBE', checks: {} }),
      /unknown health status/,
    ],
    ['tree not a tree', () => parseOsdTree({ nodes: 'x' }), /osd tree: expected a list at nodes/],
    ['dump osd without up', () => parseOsdDump({ epoch: 1, osds: [{ osd: 0 }] }), /osds\[\]\.up/],
    ['df without stats', () => parseDf({ pools: [] }), /df: expected an object at stats/],
    [
      'truncated batch',
      () => splitJsonDocuments(fx('batch-ok.txt').slice(0, 1000)),
      /truncated JSON/,
    ],
    ['garbage between documents', () => splitJsonDocuments('{} oops {}'), /unexpected "oops/],
  ];
  for (const [name, f, msg] of cases) t.throws(f, { code: 'PLINTH_E_PARSE', message: msg }, name);
});
