import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { OvsdbClient, transactOutcome } from '../../../agent/drivers/ovs/ovsdb/client.js';
import { dialUnix, type OvsdbSocket } from '../../../agent/drivers/ovs/ovsdb/dial.js';
import { JsonObjectStream } from '../../../agent/drivers/ovs/ovsdb/framing.js';
import { OvsdbReplica } from '../../../agent/drivers/ovs/ovsdb/replica.js';
import { MONITORED_COLUMNS, parseState } from '../../../agent/drivers/ovs/state.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../../lib/json.js';
import { silentLog } from '../../../lib/log.js';
import { notification, recorded, reply } from './exchanges.js';
import { FakeSocket, recordedAnswer } from './fake-socket.js';

const until = async (what: string, cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

function setup(answer?: (m: JsonObject) => JsonObject | string | undefined, extra = {}) {
  const sockets: FakeSocket[] = [];
  const replica = new OvsdbReplica({ db: 'Open_vSwitch', columns: MONITORED_COLUMNS });
  const client = new OvsdbClient({
    socketPath: '/fake/db.sock',
    dial: () => {
      const s = new FakeSocket(answer);
      sockets.push(s);
      return s;
    },
    log: silentLog(),
    backoff: { initialMs: 10, maxMs: 40, factor: 2 },
    random: () => 0.5,
    requestTimeoutMs: 200,
    echoIntervalMs: 0,
    onConnect: (c) => replica.resync(c),
    onNotification: (m, p) => replica.onNotification(m, p),
    ...extra,
  });
  return { client, replica, sockets };
}

t.test('connect: get_schema then monitor, replica filled from the recorded reply', async (t) => {
  const { client, replica, sockets } = setup();
  t.teardown(() => client.stop());
  client.start();
  t.equal(await client.waitReady(2000), true);
  t.same(
    sockets[0]!.sent.map((m) => m.method),
    ['get_schema', 'monitor_cond'],
  );
  t.same(sockets[0]!.sent[1]!.params, recorded('monitor_cond', 'send').params);
  t.equal(parseState(replica.tables).portByName.get('plt-ovs-acc')?.tag, 10);

  // A recorded update notification reaches the replica.
  sockets[0]!.serverSays(notification('vsctl-edit', 'update2'));
  await until(
    'update applied',
    () => parseState(replica.tables).portByName.get('plt-ovs-acc')?.tag === 20,
  );
  t.pass('update applied');
});

t.test('transact returns per-op results; a failed wait is reported', async (t) => {
  const { client, sockets } = setup((m) =>
    m.method === 'transact'
      ? { id: m.id!, result: reply('transact-wait-fails').result!, error: null }
      : recordedAnswer(m),
  );
  t.teardown(() => client.stop());
  client.start();
  await client.waitReady(2000);
  const ops = (recorded('transact-wait-fails', 'send').params as JsonObject[]).slice(1);
  const r = await client.transact('Open_vSwitch', ops);
  t.same(transactOutcome(r), {
    ok: false,
    error: 'timed out',
    details: '"where" clause test failed',
    opIndex: 0,
  });
  t.same(transactOutcome(reply('transact-plan').result as JsonValue[]), { ok: true });
  t.same(sockets[0]!.sent[2]!.params, recorded('transact-wait-fails', 'send').params);
});

t.test('the server echo is answered with its own params', async (t) => {
  const { client, sockets } = setup();
  t.teardown(() => client.stop());
  client.start();
  await client.waitReady(2000);
  sockets[0]!.serverSays({ id: 'echo', method: 'echo', params: [] });
  await until('echo answered', () => sockets[0]!.sent.some((m) => m.id === 'echo'));
  t.same(
    sockets[0]!.sent.find((m) => m.id === 'echo'),
    { id: 'echo', result: [], error: null },
  );
});

t.test('a request nobody answers times out; the connection stays', async (t) => {
  const { client } = setup((m) => (m.method === 'transact' ? undefined : recordedAnswer(m)));
  t.teardown(() => client.stop());
  client.start();
  await client.waitReady(2000);
  await t.rejects(client.transact('Open_vSwitch', [], { timeoutMs: 50 }), {
    code: ErrorCodes.TIMEOUT,
  });
  t.equal(client.state, 'ready');
});

t.test('keepalive: an unanswered echo drops the connection and reconnects', async (t) => {
  let connections = 0;
  const { client, sockets } = setup(
    (m) => (m.method === 'echo' && connections === 1 ? undefined : recordedAnswer(m)),
    { echoIntervalMs: 30, requestTimeoutMs: 60 },
  );
  t.teardown(() => client.stop());
  client.start();
  await client.waitReady(2000);
  connections = 1;
  await until('second connection', () => sockets.length >= 2);
  connections = 2;
  t.equal(await client.waitReady(2000), true);
  t.equal(sockets[0]!.destroyed, true);
  t.ok(
    sockets[0]!.sent.some((m) => m.method === 'echo'),
    'an echo was sent when idle',
  );
});

t.test('connection lost: pending requests fail, backoff, full resync', async (t) => {
  const { client, replica, sockets } = setup((m) =>
    m.method === 'transact' ? undefined : recordedAnswer(m),
  );
  t.teardown(() => client.stop());
  client.start();
  await client.waitReady(2000);
  const pending = client.transact('Open_vSwitch', [], { timeoutMs: 5000 });
  sockets[0]!.destroy();
  await t.rejects(pending, { code: ErrorCodes.OVSDB_UNAVAILABLE });
  t.equal(replica.synced, true, 'replica is only invalidated by the driver hook');
  await until('reconnected', () => sockets.length === 2);
  t.equal(await client.waitReady(2000), true);
  t.same(
    sockets[1]!.sent.map((m) => m.method),
    ['get_schema', 'monitor_cond'],
    'a fresh get_schema + monitor_cond after reconnect',
  );
});

t.test('backoff grows while the server stays away and resets after success', async (t) => {
  const dials: number[] = [];
  let up = false;
  const client = new OvsdbClient({
    socketPath: '/fake/db.sock',
    dial: () => {
      dials.push(Date.now());
      if (!up) {
        const s = new EventEmitter() as EventEmitter & OvsdbSocket;
        s.write = () => true;
        s.destroy = () => undefined;
        setImmediate(() => s.emit('error', Object.assign(new Error('ENOENT'), { code: 'ENOENT' })));
        return s;
      }
      return new FakeSocket();
    },
    log: silentLog(),
    backoff: { initialMs: 20, maxMs: 160, factor: 2 },
    random: () => 0,
    echoIntervalMs: 0,
  });
  t.teardown(() => client.stop());
  client.start();
  await until('5 dials', () => dials.length >= 5);
  const gaps = dials.slice(1).map((d, i) => d - dials[i]!);
  t.ok(gaps[3]! > gaps[0]!, `gaps grow: ${gaps.join(', ')}`);
  t.equal(client.lastError?.details?.errno, 'ENOENT');
  t.equal(client.everConnected, false);
  up = true;
  t.equal(await client.waitReady(3000), true);
  t.equal(client.everConnected, true);
});

t.test('requests while disconnected fail fast with OVSDB_UNAVAILABLE', async (t) => {
  const { client } = setup();
  await t.rejects(client.request('echo', []), { code: ErrorCodes.OVSDB_UNAVAILABLE });
  client.stop();
  t.equal(await client.waitReady(10), false);
});

const malformedReplies: Array<[string, (m: JsonObject) => string]> = [
  ['garbage bytes', () => 'this is not JSON-RPC\n'],
  ['broken JSON', (m) => `{"id": ${String(m.id)}, "result": [}`],
  ['a reply to an unknown id', () => JSON.stringify({ id: 9999, result: {}, error: null })],
  ['a reply with neither result nor error', (m) => JSON.stringify({ id: m.id! })],
  ['a top-level array', () => '[1,2,3]'],
];

for (const [what, bad] of malformedReplies) {
  t.test(
    `malformed reply from a fake unix-socket server (${what}): close, reconnect, resync`,
    async (t) => {
      const dir = await mkdtemp(join(tmpdir(), 'plt-ovs-unit-'));
      const path = join(dir, 'db.sock');
      let connections = 0;
      const server = createServer((sock: Socket) => {
        const n = ++connections;
        sock.setEncoding('utf8');
        const stream = new JsonObjectStream();
        sock.on('data', (chunk: string) => {
          for (const m of stream.push(chunk)) {
            if (n === 1 && m.method === 'get_schema') sock.write(bad(m));
            else {
              const a = recordedAnswer(m);
              if (a) sock.write(JSON.stringify(a));
            }
          }
        });
        sock.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(path, r));
      const errors: PlinthError[] = [];
      const replica = new OvsdbReplica({ db: 'Open_vSwitch', columns: MONITORED_COLUMNS });
      const client = new OvsdbClient({
        socketPath: path,
        dial: dialUnix,
        log: silentLog(),
        backoff: { initialMs: 10, maxMs: 20, factor: 2 },
        echoIntervalMs: 0,
        onConnect: (c) => replica.resync(c),
        onNotification: (m, p) => replica.onNotification(m, p),
        onStateChange: (_s, e) => {
          if (e) errors.push(e);
        },
      });
      t.teardown(async () => {
        client.stop();
        await new Promise((r) => server.close(r));
        await rm(dir, { recursive: true, force: true });
      });
      client.start();
      t.equal(await client.waitReady(3000), true, 'ready on the second connection');
      t.equal(connections, 2, 'the first connection was closed and a new one made');
      t.equal(errors[0]?.code, ErrorCodes.PARSE, 'the first failure was a parse error');
      t.equal(parseState(replica.tables).bridgeByName.has('plt-ovs-f0'), true, 'full resync');
    },
  );
}

t.test('a server without monitor_cond: falls back to monitor and RFC 7047 updates', async (t) => {
  const { client, replica, sockets } = setup((m) =>
    m.method === 'monitor_cond'
      ? { id: m.id!, result: null, error: { error: 'unknown method' } }
      : recordedAnswer(m),
  );
  t.teardown(() => client.stop());
  client.start();
  t.equal(await client.waitReady(2000), true);
  t.same(
    sockets[0]!.sent.map((m) => m.method),
    ['get_schema', 'monitor_cond', 'monitor'],
  );
  t.equal(parseState(replica.tables).portByName.get('plt-ovs-acc')?.tag, 10);
  const legacy = notification('vsctl-edit', 'update');
  const params = legacy.params as JsonValue[];
  sockets[0]!.serverSays({ ...legacy, params: ['plinth-ovs-1', params[1]!] });
  await until(
    'update applied',
    () => parseState(replica.tables).portByName.get('plt-ovs-acc')?.tag === 20,
  );
  t.pass('RFC 7047 update applied');
  // An update2 for the same monitor id is not for this monitor kind: ignored.
  sockets[0]!.serverSays({
    id: null,
    method: 'update2',
    params: ['plinth-ovs-1', { Port: {} }],
  });
});
