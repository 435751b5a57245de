import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import t from 'tap';
import type { Driver, DriverContext } from '../../../agent/drivers/driver.js';
import { driverFactories, lazyEntry } from '../../../agent/drivers/index.js';
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

t.test('every registered entry loads the real driver of its name and schema', async (t) => {
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
    t.equal(d.name, entry.name, `${entry.name}: create() builds it`);
    t.equal(!!d.parseDesired && !!d.apply, !!d.desiredKey, `${entry.name}: applies iff desiredKey`);
    t.equal(await entry.load(), real, `${entry.name}: load() imports once`);
  }
});

t.test('a lazy entry imports its module only when loaded, and once', async (t) => {
  let imports = 0;
  const factory = { name: 'fake', configSchema: {}, create: () => ({}) as Driver };
  const entry = lazyEntry('fake', {}, async () => {
    imports++;
    return factory;
  });
  t.equal(imports, 0, 'registering imports nothing');
  const [a, b] = await Promise.all([entry.load(), entry.load()]);
  t.equal(imports, 1, 'two loads at once import once');
  t.equal(a, factory);
  t.equal(b, factory);
});
