import t from 'tap';
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';
import { openDatabase, type Migration } from '../../../lib/sqlite.js';
import { bufferLog, caught, tempDir } from './helpers.js';

function recording(calls: string[], n: number): Migration[] {
  return Array.from({ length: n }, (_, i) => (db) => {
    calls.push(`m${i}`);
    db.exec(`CREATE TABLE t${i} (x INTEGER)`);
  });
}

/** A real database with enough rows to span many pages, closed (WAL checkpointed). */
function makeRealDb(path: string): void {
  const db = openDatabase({
    path,
    migrations: [(d) => d.exec('CREATE TABLE x (a TEXT)')],
    log: silentLog(),
    onCorrupt: 'refuse',
  });
  const ins = db.prepare('INSERT INTO x VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) ins.run(`row-${i}-${'p'.repeat(80)}`);
  })();
  db.close();
}

t.test('migrations run once, in order, each bumping user_version', async (t) => {
  const dir = tempDir(t, 'sqlite');
  const path = join(dir, 'a.db');
  const calls: string[] = [];
  const db = openDatabase({
    path,
    migrations: recording(calls, 3),
    log: silentLog(),
    onCorrupt: 'refuse',
  });
  t.same(calls, ['m0', 'm1', 'm2']);
  t.equal(db.pragma('user_version', { simple: true }), 3);
  db.close();

  const db2 = openDatabase({
    path,
    migrations: recording(calls, 3),
    log: silentLog(),
    onCorrupt: 'refuse',
  });
  t.same(calls, ['m0', 'm1', 'm2'], 'nothing re-run on reopen');
  db2.close();

  const db3 = openDatabase({
    path,
    migrations: recording(calls, 5),
    log: silentLog(),
    onCorrupt: 'refuse',
  });
  t.same(calls, ['m0', 'm1', 'm2', 'm3', 'm4'], 'only the new ones');
  t.equal(db3.pragma('user_version', { simple: true }), 5);
  const tables = (
    db3.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);
  t.same(tables, ['t0', 't1', 't2', 't3', 't4']);
  db3.close();
});

t.test('a migration sees the schema left by the previous one', async (t) => {
  const dir = tempDir(t, 'sqlite');
  const db = openDatabase({
    path: join(dir, 'b.db'),
    migrations: [
      (d) => d.exec('CREATE TABLE a (x INTEGER)'),
      (d) => d.exec('INSERT INTO a VALUES (42)'),
    ],
    log: silentLog(),
    onCorrupt: 'refuse',
  });
  t.same(db.prepare('SELECT x FROM a').all(), [{ x: 42 }]);
  db.close();
});

t.test('a failing migration rolls back and leaves the version where it was', async (t) => {
  const dir = tempDir(t, 'sqlite');
  const path = join(dir, 'c.db');
  openDatabase({
    path,
    migrations: [(d) => d.exec('CREATE TABLE a (x INTEGER)')],
    log: silentLog(),
    onCorrupt: 'refuse',
  }).close();
  const e = caught(t, () =>
    openDatabase({
      path,
      migrations: [
        (d) => d.exec('CREATE TABLE a (x INTEGER)'),
        (d) => {
          d.exec('CREATE TABLE half (x INTEGER)');
          throw new Error('boom');
        },
      ],
      log: silentLog(),
      onCorrupt: 'move-aside',
    }),
  );
  t.equal(e.code, ErrorCodes.STORE);
  t.equal(e.message, `cannot open database ${path}: boom`);
  const raw = new Database(path, { readonly: true });
  t.equal(raw.pragma('user_version', { simple: true }), 1);
  t.same(
    raw.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all(),
    [],
    'partial migration rolled back',
  );
  raw.close();
  t.same(
    readdirSync(dir).filter((f) => f.includes('corrupt')),
    [],
    'a failing migration is not corruption',
  );
});

t.test('a database newer than this plinth is refused, not moved aside', async (t) => {
  const dir = tempDir(t, 'sqlite');
  const path = join(dir, 'd.db');
  openDatabase({
    path,
    migrations: recording([], 2),
    log: silentLog(),
    onCorrupt: 'move-aside',
  }).close();
  for (const onCorrupt of ['move-aside', 'refuse'] as const) {
    const e = caught(t, () =>
      openDatabase({ path, migrations: recording([], 1), log: silentLog(), onCorrupt }),
    );
    t.ok(e instanceof PlinthError);
    t.equal(e.code, ErrorCodes.STORE);
    t.equal(
      e.message,
      'database schema version 2 is newer than this plinth (1): run the newer plinth, or restore a backup',
    );
  }
  t.same(
    readdirSync(dir).filter((f) => f.includes('corrupt')),
    [],
  );
  const db = openDatabase({
    path,
    migrations: recording([], 2),
    log: silentLog(),
    onCorrupt: 'refuse',
  });
  t.equal(db.pragma('user_version', { simple: true }), 2, 'still usable by the right version');
  db.close();
});

t.test('durability settings: WAL, synchronous FULL, foreign keys', async (t) => {
  const dir = tempDir(t, 'sqlite');
  const db = openDatabase({
    path: join(dir, 'e.db'),
    migrations: [],
    log: silentLog(),
    onCorrupt: 'refuse',
  });
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
  t.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
});

const corruptions: { name: string; make(path: string): void; reason: string }[] = [
  {
    name: 'garbage bytes',
    make: (p) => writeFileSync(p, Buffer.alloc(8192, 0x41)),
    reason: 'file is not a database',
  },
  {
    name: 'a real database truncated to half',
    make: (p) => {
      makeRealDb(p);
      truncateSync(p, Math.floor(statSync(p).size / 2));
    },
    reason: 'database disk image is malformed',
  },
  {
    name: 'a real database truncated to 100 bytes',
    make: (p) => {
      makeRealDb(p);
      truncateSync(p, 100);
    },
    reason: 'database disk image is malformed',
  },
];

for (const c of corruptions) {
  t.test(`corrupt (${c.name}) with move-aside: renamed, logged, fresh database`, async (t) => {
    const dir = tempDir(t, 'sqlite');
    const path = join(dir, 'agent.db');
    c.make(path);
    const before = readFileSync(path);
    const { log, lines } = bufferLog();
    const calls: string[] = [];
    const db = openDatabase({
      path,
      migrations: recording(calls, 2),
      log,
      onCorrupt: 'move-aside',
      now: () => 1700000000123,
    });
    const aside = `${path}.corrupt-1700000000123`;
    t.ok(existsSync(aside), 'moved aside with the injected timestamp');
    t.same(readFileSync(aside), before, 'the moved file is the corrupt one, byte for byte');
    t.same(calls, ['m0', 'm1'], 'the fresh database was migrated');
    t.equal(db.pragma('user_version', { simple: true }), 2);
    t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.prepare('INSERT INTO t0 VALUES (1)').run();
    t.same(db.prepare('SELECT x FROM t0').all(), [{ x: 1 }], 'usable');
    db.close();
    const logged = lines();
    t.equal(logged.length, 1, 'one log line');
    t.match(logged[0], {
      level: 50,
      path,
      movedTo: aside,
      reason: c.reason,
      msg: 'local database was corrupt: moved it aside and starting a fresh one; state will be rebuilt from observation and the coordinator',
    });
  });

  t.test(`corrupt (${c.name}) with refuse: exact error, file untouched`, async (t) => {
    const dir = tempDir(t, 'sqlite');
    const path = join(dir, 'coordinator.db');
    c.make(path);
    const before = readFileSync(path);
    const { log, lines } = bufferLog();
    const e = caught(t, () =>
      openDatabase({ path, migrations: recording([], 1), log, onCorrupt: 'refuse' }),
    );
    t.ok(e instanceof PlinthError);
    t.equal(e.code, ErrorCodes.STORE);
    t.equal(
      e.message,
      `database ${path} is corrupt (${c.reason}); the coordinator will not start on it. Restore it from a backup, or move it aside to start empty (agents then resend their state).`,
    );
    t.same(readFileSync(path), before, 'not modified');
    t.same(
      readdirSync(dir).filter((f) => f.includes('corrupt-')),
      [],
      'not moved',
    );
    t.same(lines(), []);
  });
}

t.test(
  'move-aside with a stale -wal and -shm: the fresh database does not adopt them',
  async (t) => {
    // SQLite itself deletes an unusable -wal/-shm when the failed connection closes, so
    // they are gone rather than moved (see sqlite.bug.ts); what matters here is that
    // the fresh database starts clean.
    const dir = tempDir(t, 'sqlite');
    const path = join(dir, 'agent.db');
    writeFileSync(path, Buffer.alloc(4096, 0x42));
    writeFileSync(`${path}-wal`, Buffer.alloc(100, 0x43));
    writeFileSync(`${path}-shm`, Buffer.alloc(100, 0x44));
    const { log } = bufferLog();
    const db = openDatabase({
      path,
      migrations: [(d) => d.exec('CREATE TABLE a (x)')],
      log,
      onCorrupt: 'move-aside',
      now: () => 7,
    });
    t.ok(existsSync(`${path}.corrupt-7`));
    t.same(readFileSync(`${path}.corrupt-7`), Buffer.alloc(4096, 0x42));
    if (existsSync(`${path}-wal`))
      t.not(readFileSync(`${path}-wal`).equals(Buffer.alloc(100, 0x43)), true, 'not the stale wal');
    db.prepare('INSERT INTO a VALUES (1)').run();
    t.same(db.prepare('SELECT x FROM a').all(), [{ x: 1 }]);
    db.close();
  },
);

t.test('a path that cannot be opened is a STORE error naming the path', async (t) => {
  const dir = tempDir(t, 'sqlite');
  const path = join(dir, 'no', 'such', 'dir', 'x.db');
  const e = caught(t, () =>
    openDatabase({ path, migrations: [], log: silentLog(), onCorrupt: 'move-aside' }),
  );
  t.equal(e.code, ErrorCodes.STORE);
  t.match(e.message, `cannot open database ${path}: `);
});

t.test('an empty (0-byte) file is a valid empty database', async (t) => {
  const dir = tempDir(t, 'sqlite');
  const path = join(dir, 'z.db');
  writeFileSync(path, '');
  const db = openDatabase({
    path,
    migrations: recording([], 1),
    log: silentLog(),
    onCorrupt: 'refuse',
  });
  t.equal(db.pragma('user_version', { simple: true }), 1);
  db.close();
});
