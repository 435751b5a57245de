import t from 'tap';
import {
  adminSocketCandidates,
  osdIdFromCmdline,
  procStateFromStat,
  supervisorFromCgroup,
} from '../../../agent/drivers/ceph/local-osds.js';
import {
  defaultHostBucket,
  renderStartCommand,
  renderUnit,
} from '../../../agent/drivers/ceph/config.js';
import { parseOsdIdArg } from '../../../agent/drivers/ceph/maintenance.js';

t.test('osdIdFromCmdline', async (t) => {
  const table: [string, number | undefined][] = [
    ['ceph-osd\0-i\x003\0', 3],
    ['/usr/bin/ceph-osd\0--conf\0/tmp/x/ceph.conf\0-i\x0012\0', 12],
    ['/usr/bin/ceph-osd\0-f\0--cluster\0ceph\0--id\x007\0--setuser\0ceph\0', 7],
    ['/usr/bin/ceph-osd\0--id=4\0', 4],
    // cephadm's container entrypoint
    ['/usr/bin/ceph-osd\0-n\0osd.9\0-f\0--setuser\0ceph\0', 9],
    ['/usr/bin/ceph-osd\0--name=osd.10\0', 10],
    ['ceph-osd\0-i5\0', 5],
    ['ceph-mon\0-i\0a\0', undefined],
    ['bash\0-c\0ceph-osd -i 1\0', undefined],
    ['ceph-osd\0-i\0x\0', undefined],
    ['', undefined],
  ];
  for (const [cmd, want] of table) t.equal(osdIdFromCmdline(cmd), want, JSON.stringify(cmd));
});

t.test('procStateFromStat: zombies count as gone', async (t) => {
  t.equal(procStateFromStat('123 (ceph-osd) S 1 123'), 'S');
  t.equal(procStateFromStat('123 (weird) name) Z 1 123'), 'Z');
  t.equal(procStateFromStat('garbage'), undefined);
});

t.test('supervisorFromCgroup', async (t) => {
  t.same(supervisorFromCgroup('0::/system.slice/system-ceph\\x2dosd.slice/ceph-osd@3.service\n'), {
    kind: 'systemd',
    unit: 'ceph-osd@3.service',
  });
  const id = 'a'.repeat(64);
  t.same(supervisorFromCgroup(`0::/system.slice/docker-${id}.scope\n`), {
    kind: 'container',
    containerId: id,
  });
  t.same(supervisorFromCgroup(`12:memory:/docker/${id}\n0::/docker/${id}\n`), {
    kind: 'container',
    containerId: id,
  });
  t.same(supervisorFromCgroup('0::/init.scope\n'), { kind: 'process' });
  t.same(supervisorFromCgroup('0::/\n'), { kind: 'process' });
  t.same(supervisorFromCgroup(''), { kind: 'process' });
});

t.test('admin socket candidates, templates, host bucket, id args', async (t) => {
  t.same(adminSocketCandidates('/var/run/ceph', 2, 'f5'), [
    '/var/run/ceph/ceph-osd.2.asok',
    '/var/run/ceph/f5/ceph-osd.2.asok',
  ]);
  t.same(renderStartCommand(['ceph-osd', '-i', '{id}', '--x={id}'], 3), [
    'ceph-osd',
    '-i',
    '3',
    '--x=3',
  ]);
  t.equal(renderUnit('ceph-osd@{id}.service', 4), 'ceph-osd@4.service');
  t.equal(defaultHostBucket('stor-1.dc.example.org'), 'stor-1');
  t.equal(parseOsdIdArg(3), 3);
  t.equal(parseOsdIdArg('osd.11'), 11);
  t.equal(parseOsdIdArg('7'), 7);
  for (const bad of [-1, 1.5, 'osd.', '1 2', '--all', null, undefined, true]) {
    t.throws(() => parseOsdIdArg(bad as never), { code: 'PLINTH_E_INVALID_ARGUMENT' }, String(bad));
  }
});
