import t from 'tap';
import { existsSync, readdirSync, writeFileSync, mkdirSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { fakeDriver } from '../../harness/fake-driver.js';
import { helloFor, rawAgentStream, rawBytesStream } from '../../harness/raw-agent.js';
import {
  memoryLog,
  runPlinth,
  startTestAgent,
  startTestCoordinator,
  testAdmin,
  TestPki,
  writeJson,
} from '../../harness/spine.js';
import { waitFor } from '../../harness/wait.js';

t.test('the gateway refuses bad streams with precise errors and stays up', async (t) => {
  const pki = await TestPki.create();
  t.teardown(() => pki.cleanup());
  const coord = await startTestCoordinator(pki);
  t.teardown(() => coord.stop());
  const admin = await testAdmin(pki, coord.port);
  t.teardown(() => admin.close());
  const h1 = await pki.issue('agent', 'h1');

  await t.test('a Hello naming another host', async (t) => {
    const s = await rawAgentStream(h1, coord.port);
    s.send(helloFor('h2'));
    const err = await s.ended;
    s.close();
    t.equal(err?.code, grpc.status.PERMISSION_DENIED);
    t.equal(err?.details, 'Hello claims host "h2" but the client certificate is for host "h1"');
    t.equal(coord.store.getHost('h2'), undefined, 'nothing was recorded for h2');
  });

  await t.test('a first message that is not Hello', async (t) => {
    const s = await rawAgentStream(h1, coord.port);
    s.send({ heartbeat: { lastSeq: 3 } });
    const err = await s.ended;
    s.close();
    t.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    t.equal(err?.details, 'the first message must be Hello, got heartbeat');
  });

  await t.test('bytes that are not protobuf', async (t) => {
    const err = await rawBytesStream(
      h1,
      coord.port,
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]),
    );
    t.equal(err?.code, grpc.status.INTERNAL);
    t.match(err?.details, /Error deserializing request/);
  });

  await t.test('an oversized message', async (t) => {
    const s = await rawAgentStream(h1, coord.port);
    s.send(
      helloFor('h1', {
        snapshot: {
          seq: 0,
          objects: [
            { kind: 'x', id: 'big', dataJson: JSON.stringify({ v: 'x'.repeat(5 * 1024 * 1024) }) },
          ],
        },
      }),
    );
    const err = await s.ended;
    s.close();
    t.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
    t.match(err?.details, /^Received message larger than max \(\d+ vs 4194304\)$/);
  });

  await t.test('an object whose data is not JSON', async (t) => {
    const s = await rawAgentStream(h1, coord.port);
    s.send(
      helloFor('h1', {
        snapshot: { seq: 0, objects: [{ kind: 'host.link', id: 'eth0', dataJson: '{"broken' }] },
      }),
    );
    const err = await s.ended;
    s.close();
    t.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    t.equal(err?.details, 'data of host.link eth0 is not valid JSON');
    t.equal(
      coord.store.objects('h1').length,
      0,
      'nothing from the refused message reached the store',
    );
  });

  await t.test('a sequence gap makes the coordinator ask for a snapshot', async (t) => {
    const s = await rawAgentStream(h1, coord.port);
    s.send(helloFor('h1'));
    await waitFor('welcome', () => s.received.find((m) => m.welcome));
    s.send({
      delta: { seq: 1, changes: [{ kind: 'host.link', id: 'a', dataJson: '{}' }], events: [] },
    });
    s.send({ delta: { seq: 5, changes: [], events: [] } });
    const resync = await waitFor('resync', () => s.received.find((m) => m.resync));
    t.equal(resync.resync?.reason, 'sequence gap: expected 2, got 5');
    s.send({ snapshot: { seq: 7, objects: [{ kind: 'host.link', id: 'b', dataJson: '{}' }] } });
    await waitFor('snapshot acked', () => s.received.find((m) => m.deltaAck?.seq === 7));
    t.same(
      coord.store.objects('h1').map((o) => o.id),
      ['b'],
      'the snapshot replaced the objects',
    );
    s.close();
  });

  await t.test(
    'an admin certificate on the agent gateway, an agent certificate on Admin',
    async (t) => {
      const adminFiles = await pki.issue('admin', 'ops');
      const s = await rawAgentStream(adminFiles, coord.port, 'admin');
      s.send(helloFor('ops'));
      const err = await s.ended;
      s.close();
      t.equal(err?.code, grpc.status.PERMISSION_DENIED);
      t.equal(
        err?.details,
        'only agent certificates may connect to AgentGateway (this one is admin)',
      );
      const r = await runPlinth([
        'hosts',
        '--coordinator',
        `127.0.0.1:${coord.port}`,
        '--ca',
        h1.ca,
        '--cert',
        h1.cert,
        '--key',
        h1.key,
      ]);
      t.equal(r.code, 2);
      t.match(r.stderr, /is not a plinth admin certificate \(it says agent\)/);
    },
  );

  await t.test('a certificate from another CA', async (t) => {
    const other = await TestPki.create('plt-spine-other-');
    t.teardown(() => other.cleanup());
    const foreign = await other.issue('admin', 'intruder');
    const r = await runPlinth([
      'hosts',
      '--coordinator',
      `127.0.0.1:${coord.port}`,
      '--ca',
      pki.ca,
      '--cert',
      foreign.cert,
      '--key',
      foreign.key,
    ]);
    t.equal(r.code, 1);
    t.match(
      r.stderr,
      new RegExp(
        `cannot reach the coordinator at 127\\.0\\.0\\.1:${coord.port} .*A certificate from another CA also fails here`,
      ),
    );
  });

  // After all of it: still serving, database intact.
  const hosts = await admin.call('ListHosts', {});
  t.ok(Array.isArray(hosts.hosts), 'the coordinator still answers');
  t.equal(coord.store.db.pragma('quick_check', { simple: true }), 'ok', 'its database is intact');
});

t.test('a corrupt agent database is moved aside and rebuilt from observation', async (t) => {
  const pki = await TestPki.create();
  t.teardown(() => pki.cleanup());
  const coord = await startTestCoordinator(pki);
  t.teardown(() => coord.stop());
  const dataDir = join(pki.dir, 'agent-c1');
  let agent = await startTestAgent(pki, {
    hostId: 'c1',
    coordinatorPort: coord.port,
    drivers: [fakeDriver(['w1']).driver],
    dataDir,
  });
  await waitFor('first delta recorded', () =>
    coord.store.objects('c1').some((o) => o.kind === 'fake.widget'),
  );
  await agent.stop();

  // Truncate the database mid-page: what a crash on a broken disk can leave.
  const dbPath = join(dataDir, 'agent.db');
  truncateSync(dbPath, Math.floor(statSync(dbPath).size / 2) + 100);
  writeFileSync(dbPath, Buffer.alloc(200, 0xab), { flag: 'r+' });
  const { log, lines } = memoryLog();
  agent = await startTestAgent(pki, {
    hostId: 'c1',
    coordinatorPort: coord.port,
    drivers: [fakeDriver(['w1', 'w2']).driver],
    dataDir,
    log,
  });
  t.teardown(() => agent.stop());
  const aside = readdirSync(dataDir).filter(
    (f) => f.startsWith('agent.db.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm'),
  );
  t.equal(aside.length, 1, 'the corrupt file was moved aside');
  t.ok(
    lines.some((l) => l.includes('local database was corrupt: moved it aside')),
    'with a clear log line',
  );
  await waitFor(
    'rebuilt state reaches the coordinator',
    () => coord.store.objects('c1').filter((o) => o.kind === 'fake.widget').length === 2,
  );
  const db = new Database(dbPath, { readonly: true });
  t.equal(db.pragma('quick_check', { simple: true }), 'ok');
  db.close();
});

t.test(
  'config files with unknown keys or wrong types are refused with the key and the fix',
  async (t) => {
    const dir = join((await TestPki.create()).dir, 'cfg');
    mkdirSync(dir);
    const agentCfg = join(dir, 'agent.json');
    await writeJson(agentCfg, {
      coordinater: { address: 'x:1' },
      heartbeatSeconds: 'fast',
      metrics: { listen: 9469 },
      drivers: { host: { enabled: 'yes' } },
    });
    const r = await runPlinth(['agent', '--config', agentCfg, '--check-config']);
    t.equal(r.code, 2);
    t.match(r.stderr, `config file ${agentCfg} is invalid:`);
    t.match(
      r.stderr,
      'config key coordinater: unknown key. Did you mean "coordinator"? Remove it or fix its spelling.',
    );
    t.match(r.stderr, 'config key heartbeatSeconds: expected a number, got the string "fast".');
    t.match(r.stderr, 'config key metrics.listen: expected a string, got number 9469.');
    t.match(
      r.stderr,
      'config key drivers.host.enabled: expected true or false, got the string "yes".',
    );
    t.match(r.stderr, '(PLINTH_E_CONFIG)');

    const coordCfg = join(dir, 'coordinator.json');
    writeFileSync(coordCfg, '{ "listen": "0.0.0.0:7443", ');
    const r2 = await runPlinth(['coordinator', '--config', coordCfg, '--check-config']);
    t.equal(r2.code, 2);
    t.match(r2.stderr, `config file ${coordCfg} is not valid JSON`);
    await writeJson(coordCfg, { suspectAfterSeconds: 20, downAfterSeconds: 10 });
    const r3 = await runPlinth(['coordinator', '--config', coordCfg, '--check-config']);
    t.match(
      r3.stderr,
      'config key downAfterSeconds (10) must be greater than suspectAfterSeconds (20).',
    );
    t.ok(existsSync(coordCfg));
  },
);
