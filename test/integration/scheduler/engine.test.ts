import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { silentLog } from '../../../lib/log.js';
import { openDatabase } from '../../../lib/sqlite.js';
import type { HostState } from '../../../lib/model.js';
import { resolveSchedulerConfig } from '../../../coordinator/scheduler/config.js';
import {
  PlacementEngine,
  type PlacementEngineDeps,
} from '../../../coordinator/scheduler/engine.js';
import { coordinatorMigrations } from '../../../coordinator/store/migrations.js';
import { CoordinatorStore } from '../../../coordinator/store/store.js';
import { VmStore } from '../../../coordinator/vms/store.js';
import type { Placement, PlacementRequest } from '../../../coordinator/scheduler/types.js';
import { addSimHosts, claimSums, openSimStore, prng, simLiveness } from './sim.js';

/**
 * The placement engine against the real coordinator store (temp dir, migrations,
 * WAL, synchronous=FULL). 5 hosts of 16 threads (64 vCPUs at ratio 4) and 32 GiB.
 */
const HOSTS = ['h1', 'h2', 'h3', 'h4', 'h5'];
const VCPU_CAP = 64;
const MEM_CAP = 32768 - 512;

function engineFor(
  store: CoordinatorStore,
  liveness: PlacementEngineDeps['liveness'] = simLiveness(),
) {
  return new PlacementEngine({
    store,
    liveness,
    config: resolveSchedulerConfig(),
    networks: { prod: { bridge: 'br-int', vlan: 100 } },
    now: Date.now,
    log: silentLog(),
  });
}

const req = (name: string, o: Partial<PlacementRequest> = {}): PlacementRequest => ({
  name,
  vcpus: 2,
  memoryMiB: 1024,
  domainType: 'kvm',
  cpuFeatures: [],
  requiredLabels: {},
  networks: ['prod'],
  ...o,
});

async function setup(t: Test) {
  const sim = await openSimStore();
  t.teardown(() => sim.cleanup());
  addSimHosts(
    sim.store,
    HOSTS.map((id, k) => ({ id, threads: 16, memoryMiB: 32768, rack: `r${k % 2}` })),
  );
  return sim;
}

function checkCapacity(t: Test, store: CoordinatorStore, engine: PlacementEngine) {
  const sums = claimSums(store);
  for (const [h, s] of sums) {
    t.ok(s.vcpus <= VCPU_CAP, `${h}: ${s.vcpus} vCPUs claimed <= ${VCPU_CAP}`);
    t.ok(s.memoryMiB <= MEM_CAP, `${h}: ${s.memoryMiB} MiB claimed <= ${MEM_CAP}`);
  }
  const mem = engine.usage();
  t.same(
    Object.fromEntries(HOSTS.map((h) => [h, mem.get(h)])),
    Object.fromEntries(
      HOSTS.map((h) => [
        h,
        { vcpus: sums.get(h)?.vcpus ?? 0, memoryMiB: sums.get(h)?.memoryMiB ?? 0 },
      ]),
    ),
    'the in-memory index equals the SQLite sums',
  );
  return sums;
}

t.test('1,000 concurrent placements never overcommit, and survive a reopen', async (t) => {
  const sim = await setup(t);
  const engine = engineFor(sim.store);
  const r = prng(42);
  const qs = Array.from({ length: 1000 }, (_, k) =>
    req(`vm${k}`, {
      vcpus: 1 + Math.floor(r() * 4),
      memoryMiB: 256 * (1 + Math.floor(r() * 8)),
      group:
        k % 5 === 0
          ? { name: `g${k % 20}`, policy: 'anti-affinity', scope: 'host', hard: true }
          : undefined,
    }),
  );
  const results = await Promise.all(qs.map((q) => engine.place(q)));
  const ok = results.filter((p) => p.ok);
  t.ok(ok.length > 50, `${ok.length} placed`);
  t.ok(ok.length < 1000, `${1000 - ok.length} rejected once the cluster was full`);
  const rejected = results.find((p) => !p.ok)!;
  t.equal(rejected.hosts.length, 5, 'a rejection carries the table');
  t.match(rejected.message, /^no host fits vm\d+ \(5 hosts\): /);

  const sums = checkCapacity(t, sim.store, engine);
  t.equal(
    [...sums.values()].reduce((a, s) => a + s.count, 0),
    ok.length,
    'one claim per successful placement',
  );
  const rows = sim.store.db.prepare('SELECT vm_name, host_id FROM claims').all() as {
    vm_name: string;
    host_id: string;
  }[];
  const claimed = new Map(rows.map((x) => [x.vm_name, x.host_id]));
  t.ok(
    results.every((p, k) =>
      p.ok ? claimed.get(qs[k]!.name) === p.hostId : !claimed.has(qs[k]!.name),
    ),
    'every claim is where its placement said',
  );
  const perGroupHost = sim.store.db
    .prepare(
      "SELECT group_name, host_id, COUNT(*) AS n FROM claims WHERE group_name != '' GROUP BY 1, 2 HAVING n > 1",
    )
    .all();
  t.same(perGroupHost, [], 'hard anti-affinity: never two members on one host');

  engine.close();
  sim.store.close();
  const store2 = sim.reopen();
  const engine2 = engineFor(store2);
  t.same(engine2.usage(), engine.usage(), 'a new engine on the reopened DB has the same index');
  checkCapacity(t, store2, engine2);
  engine2.close();
});

t.test('schema 5 drops the unused claims_by_host index and keeps every claim', async (t) => {
  // A store written by the previous release (schema 4), with claims in it.
  const dir = await mkdtemp(join(tmpdir(), 'pls-sched-upgrade-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'coordinator.db');
  const old = openDatabase({
    path,
    migrations: coordinatorMigrations.slice(0, 4),
    log: silentLog(),
    onCorrupt: 'refuse',
  });
  const indexes = (db: typeof old) =>
    (
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'claims'")
        .all() as {
        name: string;
      }[]
    ).map((r) => r.name);
  t.ok(indexes(old).includes('claims_by_host'), 'schema 4 has the index');
  const insert = old.prepare(
    "INSERT INTO claims (vm_name, host_id, vcpus, memory_mib, group_name, created_ms) VALUES (?, 'h1', 2, 1024, '', 0)",
  );
  for (const vm of ['a', 'b', 'c']) insert.run(vm);
  old.close();

  const store = new CoordinatorStore(path, silentLog(), Date.now);
  t.teardown(() => store.close());
  t.equal(store.db.pragma('user_version', { simple: true }), 5);
  t.notOk(indexes(store.db).includes('claims_by_host'), 'the index is gone');
  addSimHosts(store, [{ id: 'h1', threads: 16, memoryMiB: 32768, rack: 'r0' }]);
  const engine = engineFor(store);
  t.teardown(() => engine.close());
  t.same(engine.usage().get('h1'), { vcpus: 6, memoryMiB: 3072 }, 'the claims are loaded');
  t.ok(await engine.release('b'), 'a claim is still released by VM name');
  t.same(store.db.prepare('SELECT vm_name FROM claims ORDER BY vm_name').pluck().all(), ['a', 'c']);
});

t.test(
  'write() runs in the claim transaction; a throwing write rolls back only its claim',
  async (t) => {
    const sim = await setup(t);
    const engine = engineFor(sim.store);
    const insertVm = sim.store.db.prepare(
      "INSERT INTO vms (name, uuid, spec, status, host_id, created_ms, updated_ms) VALUES (?, ?, '{}', 'placed', ?, 0, 0)",
    );
    const write = (name: string) => (p: Placement) => {
      t.ok(sim.store.db.inTransaction, 'write runs inside the transaction');
      insertVm.run(name, `uuid-${name}`, p.hostId!);
    };
    const [a, b, c] = await Promise.allSettled([
      engine.place(req('a', { vcpus: 8 }), write('a')),
      engine.place(req('b', { vcpus: 8 }), () => {
        throw new Error('the VM row could not be written');
      }),
      engine.place(req('c', { vcpus: 8 }), write('c')),
    ]);
    t.equal(a.status, 'fulfilled');
    t.equal(c.status, 'fulfilled');
    t.equal(b.status, 'rejected');
    t.match((b as PromiseRejectedResult).reason, { message: 'the VM row could not be written' });
    t.same(
      (
        sim.store.db.prepare('SELECT vm_name FROM claims ORDER BY 1').all() as { vm_name: string }[]
      ).map((x) => x.vm_name),
      ['a', 'c'],
    );
    t.same(
      (sim.store.db.prepare('SELECT name FROM vms ORDER BY 1').all() as { name: string }[]).map(
        (x) => x.name,
      ),
      ['a', 'c'],
    );
    t.equal(engine.claimOf('b'), undefined);
    checkCapacity(t, sim.store, engine);
    engine.close();
  },
);

t.test('a failed commit rejects the whole batch and rolls the index back', async (t) => {
  const sim = await setup(t);
  const engine = engineFor(sim.store);
  await engine.place(req('before', { vcpus: 4 }));
  const usageBefore = engine.usage();
  const fpBefore = engine.fingerprint();
  // A deferred foreign key fails at COMMIT, after every job's savepoint succeeded.
  sim.store.db.exec(
    'CREATE TABLE pls_fk (h TEXT REFERENCES hosts(id) DEFERRABLE INITIALLY DEFERRED)',
  );
  const breakCommit = () =>
    sim.store.db.prepare("INSERT INTO pls_fk VALUES ('no-such-host')").run();
  const results = await Promise.allSettled([
    engine.place(req('x1', { vcpus: 4 })),
    engine.place(req('x2', { vcpus: 4 }), breakCommit),
    engine.place(req('before', { vcpus: 8, excludeHosts: [engine.claimOf('before')!.hostId] })),
  ]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected'],
  );
  t.match((results[0] as PromiseRejectedResult).reason, { code: 'PLINTH_E_STORE' });
  t.same(engine.usage(), usageBefore, 'index rolled back');
  t.equal(engine.claimOf('x1'), undefined);
  t.equal(engine.claimOf('before')!.vcpus, 4, 'the move was undone too');
  t.not(engine.fingerprint(), fpBefore, 'the fingerprint never goes back');
  checkCapacity(t, sim.store, engine);
  const after = await engine.place(req('x3'));
  t.ok(after.ok, 'the engine works after a failed commit');
  engine.close();
});

t.test('moves, release, preview and the fingerprint', async (t) => {
  const sim = await setup(t);
  const engine = engineFor(sim.store);
  const big = { vcpus: 16, memoryMiB: 30000 };
  const fp0 = engine.fingerprint();
  const pv = engine.preview(req('m', big));
  t.ok(pv.ok);
  t.equal(pv.hosts.length, 5, 'preview carries every host');
  t.equal(engine.fingerprint(), fp0, 'preview changes nothing');
  t.same(claimSums(sim.store), new Map());

  const p1 = await engine.place(req('m', big), undefined, { fingerprint: fp0 });
  t.equal(p1.hostId, pv.hostId, 'place chooses what preview showed');
  t.equal(p1.hosts.length, 1, 'the hot path keeps only the chosen host');
  t.not(engine.fingerprint(), fp0);
  await t.rejects(
    engine.place(req('late', big), undefined, { fingerprint: fp0 }),
    { code: 'PLINTH_E_CONFLICT' },
    'a stale plan is refused',
  );
  t.equal(engine.claimOf('late'), undefined);
  const fillers = await Promise.all([1, 2, 3, 4].map((k) => engine.place(req(`f${k}`, big))));
  t.ok(
    fillers.every((p) => p.ok && p.hostId !== p1.hostId),
    'the others are full now',
  );
  // Re-placing the same VM counts its own claim as free: only its own host fits.
  const stay = engine.preview(req('m', { vcpus: 16, memoryMiB: 32000 }));
  t.equal(stay.hostId, p1.hostId);
  const nowhere = await engine.place(req('m', { ...big, excludeHosts: [p1.hostId!] }));
  t.notOk(nowhere.ok, 'no room elsewhere');
  t.equal(engine.claimOf('m')!.hostId, p1.hostId, 'a failed move keeps the old claim');
  t.equal(await engine.release('f1'), true);
  const p2 = await engine.place(req('m', { ...big, excludeHosts: [p1.hostId!] }));
  t.equal(p2.hostId, fillers[0]!.hostId, 'moved into the freed host');
  const sums = checkCapacity(t, sim.store, engine);
  t.equal(sums.get(p1.hostId!), undefined, 'the old claim is gone');
  t.equal(sums.get(p2.hostId!)!.memoryMiB, 30000);

  t.equal(await engine.release('m'), true);
  t.equal(await engine.release('m'), false, 'releasing twice is harmless');
  t.equal(claimSums(sim.store).get(p2.hostId!), undefined);
  checkCapacity(t, sim.store, engine);
  t.throws(() => engine.preview(req('bad name!')), { code: 'PLINTH_E_INVALID_ARGUMENT' });
  await t.rejects(engine.place(req('zero', { vcpus: 0 })), { code: 'PLINTH_E_INVALID_ARGUMENT' });
  engine.close();
});

t.test('invalidateHost: cordon and liveness changes reach the next placement', async (t) => {
  const sim = await setup(t);
  const states = new Map<string, HostState>();
  const live = Object.assign(new EventEmitter(), {
    state: (id: string) => states.get(id) ?? 'ready',
  });
  const engine = engineFor(sim.store, live);
  const first = engine.preview(req('p')).hostId!;
  sim.store.db
    .prepare('INSERT INTO host_sched (host_id, cordoned, updated_ms) VALUES (?, 1, 0)')
    .run(first);
  t.equal(engine.preview(req('p')).hostId, first, 'not seen until invalidated');
  const fp = engine.fingerprint();
  engine.invalidateHost('h5');
  t.equal(engine.fingerprint(), fp, 'an invalidation that changes nothing keeps the fingerprint');
  engine.invalidateHost(first);
  t.not(engine.fingerprint(), fp);
  const p = engine.preview(req('p'));
  t.not(p.hostId, first, 'a cordoned host gets nothing new');
  t.equal(
    p.hosts.find((h) => h.hostId === first)!.filters.find((f) => f.filter === 'schedulable')!
      .reason,
    'cordoned',
  );
  const second = p.hostId!;
  states.set(second, 'suspect');
  live.emit('state', second, 'suspect', 'ready');
  t.not(engine.preview(req('p')).hostId, second, 'a suspect host is out, via the state event');
  // What the VM service does for cordon/maintenance: write host_sched, invalidate.
  const setSched = (
    hostId: string,
    s: { cordoned: boolean; maintenance: string; reason: string },
  ) => {
    new VmStore(sim.store.db, Date.now).setSched({ hostId, ...s });
    engine.invalidateHost(hostId);
  };
  setSched(second, { cordoned: false, maintenance: '', reason: '' });
  states.set(second, 'ready');
  live.emit('state', second, 'ready', 'suspect');
  setSched(first, { cordoned: false, maintenance: 'draining', reason: 'disk swap' });
  const m = engine.preview(req('p'));
  t.equal(
    m.hosts.find((h) => h.hostId === first)!.filters.find((f) => f.filter === 'schedulable')!
      .reason,
    'in maintenance',
    'a host_sched change takes effect at the next placement',
  );
  t.same(
    sim.store.db
      .prepare('SELECT cordoned, maintenance, reason FROM host_sched WHERE host_id = ?')
      .get(first),
    { cordoned: 0, maintenance: 'draining', reason: 'disk swap' },
  );
  // A host that appears later is picked up too.
  addSimHosts(sim.store, [{ id: 'h9', threads: 64, memoryMiB: 262144 }]);
  engine.invalidateHost('h9');
  t.equal(engine.preview(req('p', { vcpus: 32 })).hostId, 'h9');
  engine.close();
  t.equal(live.listenerCount('state'), 0, 'close() stops listening');
});
