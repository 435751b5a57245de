import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import t from 'tap';
import type { Driver, DriverContext } from '../../../agent/drivers/driver.js';
import {
  deferredDriver,
  driverFactories,
  lazyEntry,
  type DriverShape,
} from '../../../agent/drivers/index.js';
import { systemClock } from '../../../agent/host/clock.js';
import { validateConfig } from '../../../lib/config-schema.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';

function context(dir: string): DriverContext {
  return {
    log: silentLog(),
    exec: async () => {
      throw new PlinthError(ErrorCodes.UNAVAILABLE, 'no programs in this test');
    },
    clock: systemClock,
    metrics: new Registry(),
    markDirty: () => undefined,
    emit: () => undefined,
    paths: { stateDir: dir, runDir: dir },
  };
}

const shapeOf = (d: Driver): DriverShape => ({
  ...(d.desiredKey ? { desiredKey: d.desiredKey } : {}),
  ...(d.command ? { commands: true } : {}),
});

t.test('every registered shape is what the real driver has', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plr-registry-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.same(
    driverFactories.map((f) => f.name),
    ['host', 'libvirt', 'ovs', 'frr', 'bmc', 'ceph', 'containers'],
  );
  for (const entry of driverFactories) {
    const real = await entry.load();
    t.equal(real.name, entry.name);
    t.equal(real.configSchema, entry.configSchema, `${entry.name}: the same config schema`);
    const config = validateConfig<never>(entry.configSchema, {}, `drivers.${entry.name}`);
    const d = real.create(context(dir), config);
    t.same(shapeOf(d), entry.shape, `${entry.name}: desiredKey and commands`);
    t.equal(!!d.parseDesired && !!d.apply, !!d.desiredKey, `${entry.name}: applies iff desiredKey`);
    t.ok(d.inventory, `${entry.name}: has inventory() (a deferred driver always offers it)`);
    t.same(
      shapeOf(entry.create(context(dir), config)),
      entry.shape,
      `${entry.name}: via the entry`,
    );
  }
});

function fakeDriver(calls: string[]): Driver {
  return {
    name: 'fake',
    desiredKey: 'things',
    async start() {
      calls.push('start');
    },
    async stop() {
      calls.push('stop');
    },
    async inventory() {
      return { version: '1' };
    },
    async health() {
      calls.push('health');
      return { status: 'healthy' };
    },
    async observe() {
      return { objects: [{ kind: 'fake.thing', id: 'a', data: {} }] };
    },
    parseDesired: (raw) => ({ desired: raw, errors: [] }),
    async apply(desired) {
      return [{ kind: 'fake.thing', id: String(desired), ok: true, action: 'noop' }];
    },
    async command(kind) {
      return { kind };
    },
  };
}

t.test('a lazy entry imports its module only when the driver starts', async (t) => {
  const calls: string[] = [];
  let imports = 0;
  const entry = lazyEntry('fake', {}, { desiredKey: 'things', commands: true }, async () => {
    imports++;
    return { name: 'fake', configSchema: {}, create: () => fakeDriver(calls) };
  });
  const ctx = context('/nonexistent');
  const d = entry.create(ctx, undefined as never);
  t.equal(imports, 0, 'create() imports nothing');
  t.equal(d.name, 'fake');
  t.equal(d.desiredKey, 'things');
  t.ok(d.apply && d.parseDesired && d.command, 'shape known before loading');
  t.throws(() => d.parseDesired!('x'), { code: ErrorCodes.UNAVAILABLE, message: /still loading/ });
  await d.stop?.();
  t.same(calls, [], 'stop before start: nothing to stop, nothing loaded');
  await d.start?.();
  t.equal(imports, 1);
  t.same(await d.health(AbortSignal.timeout(1000)), { status: 'healthy' });
  t.same((await d.observe(AbortSignal.timeout(1000))).objects.length, 1);
  t.same(await d.inventory!(AbortSignal.timeout(1000)), { version: '1' });
  t.same(d.parseDesired!('x'), { desired: 'x', errors: [] });
  t.match(await d.apply!('x', { objects: [] }, AbortSignal.timeout(1000)), [{ id: 'x', ok: true }]);
  t.same(await d.command!('fake.do', {}, AbortSignal.timeout(1000)), { kind: 'fake.do' });
  await d.stop?.();
  t.same(calls, ['start', 'health', 'stop']);
  t.equal(imports, 1, 'imported once');
  await entry.load();
  t.equal(imports, 1, 'load() reuses the import');
  const direct = entry.create(ctx, undefined as never);
  t.same(
    direct.parseDesired!('y'),
    { desired: 'y', errors: [] },
    'after load(), create() returns the real driver: nothing left to load',
  );
});

t.test('a deferred driver without a desired key or commands offers neither', async (t) => {
  const d = deferredDriver('plain', {}, async () => fakeDriver([]));
  t.equal(d.desiredKey, undefined);
  t.equal(d.parseDesired, undefined);
  t.equal(d.apply, undefined);
  t.equal(d.command, undefined);
});

t.test('a module that fails to load makes the driver fail, not the agent', async (t) => {
  const d = deferredDriver('broken', {}, async () => {
    throw new PlinthError(ErrorCodes.CONFIG, 'config key drivers.broken.x: bad');
  });
  await t.rejects(d.start!(), { code: ErrorCodes.CONFIG });
  await t.rejects(d.health(AbortSignal.timeout(1000)), { code: ErrorCodes.CONFIG });
  await d.stop?.();
});
