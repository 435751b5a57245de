/**
 * Bug in agent/reconcile/reconciler.ts, found by the spine unit tests. Not run by
 * the test runner: `npx tap test/unit/spine/reconciler.bug.ts` fails until fixed.
 *
 * setDesired() starts `void this.reconcile(name)` for each driver, and reconcile()
 * calls the onApplied / markDirty callbacks without catching. The agent's onApplied
 * writes to SQLite (store.saveApplied) and the stream; if that throws (SQLITE_FULL,
 * SQLITE_IOERR, a closed stream) the promise nobody awaits rejects: an unhandled
 * rejection, which terminates a Node 20 process. DriverRunner guards its onPass
 * callback with try/catch + log; the Reconciler should do the same.
 */
import t from 'tap';
import type { Driver } from '../../../agent/drivers/driver.js';
import { Reconciler } from '../../../agent/reconcile/reconciler.js';
import { silentLog } from '../../../lib/log.js';
import { sleep } from './helpers.js';

t.test('a throwing onApplied does not become an unhandled rejection', async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => {
    unhandled.push(e);
  };
  // Replace tap's own handler for the duration, so the failure is reported as an assertion.
  const saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', onUnhandled);
  t.teardown(() => {
    process.removeListener('unhandledRejection', onUnhandled);
    for (const l of saved) process.on('unhandledRejection', l);
  });
  const driver: Driver = {
    name: 'a',
    desiredKey: 'as',
    health: () => Promise.resolve({ status: 'healthy' }),
    observe: () => Promise.resolve({ objects: [] }),
    parseDesired: (raw) => ({ desired: raw, errors: [] }),
    apply: () => Promise.resolve([{ kind: 'k', id: 'x', ok: true, action: 'create' }]),
  };
  const r = new Reconciler({
    drivers: [driver],
    log: silentLog(),
    applyTimeoutMs: 1000,
    lastObservation: () => ({ objects: [] }),
    onApplied: () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    },
    markDirty: () => undefined,
  });
  r.setDesired({ generation: 1, spec: { as: {} } });
  await sleep(100);
  t.same(
    unhandled.map((e) => (e as Error).message),
    [],
    'no unhandled rejection',
  );
});

t.test('a desired document without a driver section never applies that driver', async (t) => {
  const applied: unknown[] = [];
  const { Reconciler } = await import('../../../agent/reconcile/reconciler.js');
  const { silentLog } = await import('../../../lib/log.js');
  const driver = {
    name: 'vm',
    desiredKey: 'domains',
    health: async () => ({ status: 'healthy' as const }),
    observe: async () => ({ objects: [] }),
    parseDesired: (raw: unknown) => ({ desired: raw ?? [], errors: [] }),
    apply: async (d: unknown) => {
      applied.push(d);
      return [];
    },
  };
  const acks: number[] = [];
  const r = new Reconciler({
    drivers: [driver],
    log: silentLog(),
    applyTimeoutMs: 1000,
    lastObservation: () => ({ objects: [] }),
    onApplied: (g) => acks.push(g),
    markDirty: () => undefined,
  });
  r.setDesired({ generation: 1, spec: { other: {} } });
  await r.reconcile('vm');
  t.same(applied, [], 'apply was never called without a "domains" section');
  t.same(acks, [1], 'the generation is still acknowledged');
});
