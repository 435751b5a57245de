/**
 * Bug in agent/reconcile/driver-runner.ts, found by the spine unit tests. Not run
 * by the test runner: `npx tap test/unit/spine/driver-runner.bug.ts` fails until fixed.
 *
 * markDirty() while no pass is running calls schedule(dirtyDelayMs), and schedule()
 * clears the pending timer, INCLUDING the periodic one. So markDirty debounces
 * instead of coalescing: events arriving more often than dirtyDelayMs (a flapping
 * link, a lifecycle-event storm) push the next pass back forever, and the driver is
 * never observed again while the storm lasts, not even by the periodic safety-net
 * pass. Expected: at most one pass per dirtyDelayMs during a burst (throttle), and
 * the periodic pass never postponed by events.
 */
import t from 'tap';
import { Gauge, Histogram, Registry } from 'prom-client';
import type { Driver } from '../../../agent/drivers/driver.js';
import { DriverRunner } from '../../../agent/reconcile/driver-runner.js';
import { systemClock } from '../../../agent/host/clock.js';
import { silentLog } from '../../../lib/log.js';
import { sleep, waitFor } from './helpers.js';

t.test('a steady stream of markDirty calls does not starve the driver of passes', async (t) => {
  const registry = new Registry();
  let passes = 0;
  const driver: Driver = {
    name: 'host',
    health: () => Promise.resolve({ status: 'healthy' }),
    observe: () => Promise.resolve({ objects: [] }),
  };
  const runner = new DriverRunner({
    driver,
    intervalMs: 100,
    timeoutMs: 1000,
    dirtyDelayMs: 30,
    clock: systemClock,
    log: silentLog(),
    upGauge: new Gauge({ name: 'up', help: 'x', labelNames: ['driver'], registers: [registry] }),
    observeHistogram: new Histogram({
      name: 'obs',
      help: 'x',
      labelNames: ['driver'],
      registers: [registry],
    }),
    onPass: () => {
      passes++;
    },
  });
  t.teardown(() => runner.stop());
  runner.start();
  t.ok(await waitFor(() => passes === 1));
  const before = passes;
  // An event every 10 ms for 600 ms: 6 periodic intervals, 20 dirty delays.
  for (let i = 0; i < 60; i++) {
    runner.markDirty();
    await sleep(10);
  }
  t.ok(
    passes - before >= 3,
    `passes during a 600 ms event storm: ${passes - before} (expected several)`,
  );
});
