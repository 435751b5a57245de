import { readFileSync } from 'node:fs';
import t from 'tap';
import { containerOsd } from '../../../agent/drivers/containers/osd-map.js';
import {
  containerObject,
  summarizeContainer,
  type RawContainer,
} from '../../../agent/drivers/containers/parse.js';

const FSID = '0b3e6f4a-2d5c-4e7f-9a1b-3c5d7e9f1a2b';

t.test('containerOsd: cephadm names and labels', async (t) => {
  const table: [
    string,
    Record<string, string>,
    string | undefined,
    ReturnType<typeof containerOsd>,
  ][] = [
    [`ceph-${FSID}-osd-3`, {}, undefined, { osdId: 3, fsid: FSID }],
    [`/ceph-${FSID}-osd.12`, {}, undefined, { osdId: 12, fsid: FSID }],
    [`ceph-${FSID}-osd-3`, {}, FSID, { osdId: 3, fsid: FSID }],
    [`ceph-${FSID}-osd-3`, {}, '11111111-2222-3333-4444-555555555555', undefined],
    [`ceph-${FSID}-mon-a`, {}, undefined, undefined],
    [`ceph-${FSID}-osd-x`, {}, undefined, undefined],
    ['rook-ceph-osd-5-abc', { 'ceph-osd-id': '5' }, undefined, { osdId: 5 }],
    [
      'x',
      { 'ceph.osd-id': '6', 'ceph.fsid': FSID },
      '11111111-2222-3333-4444-555555555555',
      undefined,
    ],
    ['x', { 'ceph.osd-id': '6', 'ceph.fsid': FSID }, FSID, { osdId: 6, fsid: FSID }],
    ['x', { 'ceph-osd-id': 'five' }, undefined, undefined],
    ['web', { app: 'nginx' }, undefined, undefined],
  ];
  for (const [name, labels, fsid, want] of table) {
    t.same(
      containerOsd({ name, labels }, fsid),
      want,
      `${name} ${JSON.stringify(labels)} ${fsid ?? ''}`,
    );
  }
});

t.test('container objects from the Engine API list (captured)', async (t) => {
  const raw = JSON.parse(
    readFileSync(
      new URL('../../fixtures/containers/list-containers.json', import.meta.url),
      'utf8',
    ),
  ) as RawContainer[];
  const objs = raw.map(summarizeContainer).map(containerObject);
  t.ok(objs.length >= 3);
  const osd = objs.find((o) => o.data.cephOsdId !== undefined && o.data.cephFsid !== undefined);
  t.ok(osd, 'the cephadm-named container maps to its OSD');
  t.match(osd?.id, /^ceph-[0-9a-f-]{36}-osd-1$/);
  t.equal(osd?.data.cephOsdId, 1);
  for (const o of objs) {
    t.equal(o.kind, 'container');
    t.notMatch(o.id, /^\//, 'leading slash dropped');
    t.type(o.data.image, 'string');
    t.type(o.data.state, 'string');
    t.equal((o.data as Record<string, unknown>).status, undefined, 'volatile Status left out');
  }
});
