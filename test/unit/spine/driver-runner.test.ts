import t, { type Test } from 'tap';
import { Gauge, Histogram, Registry } from 'prom-client';
import type { Driver, Health, Observation } from '../../../agent/drivers/driver.js';
import {
  DriverRunner,
  type DriverRunnerOptions,
  type PassResult,
} from '../../../agent/reconcile/driver-runner.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';
import { bufferLog, deferred, sleep, waitFor, type Deferred } from './helpers.js';

interface Counters {
  health: number;
  observe: number;
  concurrent: number;
  maxConcurrent: number;
}

function fakeDriver(
  name: string,
  impl: {
    health?: (s: AbortSignal) => Promise<Health>;
    observe?: (s: AbortSignal) => Promise<Observation>;
  } = {},
): Driver & { calls: Counters } {
  const calls: Counters = { health: 0, observe: 0, concurrent: 0, maxConcurrent: 0 };
  return {
    name,
    calls,
    health: (s) => {
      calls.health++;
      return impl.health ? impl.health(s) : Promise.resolve({ status: 'healthy' });
    },
    observe: async (s) => {
      calls.observe++;
      calls.concurrent++;
      calls.maxConcurrent = Math.max(calls.maxConcurrent, calls.concurrent);
      try {
        return await (impl.observe
          ? impl.observe(s)
          : Promise.resolve({ objects: [{ kind: 'k', id: 'a', data: { n: calls.observe } }] }));
      } finally {
        calls.concurrent--;
      }
    },
  };
}

function setup(t: Test, driver: Driver, opts: Partial<DriverRunnerOptions> = {}) {
  const registry = new Registry();
  const upGauge = new Gauge({
    name: 'plinth_driver_up',
    help: 'up',
    labelNames: ['driver'],
    registers: [registry],
  });
  const observeHistogram = new Histogram({
    name: 'plinth_driver_observe_seconds',
    help: 'observe',
    labelNames: ['driver'],
    registers: [registry],
  });
  const passes: PassResult[] = [];
  let mono = 0;
  const runner = new DriverRunner({
    driver,
    intervalMs: 10_000,
    timeoutMs: 1000,
    dirtyDelayMs: 20,
    clock: { now: () => 0, monotonic: () => (mono += 10) },
    log: silentLog(),
    upGauge,
    observeHistogram,
    onPass: (r) => {
      passes.push(r);
    },
    ...opts,
  });
  t.teardown(() => runner.stop());
  const up = async (): Promise<number | undefined> =>
    (await upGauge.get()).values.find((v) => v.labels.driver === driver.name)?.value;
  const observedCount = async (): Promise<number | undefined> =>
    (await observeHistogram.get()).values.find(
      (v) =>
        v.metricName === 'plinth_driver_observe_seconds_count' && v.labels.driver === driver.name,
    )?.value;
  return { runner, passes, registry, up, observedCount };
}

t.test('a healthy pass hands the observation to onPass and sets the gauge', async (t) => {
  const d = fakeDriver('host');
  const { runner, passes, up, observedCount } = setup(t, d);
  t.equal(runner.name, 'host');
  t.same(runner.health(), { status: 'undetected' }, 'before the first pass');
  runner.start();
  t.ok(await waitFor(() => passes.length === 1), 'first pass runs at once on start');
  t.same(passes[0], {
    health: { status: 'healthy' },
    observation: { objects: [{ kind: 'k', id: 'a', data: { n: 1 } }] },
    durationMs: 10,
  });
  t.same(runner.health(), { status: 'healthy' });
  t.equal(await up(), 1);
  t.equal(await observedCount(), 1, 'observe duration recorded');
});

t.test('an unhealthy or undetected driver is not observed', async (t) => {
  for (const health of [
    {
      status: 'unhealthy',
      code: ErrorCodes.OVSDB_UNAVAILABLE,
      message: 'ovsdb-server socket missing',
    },
    { status: 'undetected' },
  ] as Health[]) {
    const d = fakeDriver('ovs', { health: () => Promise.resolve(health) });
    const { runner, passes, up, observedCount } = setup(t, d);
    await runner.pass();
    t.equal(d.calls.observe, 0, health.status);
    t.same(passes, [{ health, durationMs: 10 }], health.status);
    t.same(runner.health(), health);
    t.equal(await up(), 0);
    t.equal((await observedCount()) ?? 0, 0, 'no observe duration recorded');
  }
});

t.test('observe or health throwing is an unhealthy pass with the error code', async (t) => {
  const cases: { name: string; driver: Driver; want: Health }[] = [
    {
      name: 'observe rejects with a PlinthError',
      driver: fakeDriver('a', {
        observe: () => Promise.reject(new PlinthError(ErrorCodes.FRR_UNAVAILABLE, 'vtysh failed')),
      }),
      want: { status: 'unhealthy', code: 'PLINTH_E_FRR_UNAVAILABLE', message: 'vtysh failed' },
    },
    {
      name: 'health rejects with a plain error',
      driver: fakeDriver('a', { health: () => Promise.reject(new Error('boom')) }),
      want: { status: 'unhealthy', code: 'PLINTH_E_INTERNAL', message: 'boom' },
    },
  ];
  for (const c of cases) {
    const { runner, passes, up } = setup(t, c.driver);
    await runner.pass();
    t.same(passes[0]?.health, c.want, c.name);
    t.equal(passes[0]?.observation, undefined, c.name);
    t.equal(await up(), 0, c.name);
  }
});

t.test(
  'a hung observe is abandoned at its deadline; after 3 hung calls passes are skipped',
  async (t) => {
    const hung: Deferred<Observation>[] = [];
    const signals: AbortSignal[] = [];
    const d = fakeDriver('libvirt', {
      observe: (s) => {
        signals.push(s);
        const p = deferred<Observation>();
        hung.push(p);
        return p.promise;
      },
    });
    const { runner, passes, up } = setup(t, d, { timeoutMs: 40 });
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await runner.pass();
      const took = Date.now() - started;
      t.ok(took >= 30 && took < 2000, `pass ${i + 1} returned after the deadline (${took} ms)`);
      t.same(passes[i]?.health, {
        status: 'unhealthy',
        code: 'PLINTH_E_TIMEOUT',
        message: 'libvirt observe did not finish within 40 ms',
      });
    }
    t.equal(await up(), 0);
    t.ok(
      signals.every((s) => s.aborted),
      'each abandoned call was told to stop',
    );
    t.equal(d.calls.observe, 3);

    await runner.pass();
    t.equal(d.calls.observe, 3, 'fourth pass does not call the driver');
    t.equal(d.calls.health, 3, 'nor its health check');
    t.same(passes[3], {
      health: {
        status: 'unhealthy',
        code: 'PLINTH_E_TIMEOUT',
        message: '3 calls are still hung; waiting for them before trying again',
      },
      durationMs: 0,
    });

    // One hung call settles: the runner tries again.
    hung[0]!.resolve({ objects: [] });
    await sleep(5);
    hung[1]!.reject(new Error('late failure'));
    await sleep(5);
    await runner.pass();
    t.equal(d.calls.observe, 4, 'tries again once fewer than 3 are hung');
  },
);

t.test('a hung health check counts as hung too', async (t) => {
  const d = fakeDriver('bmc', { health: () => new Promise<Health>(() => undefined) });
  const { runner, passes } = setup(t, d, { timeoutMs: 20 });
  for (let i = 0; i < 4; i++) await runner.pass();
  t.equal(d.calls.health, 3);
  t.same(passes[0]?.health, {
    status: 'unhealthy',
    code: 'PLINTH_E_TIMEOUT',
    message: 'bmc health check did not finish within 20 ms',
  });
  t.match(passes[3]?.health.message, /^3 calls are still hung/);
});

t.test('the periodic loop keeps passing at the interval and stop() ends it', async (t) => {
  const d = fakeDriver('host');
  const { runner, passes } = setup(t, d, { intervalMs: 20 });
  runner.start();
  t.ok(await waitFor(() => passes.length >= 3, 3000), 'several periodic passes');
  runner.stop();
  await sleep(30);
  const n = passes.length;
  await sleep(120);
  t.equal(passes.length, n, 'no pass after stop');
  runner.markDirty();
  await sleep(60);
  t.equal(passes.length, n, 'markDirty after stop does nothing');
});

t.test('markDirty coalesces a burst into one pass', async (t) => {
  const d = fakeDriver('host');
  const { runner, passes } = setup(t, d, { intervalMs: 60_000, dirtyDelayMs: 30 });
  runner.start();
  t.ok(await waitFor(() => passes.length === 1));
  for (let i = 0; i < 10; i++) runner.markDirty();
  t.ok(await waitFor(() => passes.length === 2));
  await sleep(100);
  t.equal(passes.length, 2, 'ten marks, one pass');
});

t.test(
  'markDirty during a running pass gives exactly one more pass, never overlapping',
  async (t) => {
    const gate = deferred<void>();
    let first = true;
    const d = fakeDriver('ovs', {
      observe: async () => {
        if (first) {
          first = false;
          await gate.promise;
        }
        return { objects: [] };
      },
    });
    const { runner, passes } = setup(t, d, { intervalMs: 60_000, dirtyDelayMs: 10 });
    runner.start();
    t.ok(await waitFor(() => d.calls.observe === 1));
    runner.markDirty();
    runner.markDirty();
    void runner.pass();
    gate.resolve();
    t.ok(await waitFor(() => passes.length === 2));
    await sleep(80);
    t.equal(passes.length, 2);
    t.equal(d.calls.maxConcurrent, 1, 'passes never overlap');
  },
);

t.test('markDirty before start does nothing', async (t) => {
  const d = fakeDriver('host');
  const { runner, passes } = setup(t, d);
  runner.markDirty();
  await sleep(60);
  t.equal(passes.length, 0);
});

t.test('onPass throwing is logged and the loop goes on', async (t) => {
  const d = fakeDriver('host');
  const { log, lines } = bufferLog();
  let calls = 0;
  const { runner } = setup(t, d, {
    log,
    intervalMs: 20,
    onPass: () => {
      calls++;
      throw new Error('disk full');
    },
  });
  runner.start();
  t.ok(await waitFor(() => calls >= 2, 3000), 'next pass still scheduled');
  runner.stop();
  t.match(lines()[0], {
    level: 50,
    driver: 'host',
    err: 'disk full',
    msg: 'recording a driver pass failed',
  });
});
