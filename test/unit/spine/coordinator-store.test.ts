import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Histogram, Registry } from 'prom-client';
import { CoordinatorStore } from '../../../coordinator/store/store.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';
import type { HostEvent } from '../../../lib/model.js';
import { caught, tempDir } from './helpers.js';

function open(t: Test, opts: { maxEvents?: number; hist?: Histogram; path?: string } = {}) {
  const clock = { ms: 1000 };
  const path = opts.path ?? join(tempDir(t, 'cstore'), 'coordinator.db');
  const store = new CoordinatorStore(path, silentLog(), () => clock.ms, opts.hist, opts.maxEvents);
  t.teardown(() => {
    if (store.db.open) store.close();
  });
  return { store, clock, path };
}

const hello = (
  incarnation: string,
  extra: Partial<{
    version: string;
    inventory: Record<string, never>;
    appliedGeneration: number;
  }> = {},
) => ({
  version: '1.0.0',
  incarnation,
  inventory: {},
  appliedGeneration: 0,
  ...extra,
});

const ev = (type: string, extra: Partial<HostEvent> = {}): HostEvent => ({
  type,
  severity: 'info',
  message: `${type} happened`,
  atMs: 5,
  ...extra,
});

t.test('recordHello creates a host, then keeps ackedSeq for the same incarnation', async (t) => {
  const { store, clock } = open(t);
  t.same(
    store.recordHello(
      'h1',
      hello('inc-a', { version: '1.2.3', inventory: { cpu: 'x' } as never, appliedGeneration: 4 }),
      [],
    ),
    { ackedSeq: 0 },
  );
  const h = store.requireHost('h1');
  t.match(h, {
    id: 'h1',
    labels: {},
    inventory: { cpu: 'x' },
    version: '1.2.3',
    incarnation: 'inc-a',
    ackedSeq: 0,
    appliedGeneration: 4,
    appliedResults: [],
    firstSeenMs: 1000,
    lastHelloMs: 1000,
    lastState: 'unknown',
    stateSinceMs: 1000,
  });
  store.recordDelta('h1', 1, 0, [], []);
  store.recordDelta('h1', 2, 0, [], []);
  clock.ms = 2000;
  t.same(
    store.recordHello('h1', hello('inc-a'), []),
    { ackedSeq: 2 },
    'same incarnation: resume after 2',
  );
  const again = store.requireHost('h1');
  t.equal(again.ackedSeq, 2);
  t.equal(again.firstSeenMs, 1000, 'first seen kept');
  t.equal(again.lastHelloMs, 2000, 'last hello updated');

  t.same(
    store.recordHello('h1', hello('inc-b'), []),
    { ackedSeq: 0 },
    'new incarnation: start over',
  );
  t.equal(store.requireHost('h1').ackedSeq, 0, 'reset in the store too');
  t.equal(store.requireHost('h1').incarnation, 'inc-b');
});

t.test('recordHello replaces the objects with the snapshot and keeps labels', async (t) => {
  const { store } = open(t);
  store.recordHello('h1', hello('a'), [
    { kind: 'host.link', id: 'eth0', data: { up: true } },
    { kind: 'host.link', id: 'eth1', data: { up: true } },
  ]);
  store.setLabels('h1', { rack: 'r1' }, []);
  store.recordHello('h1', hello('a'), [
    { kind: 'host.link', id: 'eth1', data: { up: false } },
    { kind: 'host.link', id: 'eth9', deleted: true },
    { kind: 'libvirt.domain', id: 'vm1' },
  ]);
  t.same(store.objects('h1'), [
    { kind: 'host.link', id: 'eth1', data: { up: false } },
    { kind: 'libvirt.domain', id: 'vm1', data: {} },
  ]);
  t.same(store.requireHost('h1').labels, { rack: 'r1' });
});

t.test('recordDelta applies objects only when seq > stateSeq, always stores events', async (t) => {
  const { store } = open(t);
  store.recordHello('h1', hello('a'), [{ kind: 'k', id: 'x', data: { v: 1 } }]);
  const stored = store.recordDelta(
    'h1',
    3,
    5,
    [
      { kind: 'k', id: 'x', data: { v: 0 } },
      { kind: 'k', id: 'y', data: { v: 0 } },
    ],
    [ev('old.event')],
  );
  t.same(
    store.objects('h1'),
    [{ kind: 'k', id: 'x', data: { v: 1 } }],
    'an old delta does not roll objects back',
  );
  t.equal(stored.length, 1);
  t.match(stored[0], {
    id: Number,
    hostId: 'h1',
    type: 'old.event',
    severity: 'info',
    message: 'old.event happened',
    atMs: 5,
  });
  t.same(
    store.listEvents(0, 10).map((e) => e.type),
    ['old.event'],
  );
  t.equal(store.requireHost('h1').ackedSeq, 3);

  store.recordDelta('h1', 5, 5, [{ kind: 'k', id: 'x', deleted: true }], []);
  t.same(
    store.objects('h1'),
    [{ kind: 'k', id: 'x', data: { v: 1 } }],
    'seq == stateSeq is not newer either',
  );

  store.recordDelta(
    'h1',
    6,
    5,
    [
      { kind: 'k', id: 'x', data: { v: 2 } },
      { kind: 'k', id: 'y', data: { v: 3 } },
      { kind: 'k', id: 'z' },
    ],
    [],
  );
  t.same(store.objects('h1'), [
    { kind: 'k', id: 'x', data: { v: 2 } },
    { kind: 'k', id: 'y', data: { v: 3 } },
    { kind: 'k', id: 'z', data: {} },
  ]);
  store.recordDelta('h1', 7, 5, [{ kind: 'k', id: 'y', deleted: true }], []);
  t.same(
    store.objects('h1').map((o) => o.id),
    ['x', 'z'],
  );
  t.equal(store.requireHost('h1').ackedSeq, 7);
});

t.test('recordSnapshot replaces objects and commits the seq', async (t) => {
  const { store } = open(t);
  store.recordHello('h1', hello('a'), [{ kind: 'k', id: 'old', data: {} }]);
  store.recordHello('h2', hello('b'), [{ kind: 'k', id: 'other', data: {} }]);
  store.recordSnapshot('h1', 42, [
    { kind: 'k', id: 'new', data: { a: 1 } },
    { kind: 'j', id: 'n2', data: {} },
  ]);
  t.same(store.objects('h1'), [
    { kind: 'j', id: 'n2', data: {} },
    { kind: 'k', id: 'new', data: { a: 1 } },
  ]);
  t.same(store.objectsOfKind('h1', 'k'), [{ kind: 'k', id: 'new', data: { a: 1 } }]);
  t.same(store.objects('h2'), [{ kind: 'k', id: 'other', data: {} }], 'another host untouched');
  t.equal(store.requireHost('h1').ackedSeq, 42);
});

t.test('setDesired: generations increase; a wrong expectGeneration is a CONFLICT', async (t) => {
  const { store, clock } = open(t);
  store.recordHello('h1', hello('a'), []);
  t.equal(store.getDesired('h1'), undefined);
  t.same(store.setDesired('h1', { vms: {} }), { generation: 1 });
  t.same(store.setDesired('h1', { vms: { a: {} } }), { generation: 2 });
  t.same(
    store.setDesired('h1', { vms: { b: {} } }, 2),
    { generation: 3 },
    'matching expectGeneration',
  );
  t.same(store.getDesired('h1'), { generation: 3, spec: { vms: { b: {} } } });
  clock.ms = 5000;
  const e = caught(t, () => store.setDesired('h1', { x: 1 }, 2));
  t.ok(e instanceof PlinthError);
  t.equal(e.code, ErrorCodes.CONFLICT);
  t.equal(e.message, 'host h1 is at desired generation 3, not 2: re-read it and retry');
  t.same((e as PlinthError).details, { current: 3 });
  t.same(
    store.getDesired('h1'),
    { generation: 3, spec: { vms: { b: {} } } },
    'unchanged after the conflict',
  );
  const e2 = caught(t, () => store.setDesired('nope', {}));
  t.equal(e2.code, ErrorCodes.NOT_FOUND);
});

t.test('requireHost / getHost for an unknown host', async (t) => {
  const { store } = open(t);
  t.equal(store.getHost('ghost'), undefined);
  const e = caught(t, () => store.requireHost('ghost'));
  t.ok(e instanceof PlinthError);
  t.equal(e.code, ErrorCodes.NOT_FOUND);
  t.equal(e.message, 'no host "ghost": it has never connected (see `plinth hosts`)');
  t.same((e as PlinthError).details, { host: 'ghost' });
});

t.test('labels: set, overwrite, remove', async (t) => {
  const { store } = open(t);
  store.recordHello('h1', hello('a'), []);
  t.same(store.setLabels('h1', { rack: 'r1', row: '3' }, []).labels, { rack: 'r1', row: '3' });
  t.same(store.setLabels('h1', { rack: 'r2', feed: 'a' }, ['row', 'absent']).labels, {
    rack: 'r2',
    feed: 'a',
  });
  t.same(store.requireHost('h1').labels, { rack: 'r2', feed: 'a' }, 'persisted');
  t.same(
    store.setLabels('h1', { x: '1' }, ['x']).labels,
    { rack: 'r2', feed: 'a' },
    'remove wins over set of the same key',
  );
  const e = caught(t, () => store.setLabels('nope', { a: 'b' }, []));
  t.equal(e.code, ErrorCodes.NOT_FOUND);
});

t.test('listHosts and setState', async (t) => {
  const { store } = open(t);
  store.recordHello('b', hello('1'), []);
  store.recordHello('a', hello('2'), []);
  store.setState('a', 'ready', 777);
  t.same(
    store.listHosts().map((h) => [h.id, h.lastState, h.stateSinceMs]),
    [
      ['a', 'ready', 777],
      ['b', 'unknown', 1000],
    ],
  );
});

t.test('events: add, list, tail, per host, round trip of object and data', async (t) => {
  const { store, clock } = open(t);
  store.recordHello('h1', hello('a'), []);
  store.recordHello('h2', hello('b'), []);
  clock.ms = 9999;
  const e1 = store.addEvent('h1', { type: 'agent.resync', severity: 'warning', message: 'gap' });
  t.match(e1, {
    id: 1,
    hostId: 'h1',
    atMs: 9999,
    type: 'agent.resync',
    severity: 'warning',
    message: 'gap',
  });
  store.recordDelta(
    'h2',
    1,
    0,
    [],
    [
      ev('e2', {
        object: { kind: 'host.link', id: 'eth0' },
        data: { mtu: 9000 },
        severity: 'critical',
      }),
    ],
  );
  for (let i = 3; i <= 6; i++)
    store.addEvent(i % 2 ? 'h1' : 'h2', { type: `e${i}`, severity: 'info', message: 'm', atMs: i });
  t.same(
    store.listEvents(0, 100).map((e) => e.id),
    [1, 2, 3, 4, 5, 6],
  );
  t.same(
    store.listEvents(2, 2).map((e) => e.id),
    [3, 4],
    'after and limit',
  );
  t.same(
    store.listEvents(0, 100, 'h2').map((e) => e.id),
    [2, 4, 6],
    'per host',
  );
  const e2 = store.listEvents(1, 1)[0];
  t.same(e2, {
    id: 2,
    hostId: 'h2',
    atMs: 5,
    type: 'e2',
    severity: 'critical',
    message: 'e2 happened',
    object: { kind: 'host.link', id: 'eth0' },
    data: { mtu: 9000 },
  });
  t.notOk('object' in (store.listEvents(0, 1)[0] ?? {}), 'no object key when none was given');
  t.notOk('data' in (store.listEvents(0, 1)[0] ?? {}), 'no data key when none was given');
  t.same(
    store.tailEvents(3).map((e) => e.id),
    [4, 5, 6],
    'the newest, oldest first',
  );
  t.same(
    store.tailEvents(2, 'h1').map((e) => e.id),
    [3, 5],
  );
  t.same(
    store.tailEvents(100).map((e) => e.id),
    [1, 2, 3, 4, 5, 6],
    'fewer than the limit',
  );
  t.same(store.tailEvents(5, 'nobody'), []);
});

t.test('pruneEvents keeps the newest maxEvents', async (t) => {
  const { store } = open(t, { maxEvents: 5 });
  store.recordHello('h1', hello('a'), []);
  t.equal(store.pruneEvents(), 0, 'empty log');
  for (let i = 1; i <= 5; i++)
    store.addEvent('h1', { type: `e${i}`, severity: 'info', message: 'm' });
  t.equal(store.pruneEvents(), 0, 'at the bound');
  for (let i = 6; i <= 8; i++)
    store.addEvent('h1', { type: `e${i}`, severity: 'info', message: 'm' });
  t.equal(store.pruneEvents(), 3);
  t.same(
    store.listEvents(0, 100).map((e) => e.id),
    [4, 5, 6, 7, 8],
  );
  t.equal(store.pruneEvents(), 0, 'idempotent');
  t.equal(
    store.addEvent('h1', { type: 'e9', severity: 'info', message: 'm' }).id,
    9,
    'ids never reused',
  );
});

t.test('recordApplied never goes backwards', async (t) => {
  const { store } = open(t);
  store.recordHello('h1', hello('a'), []);
  const r3 = [{ kind: 'vm', id: 'a', ok: true, action: 'create' }];
  store.recordApplied('h1', 3, r3);
  t.equal(store.requireHost('h1').appliedGeneration, 3);
  t.same(store.requireHost('h1').appliedResults, r3);
  store.recordApplied('h1', 2, [{ kind: 'vm', id: 'old', ok: false }]);
  t.equal(store.requireHost('h1').appliedGeneration, 3, 'an older ack is ignored');
  t.same(store.requireHost('h1').appliedResults, r3);
  const r3b = [{ kind: 'vm', id: 'a', ok: true, action: 'noop' }];
  store.recordApplied('h1', 3, r3b);
  t.same(store.requireHost('h1').appliedResults, r3b, 'the same generation may be re-reported');
  store.recordApplied('h1', 4, []);
  t.equal(store.requireHost('h1').appliedGeneration, 4);
  store.recordApplied('ghost', 9, []);
  t.equal(store.getHost('ghost'), undefined, 'unknown host: nothing created');
});

t.test('everything survives close and reopen', async (t) => {
  const dir = tempDir(t, 'cstore');
  const path = join(dir, 'c.db');
  const a = new CoordinatorStore(path, silentLog(), () => 1);
  a.recordHello('h1', hello('inc'), [{ kind: 'k', id: 'x', data: { v: 1 } }]);
  a.recordDelta('h1', 1, 0, [], [ev('e')]);
  a.setDesired('h1', { vms: {} });
  a.setLabels('h1', { rack: 'r' }, []);
  a.recordApplied('h1', 1, []);
  a.close();
  const b = new CoordinatorStore(path, silentLog(), () => 2);
  t.match(b.requireHost('h1'), {
    incarnation: 'inc',
    ackedSeq: 1,
    labels: { rack: 'r' },
    appliedGeneration: 1,
  });
  t.same(b.objects('h1'), [{ kind: 'k', id: 'x', data: { v: 1 } }]);
  t.same(b.getDesired('h1'), { generation: 1, spec: { vms: {} } });
  t.equal(b.listEvents(0, 10).length, 1);
  t.same(b.recordHello('h1', hello('inc'), []), { ackedSeq: 1 });
  b.close();
});

t.test('a corrupt coordinator database is refused', async (t) => {
  const dir = tempDir(t, 'cstore');
  const path = join(dir, 'c.db');
  writeFileSync(path, Buffer.alloc(8192, 0x33));
  const e = caught(t, () => new CoordinatorStore(path, silentLog(), () => 1));
  t.equal(e.code, ErrorCodes.STORE);
  t.match(
    e.message,
    `database ${path} is corrupt (file is not a database); the coordinator will not start on it.`,
  );
});

t.test('commit latency is observed per transaction', async (t) => {
  const registry = new Registry();
  const hist = new Histogram({
    name: 'plinth_store_commit_seconds',
    help: 'x',
    registers: [registry],
  });
  const { store } = open(t, { hist });
  store.recordHello('h1', hello('a'), []);
  store.recordDelta('h1', 1, 0, [], []);
  store.setDesired('h1', {});
  caught(t, () => store.setDesired('h1', {}, 7));
  const count = (await hist.get()).values.find(
    (v) => v.metricName === 'plinth_store_commit_seconds_count',
  )?.value;
  t.equal(count, 4, 'failed transactions are timed too');
});
