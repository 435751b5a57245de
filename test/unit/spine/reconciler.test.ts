import t from 'tap';
import type {
  ApplyResult,
  Driver,
  Observation,
  ParsedDesired,
} from '../../../agent/drivers/driver.js';
import { Reconciler, type ReconcilerOptions } from '../../../agent/reconcile/reconciler.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { JsonValue } from '../../../lib/json.js';
import { silentLog } from '../../../lib/log.js';
import type { ApplyOutcome } from '../../../lib/model.js';
import { deferred, sleep, waitFor } from './helpers.js';

interface FakeDriver extends Driver<JsonValue | undefined> {
  applyCalls: { desired: JsonValue | undefined; observed: Observation }[];
}

function fake(
  name: string,
  desiredKey: string | undefined,
  apply: (desired: JsonValue | undefined, signal: AbortSignal) => Promise<ApplyResult[]>,
  parse: (raw: JsonValue | undefined) => ParsedDesired<JsonValue | undefined> = (raw) => ({
    desired: raw,
    errors: [],
  }),
): FakeDriver {
  const d: FakeDriver = {
    name,
    ...(desiredKey ? { desiredKey } : {}),
    applyCalls: [],
    health: () => Promise.resolve({ status: 'healthy' }),
    observe: () => Promise.resolve({ objects: [] }),
    parseDesired: parse,
    apply: (desired, observed, signal) => {
      d.applyCalls.push({ desired, observed });
      return apply(desired, signal);
    },
  };
  return d;
}

const ok = (id: string, action = 'noop'): ApplyResult => ({ kind: 'thing', id, ok: true, action });

function setup(drivers: Driver[], opts: Partial<ReconcilerOptions> = {}) {
  const applied: { generation: number; results: ApplyOutcome[] }[] = [];
  const dirty: string[] = [];
  const observations = new Map<string, Observation>(
    drivers.map((d) => [d.name, { objects: [{ kind: 'k', id: d.name, data: {} }] }]),
  );
  const r = new Reconciler({
    drivers,
    log: silentLog(),
    applyTimeoutMs: 2000,
    lastObservation: (n) => observations.get(n),
    onApplied: (generation, results) => applied.push({ generation, results }),
    markDirty: (n) => dirty.push(n),
    ...opts,
  });
  return { r, applied, dirty, observations };
}

t.test('a generation not newer than the one held is ignored', async (t) => {
  const d = fake('a', 'as', () => Promise.resolve([ok('x')]));
  const { r, applied } = setup([d]);
  t.equal(r.setDesired({ generation: 2, spec: { as: 1 } }), true);
  t.ok(await waitFor(() => applied.length === 1));
  t.equal(r.setDesired({ generation: 2, spec: { as: 2 } }), false, 'same generation');
  t.equal(r.setDesired({ generation: 1, spec: { as: 3 } }), false, 'older generation');
  t.same(r.current(), { generation: 2, spec: { as: 1 } });
  await sleep(30);
  t.equal(d.applyCalls.length, 1, 'no apply for ignored documents');
  t.same(
    applied.map((a) => a.generation),
    [2],
  );
});

t.test('sections no driver claims are reported as errors', async (t) => {
  const d = fake('libvirt', 'vms', () => Promise.resolve([ok('vm1')]));
  const ovs = fake('ovs', 'networks', () => Promise.resolve([]));
  const { r, applied } = setup([d, ovs]);
  r.setDesired({ generation: 1, spec: { vms: {}, bogus: 1, other: [] } });
  t.ok(await waitFor(() => applied.length === 1));
  t.same(applied[0], {
    generation: 1,
    results: [
      {
        kind: 'desired',
        id: 'bogus',
        ok: false,
        code: 'PLINTH_E_INVALID_ARGUMENT',
        message: 'no driver on this host handles "bogus" (enabled drivers: libvirt, ovs)',
      },
      {
        kind: 'desired',
        id: 'other',
        ok: false,
        code: 'PLINTH_E_INVALID_ARGUMENT',
        message: 'no driver on this host handles "other" (enabled drivers: libvirt, ovs)',
      },
      ok('vm1'),
    ],
  });
});

t.test('with no drivers at all, every section is unclaimed and the ack is immediate', async (t) => {
  const { r, applied } = setup([]);
  r.setDesired({ generation: 1, spec: { vms: {} } });
  t.same(applied, [
    {
      generation: 1,
      results: [
        {
          kind: 'desired',
          id: 'vms',
          ok: false,
          code: 'PLINTH_E_INVALID_ARGUMENT',
          message: 'no driver on this host handles "vms" (enabled drivers: none)',
        },
      ],
    },
  ]);
  r.setDesired({ generation: 2, spec: {} });
  t.same(
    applied[1],
    { generation: 2, results: [] },
    'an empty document is acknowledged with no results',
  );
});

t.test('per-object parse errors and apply results are reported together', async (t) => {
  const parseError: ApplyResult = {
    kind: 'vm',
    id: 'bad',
    ok: false,
    code: ErrorCodes.INVALID_ARGUMENT,
    message: 'vms.bad.cpus: expected a number',
  };
  const d = fake(
    'libvirt',
    'vms',
    (desired) =>
      Promise.resolve([ok('good', 'create')]).then((r) =>
        JSON.stringify(desired) === '{"good":{}}' ? r : [],
      ),
    (raw) => ({ desired: { good: (raw as { good: JsonValue }).good }, errors: [parseError] }),
  );
  const { r, applied } = setup([d]);
  r.setDesired({ generation: 1, spec: { vms: { good: {}, bad: { cpus: 'x' } } } });
  t.ok(await waitFor(() => applied.length === 1));
  t.same(applied[0]?.results, [parseError, ok('good', 'create')]);
  t.same(d.applyCalls[0]?.desired, { good: {} }, 'apply gets only the valid part');
});

t.test('onApplied is called once per generation, after every needed driver answered', async (t) => {
  const slow = deferred<ApplyResult[]>();
  const a = fake('a', 'as', () => Promise.resolve([ok('a1')]));
  const b = fake('b', 'bs', () => slow.promise);
  const c = fake('c', 'cs', () => Promise.resolve([ok('c1')])); // no section: not waited for
  const { r, applied } = setup([a, b, c]);
  r.setDesired({ generation: 1, spec: { as: {}, bs: {} } });
  t.ok(
    await waitFor(() => a.applyCalls.length === 1 && b.applyCalls.length === 1),
    'the drivers with a section applied',
  );
  await sleep(30);
  t.same(applied, [], 'b has not answered yet');
  slow.resolve([ok('b1')]);
  t.ok(await waitFor(() => applied.length === 1));
  t.same(applied[0], { generation: 1, results: [ok('a1'), ok('b1')] });
  // Later passes for the same generation do not acknowledge again.
  await r.reconcile('a');
  await r.reconcile('b');
  await r.reconcile('c');
  t.equal(a.applyCalls.length, 2, 'level-triggered: the later pass did apply');
  t.equal(applied.length, 1, 'but onApplied stays at one call');
  t.equal(c.applyCalls.length, 0, 'a driver without a section is never applied');
});

t.test(
  'alreadyApplied: a generation acknowledged before a restart is not acknowledged again',
  async (t) => {
    const a = fake('a', 'as', () => Promise.resolve([ok('a1')]));
    const { r, applied } = setup([a]);
    r.setDesired({ generation: 3, spec: { as: {} } }, 3);
    t.ok(await waitFor(() => a.applyCalls.length === 1), 'still enforced');
    await sleep(20);
    t.same(applied, []);
    r.setDesired({ generation: 4, spec: { as: {} } }, 3);
    t.ok(await waitFor(() => applied.length === 1));
    t.equal(applied[0]?.generation, 4);
  },
);

t.test('a driver without an observation reports unavailable and is not applied', async (t) => {
  const a = fake('a', 'as', () => Promise.resolve([ok('a1')]));
  const b = fake('b', 'bs', () => Promise.resolve([ok('b1')]));
  const { r, applied, observations } = setup([a, b]);
  observations.delete('b');
  r.setDesired({ generation: 1, spec: { as: {}, bs: {} } });
  t.ok(await waitFor(() => applied.length === 1));
  t.equal(b.applyCalls.length, 0);
  t.same(applied[0]?.results, [
    ok('a1'),
    {
      kind: 'driver',
      id: 'b',
      ok: false,
      code: 'PLINTH_E_UNAVAILABLE',
      message: 'b has not been observed successfully yet',
    },
  ]);
});

t.test(
  'reportUnavailable answers for a driver with a section, once, and only while pending',
  async (t) => {
    const hang = deferred<ApplyResult[]>();
    const a = fake('a', 'as', () => hang.promise);
    const b = fake('b', 'bs', () => Promise.resolve([]));
    const { r, applied } = setup([a, b]);
    r.reportUnavailable('a', 'nothing desired yet'); // no desired state: ignored
    r.setDesired({ generation: 1, spec: { as: {} } });
    r.reportUnavailable('b', 'b has no section'); // b has no section: ignored
    r.reportUnavailable('nope', 'unknown driver');
    await sleep(20);
    t.same(applied, []);
    r.reportUnavailable('a', 'libvirtd is not running', 'PLINTH_E_LIBVIRT_UNAVAILABLE');
    t.same(applied, [
      {
        generation: 1,
        results: [
          {
            kind: 'driver',
            id: 'a',
            ok: false,
            code: 'PLINTH_E_LIBVIRT_UNAVAILABLE',
            message: 'libvirtd is not running',
          },
        ],
      },
    ]);
    hang.resolve([ok('late')]);
    await sleep(20);
    t.equal(applied.length, 1);
  },
);

t.test('apply or parse throwing becomes an error result with its code', async (t) => {
  const cases: { name: string; driver: FakeDriver; want: ApplyOutcome }[] = [
    {
      name: 'PlinthError keeps its code',
      driver: fake('a', 'as', () =>
        Promise.reject(new PlinthError(ErrorCodes.LIBVIRT_UNAVAILABLE, 'socket gone')),
      ),
      want: {
        kind: 'driver',
        id: 'a',
        ok: false,
        code: 'PLINTH_E_LIBVIRT_UNAVAILABLE',
        message: 'socket gone',
      },
    },
    {
      name: 'a plain Error is INTERNAL',
      driver: fake('a', 'as', () => Promise.reject(new Error('oops'))),
      want: { kind: 'driver', id: 'a', ok: false, code: 'PLINTH_E_INTERNAL', message: 'oops' },
    },
    {
      name: 'a synchronous throw in apply',
      driver: fake('a', 'as', () => {
        throw new Error('sync');
      }),
      want: { kind: 'driver', id: 'a', ok: false, code: 'PLINTH_E_INTERNAL', message: 'sync' },
    },
    {
      name: 'parseDesired throwing',
      driver: fake(
        'a',
        'as',
        () => Promise.resolve([]),
        () => {
          throw new PlinthError(ErrorCodes.PARSE, 'unparseable');
        },
      ),
      want: { kind: 'driver', id: 'a', ok: false, code: 'PLINTH_E_PARSE', message: 'unparseable' },
    },
  ];
  for (const c of cases) {
    const { r, applied } = setup([c.driver]);
    r.setDesired({ generation: 1, spec: { as: {} } });
    t.ok(await waitFor(() => applied.length === 1), c.name);
    t.same(applied[0]?.results, [c.want], c.name);
  }
});

t.test(
  'an apply that outlives applyTimeoutMs is a TIMEOUT result and its signal is aborted',
  async (t) => {
    let signal: AbortSignal | undefined;
    const never = new Promise<ApplyResult[]>(() => undefined);
    const a = fake('a', 'as', (_d, s) => {
      signal = s;
      return never;
    });
    const { r, applied } = setup([a], { applyTimeoutMs: 50 });
    r.setDesired({ generation: 1, spec: { as: {} } });
    t.ok(await waitFor(() => applied.length === 1, 3000));
    t.same(applied[0]?.results, [
      {
        kind: 'driver',
        id: 'a',
        ok: false,
        code: 'PLINTH_E_TIMEOUT',
        message: 'a apply did not finish within 50 ms',
      },
    ]);
    t.equal(signal?.aborted, true);
  },
);

t.test('the latest desired state wins while an apply is running', async (t) => {
  const first = deferred<ApplyResult[]>();
  let n = 0;
  const a = fake('a', 'as', () => (++n === 1 ? first.promise : Promise.resolve([ok('gen2')])));
  const { r, applied } = setup([a]);
  r.setDesired({ generation: 1, spec: { as: 'one' } });
  t.ok(await waitFor(() => a.applyCalls.length === 1));
  t.equal(r.setDesired({ generation: 2, spec: { as: 'two' } }), true);
  await sleep(20);
  t.equal(a.applyCalls.length, 1, 'no overlapping apply for the same driver');
  first.resolve([ok('gen1')]);
  t.ok(await waitFor(() => applied.length === 1));
  t.same(
    a.applyCalls.map((c) => c.desired),
    ['one', 'two'],
  );
  t.same(
    applied,
    [{ generation: 2, results: [ok('gen2')] }],
    'generation 1 results are discarded, never acknowledged',
  );
  await sleep(20);
  t.equal(applied.length, 1);
});

t.test(
  'several reconcile requests during a running apply coalesce into one more pass',
  async (t) => {
    const first = deferred<ApplyResult[]>();
    let n = 0;
    const a = fake('a', 'as', () => (++n === 1 ? first.promise : Promise.resolve([ok('x')])));
    const { r } = setup([a]);
    r.setDesired({ generation: 1, spec: { as: {} } });
    t.ok(await waitFor(() => a.applyCalls.length === 1));
    void r.reconcile('a');
    void r.reconcile('a');
    void r.reconcile('a');
    first.resolve([ok('x')]);
    await sleep(50);
    t.equal(a.applyCalls.length, 2);
  },
);

t.test('the observation passed to apply is the latest one', async (t) => {
  const a = fake('a', 'as', () => Promise.resolve([]));
  const { r, observations } = setup([a]);
  r.setDesired({ generation: 1, spec: { as: {} } });
  t.ok(await waitFor(() => a.applyCalls.length === 1));
  const newer: Observation = { objects: [{ kind: 'k', id: 'new', data: { v: 2 } }] };
  observations.set('a', newer);
  void r.reconcile('a');
  t.ok(await waitFor(() => a.applyCalls.length === 2));
  t.equal(a.applyCalls[1]?.observed, newer);
});

t.test('markDirty only when an ok action other than noop happened', async (t) => {
  const cases: { name: string; results: ApplyResult[]; dirty: boolean }[] = [
    { name: 'nothing', results: [], dirty: false },
    { name: 'noop', results: [ok('a', 'noop'), ok('b', 'noop')], dirty: false },
    { name: 'no action given', results: [{ kind: 'k', id: 'a', ok: true }], dirty: false },
    { name: 'create', results: [ok('a', 'noop'), ok('b', 'create')], dirty: true },
    {
      name: 'failed create',
      results: [{ kind: 'k', id: 'a', ok: false, action: 'create', code: ErrorCodes.EXEC_FAILED }],
      dirty: false,
    },
  ];
  for (const c of cases) {
    const a = fake('a', 'as', () => Promise.resolve(c.results));
    const { r, applied, dirty } = setup([a]);
    r.setDesired({ generation: 1, spec: { as: {} } });
    t.ok(await waitFor(() => applied.length === 1), c.name);
    await sleep(5);
    t.same(dirty, c.dirty ? ['a'] : [], c.name);
  }
  const thrown = fake('a', 'as', () => Promise.reject(new Error('x')));
  const { r, applied, dirty } = setup([thrown]);
  r.setDesired({ generation: 1, spec: { as: {} } });
  t.ok(await waitFor(() => applied.length === 1));
  t.same(dirty, [], 'a failed apply does not mark dirty');
});

t.test('drivers without apply are not run and not waited for', async (t) => {
  const observeOnly: Driver = {
    name: 'host',
    health: () => Promise.resolve({ status: 'healthy' }),
    observe: () => Promise.resolve({ objects: [] }),
  };
  const a = fake('a', 'as', () => Promise.resolve([ok('a1')]));
  const { r, applied } = setup([observeOnly, a]);
  r.setDesired({ generation: 1, spec: { as: {} } });
  t.ok(await waitFor(() => applied.length === 1));
  t.same(applied[0]?.results, [ok('a1')]);
  await r.reconcile('host');
  await r.reconcile('nope');
  t.equal(applied.length, 1);
});
