import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  allActiveClean,
  buildObservation,
  localOsdIds,
  pgSummary,
} from '../../../agent/drivers/ceph/model.js';
import {
  parseDf,
  parseHealth,
  parseOsdDump,
  parseOsdTree,
  parseStatus,
  splitJsonDocuments,
} from '../../../agent/drivers/ceph/parse.js';

const fx = (name: string) =>
  readFileSync(new URL(`../../fixtures/ceph/${name}`, import.meta.url), 'utf8');

function snapshotFrom(batch: string) {
  const [s, d, tr, h] = splitJsonDocuments(fx(batch));
  return {
    status: parseStatus(s),
    dump: parseOsdDump(d),
    tree: parseOsdTree(tr),
    health: parseHealth(h),
    df: parseDf(JSON.parse(fx('df.json'))),
  };
}

t.test('healthy cluster', async (t) => {
  const s = snapshotFrom('batch-ok.txt');
  t.same(localOsdIds(s.tree, 'plt-ceph-h0'), [0, 1]);
  t.same(localOsdIds(s.tree, 'elsewhere'), []);
  const local = new Map([[0, { id: 0, running: true, runner: 'process' as const, slowOps: 0 }]]);
  const o = buildObservation(s, 'plt-ceph-h0', local);
  const kinds = o.objects.map((x) => x.kind);
  t.equal(kinds.filter((k) => k === 'ceph.cluster').length, 1);
  t.equal(kinds.filter((k) => k === 'ceph.osd').length, 3);
  t.ok(kinds.includes('ceph.pool'));
  const osd0 = o.objects.find((x) => x.id === 'osd.0')!;
  t.same(osd0.data, {
    id: 0,
    up: true,
    in: true,
    reweight: 1,
    crushWeight: osd0.data.crushWeight,
    deviceClass: 'hdd',
    host: 'plt-ceph-h0',
    local: true,
    running: true,
    runner: 'process',
    slowOps: 0,
  });
  const pool = o.objects.find((x) => x.kind === 'ceph.pool' && x.id === 'plt-ceph-rbd')!;
  t.match(pool.data, { size: 2, minSize: 1, objects: 4 });
  t.equal(o.conditions?.[0]?.status, false);
  t.ok(allActiveClean(s.status));
  t.match(pgSummary(s.status), /^\d+ active\+clean$/);
  // Deterministic: the same input gives deep-equal objects (the agent diffs by value).
  t.same(buildObservation(s, 'plt-ceph-h0', local), o);
});

t.test('one OSD down, noout on the host', async (t) => {
  const s = snapshotFrom('batch-osd-down-noout.txt');
  const o = buildObservation(s, 'plt-ceph-h0', new Map([[0, { id: 0, running: false }]]));
  t.match(o.objects.find((x) => x.id === 'osd.0')?.data, {
    up: false,
    running: false,
    local: true,
  });
  const cl = o.objects.find((x) => x.kind === 'ceph.cluster')!;
  t.same(cl.data.hostFlags, ['noout']);
  t.equal(cl.data.health, 'HEALTH_WARN');
  t.match(cl.data.checks, {
    OSD_DOWN: { message: '1 osds down', detail: ['osd.0 (root=default,host=plt-ceph-h0) is down'] },
  });
  t.match(o.conditions?.[0], { type: 'ceph.maintenance', status: true, reason: 'HostNoout' });
});

t.test('allActiveClean', async (t) => {
  const base = parseStatus(JSON.parse(fx('status-ok.json')));
  t.notOk(
    allActiveClean({
      ...base,
      pgsByState: { 'active+clean': 5, 'active+undersized+degraded': 4 },
      numPgs: 9,
    }),
  );
  t.notOk(allActiveClean({ ...base, pgsByState: { 'active+clean': 8 }, numPgs: 9 }));
  t.ok(allActiveClean({ ...base, pgsByState: {}, numPgs: 0, numPools: 0 }));
  t.notOk(allActiveClean({ ...base, pgsByState: {}, numPgs: 0, numPools: 1 }));
});
