import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import t from 'tap';
import type { DriverContext } from '../../../agent/drivers/driver.js';
import {
  createOvsDriver,
  ovsConfigSchema,
  ovsDriverFactory,
} from '../../../agent/drivers/ovs/index.js';
import type { OvsdbSocket } from '../../../agent/drivers/ovs/ovsdb/dial.js';
import type { OvsConfig } from '../../../agent/drivers/ovs/types.js';
import { systemClock } from '../../../agent/host/clock.js';
import { validateConfig } from '../../../lib/config-schema.js';
import { ErrorCodes } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import { silentLog } from '../../../lib/log.js';
import { notification, reply } from './exchanges.js';
import { FakeSocket, recordedAnswer } from './fake-socket.js';

const config: OvsConfig = {
  socket: '/fake/db.sock',
  datapathType: 'netdev',
  owner: 'plinth',
  requestTimeoutMs: 500,
  echoIntervalMs: 0,
};

function context() {
  const dirty: string[] = [];
  const registry = new Registry();
  const ctx: DriverContext = {
    log: silentLog(),
    exec: () => Promise.reject(new Error('the ovs driver runs no programs')),
    clock: systemClock,
    metrics: registry,
    markDirty: (r) => dirty.push(r),
    emit: () => undefined,
    paths: { stateDir: '/nonexistent', runDir: '/nonexistent' },
  };
  return { ctx, dirty, registry };
}

/** The recorded switch as desired (owner plinth). */
const AS_RECORDED: JsonObject = {
  bridges: [
    {
      name: 'plt-ovs-f0',
      ports: [
        { name: 'plt-ovs-acc', type: 'internal', tag: 10 },
        { name: 'plt-ovs-trk', type: 'internal', trunks: [10, 20] },
        { name: 'plt-ovs-vx', type: 'vxlan', remoteIp: '198.18.4.9', key: 5001 },
      ],
    },
  ],
};
const sig = () => AbortSignal.timeout(5000);

t.test('factory and config defaults', async (t) => {
  t.equal(ovsDriverFactory.name, 'ovs');
  t.same(validateConfig(ovsConfigSchema, {}), {
    socket: '/var/run/openvswitch/db.sock',
    datapathType: 'system',
    owner: 'plinth',
    requestTimeoutMs: 5000,
    echoIntervalMs: 5000,
  });
  t.throws(() => validateConfig(ovsConfigSchema, { owner: 'has space' }), {
    code: ErrorCodes.CONFIG,
  });
});

t.test('no socket at all: undetected, and observe refuses', async (t) => {
  const { ctx } = context();
  const d = createOvsDriver(ctx, config, {
    dial: () => {
      const s = new EventEmitter() as EventEmitter & OvsdbSocket;
      s.write = () => true;
      s.destroy = () => undefined;
      setImmediate(() =>
        s.emit('error', Object.assign(new Error('no such file'), { code: 'ENOENT' })),
      );
      return s;
    },
  });
  t.teardown(() => d.stop!());
  await d.start!();
  t.match(await d.health(sig()), { status: 'undetected' });
  await t.rejects(d.observe(sig()), { code: ErrorCodes.OVSDB_UNAVAILABLE });
  await t.rejects(d.inventory!(sig()), { code: ErrorCodes.OVSDB_UNAVAILABLE });
});

t.test('recorded server: observe, inventory, metrics, dirty marks', async (t) => {
  const { ctx, dirty, registry } = context();
  const sockets: FakeSocket[] = [];
  const d = createOvsDriver(ctx, config, {
    dial: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  t.teardown(() => d.stop!());
  await d.start!();
  t.same(await d.health(sig()), { status: 'healthy' });
  t.match(await d.inventory!(sig()), { ovsVersion: '3.1.0', schemaVersion: '8.3.1' });
  const objs = (await d.observe(sig())).objects;
  t.equal(objs.filter((o) => o.kind === 'ovs.port').length, 5);
  const rx = (await registry.getMetricsAsJSON()).find(
    (m) => m.name === 'plinth_ovs_interface_rx_packets',
  );
  t.equal(rx?.values.length, 5, 'one series per interface');
  t.match(rx?.values[0]?.labels, { bridge: 'plt-ovs-f0' });

  const before = dirty.length;
  sockets[0]!.serverSays(notification('vsctl-edit', 'update2'));
  await new Promise((r) => setTimeout(r, 20));
  t.same(dirty.slice(before), ['ovsdb monitor update']);

  const acc = (await d.observe(sig())).objects.find(
    (o) => o.id === 'plt-ovs-acc' && o.kind === 'ovs.interface',
  )!;
  const statsOnly = {
    id: null,
    method: 'update2',
    params: [
      'plinth-ovs-1',
      {
        Interface: {
          [acc.data.uuid as string]: { modify: { statistics: ['map', [['rx_packets', 42]]] } },
        },
      },
    ],
  };
  sockets[0]!.serverSays(statsOnly);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(dirty.length, before + 1, 'counter-only updates do not mark dirty');
  const rx2 = (await registry.getMetricsAsJSON()).find(
    (m) => m.name === 'plinth_ovs_interface_rx_packets',
  );
  t.equal(rx2?.values.find((v) => v.labels.interface === 'plt-ovs-acc')?.value, 42);
});

t.test('apply: nothing differs -> no request; a change -> one transaction', async (t) => {
  const { ctx } = context();
  const sockets: FakeSocket[] = [];
  const d = createOvsDriver(ctx, config, {
    dial: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  t.teardown(() => d.stop!());
  await d.start!();
  const same = d.parseDesired(AS_RECORDED);
  const r1 = await d.apply(same.desired, await d.observe(sig()), sig());
  t.ok(r1.every((r) => r.ok && r.action === 'noop'));
  t.equal(d.requestCounts().get('transact') ?? 0, 0);

  const changed = structuredClone(AS_RECORDED);
  ((changed.bridges as JsonObject[])[0]!.ports as JsonObject[])[0]!.tag = 11;
  const r2 = await d.apply(d.parseDesired(changed).desired, await d.observe(sig()), sig());
  t.match(
    r2.find((r) => r.id === 'plt-ovs-acc'),
    { ok: true, action: 'update' },
  );
  t.equal(d.requestCounts().get('transact'), 1);
  const tx = sockets[0]!.sent.find((m) => m.method === 'transact')!;
  t.same(
    (tx.params as JsonObject[]).slice(1).map((o) => o.op),
    ['comment', 'wait', 'update'],
  );
});

t.test('apply: a failed precondition is a CONFLICT and marks dirty to retry', async (t) => {
  const { ctx, dirty } = context();
  const d = createOvsDriver(ctx, config, {
    dial: () =>
      new FakeSocket((m) =>
        m.method === 'transact'
          ? {
              // ovsdb-server stops at the failed wait (op 1, after the comment); the
              // error object is the recorded one.
              id: m.id!,
              result: [{}, (reply('transact-wait-fails').result as JsonObject[])[0]!, null],
              error: null,
            }
          : recordedAnswer(m),
      ),
  });
  t.teardown(() => d.stop!());
  await d.start!();
  const changed = structuredClone(AS_RECORDED);
  ((changed.bridges as JsonObject[])[0]!.ports as JsonObject[])[0]!.tag = 11;
  const r = await d.apply(d.parseDesired(changed).desired, await d.observe(sig()), sig());
  t.match(
    r.find((x) => x.id === 'plt-ovs-acc'),
    { ok: false, code: ErrorCodes.CONFLICT },
  );
  t.match(
    r.find((x) => x.id === 'plt-ovs-trk'),
    { ok: true, action: 'noop' },
  );
  t.ok(dirty.includes('ovsdb transaction failed'));
});

t.test('apply while disconnected: OVSDB_UNAVAILABLE, nothing sent', async (t) => {
  const sockets: FakeSocket[] = [];
  const { ctx } = context();
  const d = createOvsDriver(ctx, config, {
    dial: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  await d.start!();
  const parsed = d.parseDesired(AS_RECORDED);
  const obs = await d.observe(sig());
  await d.stop!();
  await t.rejects(d.apply(parsed.desired, obs, sig()), { code: ErrorCodes.OVSDB_UNAVAILABLE });
  t.match(await d.health(sig()), { status: 'unhealthy', code: ErrorCodes.OVSDB_UNAVAILABLE });
});

t.test('an update that cannot be applied forces a reconnect and full resync', async (t) => {
  const { ctx, dirty } = context();
  const sockets: FakeSocket[] = [];
  const d = createOvsDriver(ctx, config, {
    dial: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  t.teardown(() => d.stop!());
  await d.start!();
  sockets[0]!.serverSays({
    id: null,
    method: 'update2',
    params: ['plinth-ovs-1', { Port: { 'no-such-row': { modify: { tag: 1 } } } }],
  });
  await new Promise((r) => setTimeout(r, 20));
  t.ok(dirty.includes('ovsdb monitor update unusable'));
  t.equal(sockets[0]!.destroyed, true, 'the connection was dropped');
  for (let i = 0; i < 100 && (await d.health(sig())).status !== 'healthy'; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(sockets.length, 2, 'reconnected');
  t.same(
    sockets[1]!.sent.map((m) => m.method),
    ['get_schema', 'monitor_cond', 'echo'],
    'resynced (and the health echo)',
  );
  t.equal((await d.observe(sig())).objects.length > 0, true);
});
