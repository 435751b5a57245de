import t from 'tap';
import type { Driver } from '../../../agent/drivers/driver.js';
import { Reconciler } from '../../../agent/reconcile/reconciler.js';
import type { JsonValue } from '../../../lib/json.js';
import { silentLog } from '../../../lib/log.js';
import type { ApplyOutcome } from '../../../lib/model.js';

function domainsDriver() {
  const seen: JsonValue[] = [];
  const d: Driver<JsonValue> = {
    name: 'libvirt',
    desiredKey: 'domains',
    health: () => Promise.resolve({ status: 'healthy' }),
    observe: () => Promise.resolve({ objects: [] }),
    parseDesired: (raw) => ({ desired: raw ?? null, errors: [] }),
    apply: (desired) => {
      seen.push(desired);
      return Promise.resolve([{ kind: 'libvirt.domain', id: 'x', ok: true, action: 'noop' }]);
    },
  };
  return { d, seen };
}

t.test(
  'agent keys are claimed, their results ride the ack, transform rewrites the section',
  async (t) => {
    const { d, seen } = domainsDriver();
    const acks: { generation: number; results: ApplyOutcome[] }[] = [];
    const r = new Reconciler({
      drivers: [d],
      log: silentLog(),
      applyTimeoutMs: 1000,
      lastObservation: () => ({ objects: [] }),
      onApplied: (generation, results) => acks.push({ generation, results }),
      markDirty: () => undefined,
      agentKeys: ['assignments'],
      agentResults: () => [
        {
          kind: 'agent.assignment',
          id: 'u',
          ok: false,
          code: 'PLINTH_E_CONFLICT',
          message: 'stale',
        },
      ],
      transform: (_d, section) => (Array.isArray(section) ? [...section, 'gated'] : section),
    });
    r.setDesired({ generation: 1, spec: { domains: ['a'], assignments: {} } });
    await new Promise((res) => setTimeout(res, 20));
    t.same(seen, [['a', 'gated']], 'the driver got the transformed section');
    t.equal(acks.length, 1);
    t.notOk(
      acks[0]!.results.some((x) => /no driver/.test(x.message ?? '')),
      'assignments is not reported as unhandled',
    );
    t.match(acks[0]!.results, [
      { code: 'PLINTH_E_CONFLICT' },
      { kind: 'libvirt.domain', ok: true },
    ]);
  },
);

t.test('a throwing transform is an error result, and nothing is applied', async (t) => {
  const { d, seen } = domainsDriver();
  const acks: ApplyOutcome[][] = [];
  const r = new Reconciler({
    drivers: [d],
    log: silentLog(),
    applyTimeoutMs: 1000,
    lastObservation: () => ({ objects: [] }),
    onApplied: (_g, results) => acks.push(results),
    markDirty: () => undefined,
    transform: () => {
      throw new Error('boom');
    },
  });
  r.setDesired({ generation: 1, spec: { domains: [] } });
  await new Promise((res) => setTimeout(res, 20));
  t.same(seen, []);
  t.match(acks[0], [{ kind: 'driver', id: 'libvirt', ok: false, message: 'boom' }]);
});

t.test('stop waits for the apply under way, and no apply starts after it', async (t) => {
  let release: () => void = () => undefined;
  let applies = 0;
  const d: Driver<JsonValue> = {
    name: 'libvirt',
    desiredKey: 'domains',
    health: () => Promise.resolve({ status: 'healthy' }),
    observe: () => Promise.resolve({ objects: [] }),
    parseDesired: (raw) => ({ desired: raw ?? null, errors: [] }),
    apply: () => {
      applies++;
      return new Promise((res) => {
        release = () => res([]);
      });
    },
  };
  const r = new Reconciler({
    drivers: [d],
    log: silentLog(),
    applyTimeoutMs: 5000,
    lastObservation: () => ({ objects: [] }),
    onApplied: () => undefined,
    markDirty: () => undefined,
  });
  r.setDesired({ generation: 1, spec: { domains: [] } });
  await new Promise((res) => setTimeout(res, 10));
  t.equal(applies, 1);
  let stopped = false;
  const stopping = r.stop().then(() => (stopped = true));
  await new Promise((res) => setTimeout(res, 20));
  t.notOk(stopped, 'still waiting for the apply');
  release();
  await stopping;
  await r.reconcile('libvirt');
  t.equal(applies, 1, 'nothing applied after stop');
});
