import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLog } from '../../../lib/log.js';
import { AgentStore } from '../../../agent/state/store.js';
import type { HostEvent } from '../../../lib/model.js';
import { bufferLog, caught, tempDir } from './helpers.js';

function open(path: string, maxOutbox?: number, now = () => 1000): AgentStore {
  return new AgentStore({
    path,
    log: silentLog(),
    now,
    ...(maxOutbox !== undefined ? { maxOutbox } : {}),
  });
}

const ev: HostEvent = {
  type: 'host.link',
  severity: 'warning',
  message: 'eth0 down',
  object: { kind: 'host.link', id: 'eth0' },
  atMs: 5,
};

t.test('incarnation is created once and persists across reopen', async (t) => {
  const dir = tempDir(t, 'astore');
  const a = open(join(dir, 'a.db'));
  const inc = a.incarnation;
  t.match(inc, /^[0-9a-f-]{36}$/);
  a.close();
  const b = open(join(dir, 'a.db'));
  t.equal(b.incarnation, inc);
  b.close();
  const other = open(join(dir, 'b.db'));
  t.not(other.incarnation, inc, 'another database, another incarnation');
  other.close();
});

t.test('recordDelta: observed, outbox and last_seq move together', async (t) => {
  const dir = tempDir(t, 'astore');
  let clock = 100;
  const s = open(join(dir, 'a.db'), undefined, () => clock);
  t.equal(s.lastSeq(), 0);
  t.same(s.loadObserved(), []);

  const d1 = s.recordDelta(
    'host',
    [
      { kind: 'host.link', id: 'eth0', data: { up: true } },
      { kind: 'host.link', id: 'eth1', data: { up: true } },
    ],
    [ev],
  );
  t.same(d1, {
    seq: 1,
    changes: [
      { kind: 'host.link', id: 'eth0', data: { up: true } },
      { kind: 'host.link', id: 'eth1', data: { up: true } },
    ],
    events: [ev],
  });
  t.equal(s.lastSeq(), 1);
  t.equal(s.getMeta('last_seq'), '1');
  t.equal(s.outboxDepth(), 1);

  clock = 200;
  const d2 = s.recordDelta(
    'host',
    [
      { kind: 'host.link', id: 'eth0', data: { up: false } },
      { kind: 'host.link', id: 'eth1', deleted: true },
    ],
    [],
  );
  t.equal(d2.seq, 2);
  t.same(s.loadObserved(), [
    { kind: 'host.link', id: 'eth0', driver: 'host', data: { up: false } },
  ]);
  t.equal(s.getMeta('last_seq'), '2');
  t.same(s.outboxAfter(0), [d1, d2]);
  const created = s.db.prepare('SELECT seq, created_ms FROM outbox ORDER BY seq').all();
  t.same(
    created,
    [
      { seq: 1, created_ms: 100 },
      { seq: 2, created_ms: 200 },
    ],
    'outbox rows stamped with the injected clock',
  );

  const d3 = s.recordDelta('ovs', [], [ev]);
  t.equal(d3.seq, 3, 'an events-only delta still takes a seq');
  t.same(s.outboxAfter(2), [{ seq: 3, changes: [], events: [ev] }]);
  s.close();
});

t.test('an object moving to another driver is recorded under the new driver', async (t) => {
  const s = open(join(tempDir(t, 'astore'), 'a.db'));
  s.recordDelta('host', [{ kind: 'k', id: 'x', data: { a: 1 } }], []);
  s.recordDelta('ovs', [{ kind: 'k', id: 'x', data: { a: 2 } }], []);
  t.same(s.loadObserved(), [{ kind: 'k', id: 'x', driver: 'ovs', data: { a: 2 } }]);
  s.recordDelta('ovs', [{ kind: 'k', id: 'y' }], []);
  t.same(
    s.loadObserved().find((o) => o.id === 'y'),
    { kind: 'k', id: 'y', driver: 'ovs', data: {} },
    'a change without data is stored as {}',
  );
  s.close();
});

t.test('a delta that fails half-way changes nothing', async (t) => {
  const s = open(join(tempDir(t, 'astore'), 'a.db'));
  s.recordDelta('host', [{ kind: 'k', id: 'a', data: { v: 1 } }], []);
  const bad = { v: 1n } as unknown as Record<string, never>;
  const e = caught(t, () =>
    s.recordDelta(
      'host',
      [
        { kind: 'k', id: 'b', data: { v: 2 } },
        { kind: 'k', id: 'c', data: bad },
      ],
      [],
    ),
  );
  t.match(e.message, /BigInt/);
  t.equal(s.lastSeq(), 1);
  t.equal(s.getMeta('last_seq'), '1');
  t.equal(s.outboxDepth(), 1);
  t.same(
    s.loadObserved().map((o) => o.id),
    ['a'],
    'the first change of the failed delta was rolled back',
  );
  const next = s.recordDelta('host', [], []);
  t.equal(next.seq, 2, 'no seq was burnt');
  s.close();
});

t.test('outboxAfter: order, strict lower bound, limit', async (t) => {
  const s = open(join(tempDir(t, 'astore'), 'a.db'));
  for (let i = 0; i < 10; i++)
    s.recordDelta('host', [{ kind: 'k', id: String(i), data: { i } }], []);
  t.same(
    s.outboxAfter(0).map((d) => d.seq),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  t.same(
    s.outboxAfter(3, 4).map((d) => d.seq),
    [4, 5, 6, 7],
  );
  t.same(
    s.outboxAfter(9).map((d) => d.seq),
    [10],
  );
  t.same(s.outboxAfter(10), []);
  t.same(
    s.outboxAfter(-5, 1).map((d) => d.seq),
    [1],
  );
  t.same(
    s.outboxAfter(4, 1)[0]?.changes,
    [{ kind: 'k', id: '4', data: { i: 4 } }],
    'body round-trips',
  );
  s.close();
});

t.test('trimOutbox removes everything up to seq, not beyond; seq keeps counting', async (t) => {
  const dir = tempDir(t, 'astore');
  const s = open(join(dir, 'a.db'));
  for (let i = 0; i < 5; i++) s.recordDelta('host', [], []);
  s.trimOutbox(3);
  t.same(
    s.outboxAfter(0).map((d) => d.seq),
    [4, 5],
  );
  t.equal(s.outboxDepth(), 2);
  s.trimOutbox(2);
  t.equal(s.outboxDepth(), 2, 'trimming an older seq is harmless');
  s.trimOutbox(5);
  t.equal(s.outboxDepth(), 0);
  t.equal(s.lastSeq(), 5, 'trimming does not move last_seq');
  s.close();
  const r = open(join(dir, 'a.db'));
  t.equal(r.lastSeq(), 5, 'persisted even with an empty outbox');
  t.equal(r.recordDelta('host', [], []).seq, 6, 'a seq is never reused');
  r.close();
});

t.test('outbox bound: the oldest are dropped and counted', async (t) => {
  const s = open(join(tempDir(t, 'astore'), 'a.db'), 3);
  for (let i = 0; i < 3; i++) s.recordDelta('host', [], []);
  t.equal(s.droppedDeltas(), 0, 'at the bound nothing is dropped');
  s.recordDelta('host', [], []);
  s.recordDelta('host', [], []);
  t.equal(s.outboxDepth(), 3);
  t.equal(s.droppedDeltas(), 2);
  t.same(
    s.outboxAfter(0).map((d) => d.seq),
    [3, 4, 5],
  );
  t.equal(s.lastSeq(), 5);
  s.trimOutbox(5);
  s.recordDelta('host', [], []);
  t.equal(s.droppedDeltas(), 2, 'nothing more dropped once there is room');
  s.close();
});

t.test('desired, applied and inventory round-trip and survive reopen', async (t) => {
  const dir = tempDir(t, 'astore');
  const s = open(join(dir, 'a.db'));
  t.equal(s.loadDesired(), undefined);
  t.same(s.loadApplied(), { generation: 0, results: [] });
  t.equal(s.loadInventory(), undefined);
  const spec = { vms: { a: { cpus: 2, tags: ['x', null] } }, nets: {} };
  s.saveDesired(3, spec);
  s.saveDesired(4, { vms: {} });
  t.same(s.loadDesired(), { generation: 4, spec: { vms: {} } }, 'the latest replaces the previous');
  s.saveDesired(5, spec);
  const results = [
    { kind: 'vm', id: 'a', ok: true, action: 'create' },
    { kind: 'vm', id: 'b', ok: false, code: 'PLINTH_E_INVALID_ARGUMENT', message: 'bad' },
  ];
  s.saveApplied(5, results);
  s.saveInventory({ cpu: { model: 'x', cores: 4 } });
  s.saveInventory({ cpu: { model: 'y', cores: 8 } });
  s.setMeta('custom', 'v1');
  s.setMeta('custom', 'v2');
  s.recordDelta('host', [{ kind: 'k', id: 'a', data: { z: 1, a: [1, 2] } }], [ev]);
  s.close();

  const r = open(join(dir, 'a.db'));
  t.same(r.loadDesired(), { generation: 5, spec });
  t.same(r.loadApplied(), { generation: 5, results });
  t.same(r.loadInventory(), { cpu: { model: 'y', cores: 8 } });
  t.equal(r.getMeta('custom'), 'v2');
  t.equal(r.getMeta('nope'), undefined);
  t.same(r.loadObserved(), [{ kind: 'k', id: 'a', driver: 'host', data: { z: 1, a: [1, 2] } }]);
  t.same(r.outboxAfter(0), [
    { seq: 1, changes: [{ kind: 'k', id: 'a', data: { z: 1, a: [1, 2] } }], events: [ev] },
  ]);
  t.equal(r.lastSeq(), 1);
  r.close();
});

t.test('kill -9 of a writer loses nothing it committed', async (t) => {
  const dir = tempDir(t, 'astore');
  const path = join(dir, 'agent.db');
  const child = spawn(
    process.execPath,
    [
      '--import=tsx',
      fileURLToPath(new URL('./agent-store-crash-child.ts', import.meta.url)),
      path,
      '5',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const { code, signal } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((res) => child.on('exit', (c, s) => res({ code: c, signal: s })));
  clearTimeout(timer);
  t.equal(signal, 'SIGKILL', `child died by SIGKILL (code ${code}, stderr: ${err.slice(0, 500)})`);
  const [incarnation, lastSeq] = out.trim().split(' ');
  t.equal(lastSeq, '5');

  const { log, lines } = bufferLog();
  const s = new AgentStore({ path, log, now: () => 2000 });
  t.same(lines(), [], 'not treated as corrupt');
  t.equal(s.incarnation, incarnation, 'same incarnation');
  t.equal(s.lastSeq(), 5);
  t.same(
    s.outboxAfter(0).map((d) => d.seq),
    [3, 4, 5],
    'trimmed entries stay trimmed, the rest is there',
  );
  t.equal(s.loadObserved().length, 5);
  t.same(s.loadDesired(), { generation: 7, spec: { vms: { a: 1 } } });
  t.same(s.loadApplied(), {
    generation: 7,
    results: [{ kind: 'vm', id: 'a', ok: true, action: 'noop' }],
  });
  t.same(s.loadInventory(), { cpu: 'x' });
  t.equal(s.db.pragma('quick_check', { simple: true }), 'ok');
  t.equal(s.recordDelta('host', [], []).seq, 6);
  s.close();
});

t.test(
  'kill -9 in the middle of a stream of writes: snapshot, outbox and seq still agree',
  async (t) => {
    const dir = tempDir(t, 'astore');
    const path = join(dir, 'agent.db');
    const child = spawn(
      process.execPath,
      [
        '--import=tsx',
        fileURLToPath(new URL('./agent-store-crash-child.ts', import.meta.url)),
        path,
        'loop',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.on('exit', (c, s) => res({ code: c, signal: s })),
    );
    const safety = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await new Promise<void>((res) => {
      child.stdout.on('data', (b: Buffer) => {
        if (b.toString().includes('ready')) res();
      });
      void exited.then(() => res());
    });
    await new Promise((r) => setTimeout(r, 150)); // let it write for a while
    child.kill('SIGKILL');
    const { signal } = await exited;
    clearTimeout(safety);
    t.equal(signal, 'SIGKILL', `killed mid-stream (stderr: ${err.slice(0, 300)})`);

    const s = open(path);
    t.equal(s.db.pragma('quick_check', { simple: true }), 'ok', 'not corrupt');
    const last = s.lastSeq();
    t.ok(last >= 1, `wrote ${last} deltas before the kill`);
    const outbox = s.outboxAfter(0, 1_000_000);
    t.equal(outbox.length, last, 'one outbox entry per seq');
    t.equal(outbox[outbox.length - 1]?.seq, last, 'the newest outbox entry is last_seq');
    const observed = s.loadObserved();
    t.same(
      observed.find((o) => o.kind === 'counter')?.data,
      { seq: last },
      'the snapshot is exactly at last_seq',
    );
    t.equal(
      observed.filter((o) => o.kind === 'item').length,
      last,
      'every committed delta is in the snapshot',
    );
    s.close();
  },
);

t.test('a corrupt agent database is moved aside and the agent starts fresh', async (t) => {
  const dir = tempDir(t, 'astore');
  const path = join(dir, 'agent.db');
  const first = open(path);
  const inc = first.incarnation;
  first.recordDelta('host', [], []);
  first.close();
  writeFileSync(path, Buffer.alloc(8192, 0x5a));
  const { log, lines } = bufferLog();
  const s = new AgentStore({ path, log, now: () => 42 });
  t.not(s.incarnation, inc, 'a new incarnation: the coordinator must take a fresh snapshot');
  t.equal(s.lastSeq(), 0);
  t.equal(s.outboxDepth(), 0);
  t.match(lines(), [{ level: 50, path, movedTo: `${path}.corrupt-42` }]);
  s.close();
});
