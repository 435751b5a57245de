import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignmentKeeper, observedVms } from '../../../agent/assignments/keeper.js';
import { AgentStore } from '../../../agent/state/store.js';
import type { JsonObject } from '../../../lib/json.js';
import { silentLog } from '../../../lib/log.js';

const U1 = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const dom = (power = 'running'): JsonObject => ({ name: 'web-1', uuid: U1, power });
const doc = (token: number, policy = 'restart-after-fence', power = 'running'): JsonObject => ({
  domains: [dom(power)],
  assignments: { [U1]: { name: 'web-1', token, policy } },
});
const stopped = { objects: [{ kind: 'libvirt.domain', id: U1, data: { state: 'shutoff' } }] };

t.test(
  'tokens survive a restart; a stale token is refused after it; confirmation does not',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'ple-keeper-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const open = () =>
      new AgentStore({ path: join(dir, 'agent.db'), log: silentLog(), now: Date.now });

    let store = open();
    let k = new AssignmentKeeper(store);
    k.accept(3, doc(7), true);
    t.ok(k.isConfirmed(3), 'a document from the coordinator is confirmed');
    t.match(k.gate(3, doc(7), doc(7).domains, stopped).domains, [dom('running')]);
    t.same(store.loadDesired(), { generation: 3, spec: doc(7) }, 'held with its tokens');
    store.close();

    // Restart: the snapshot alone, not confirmed.
    store = open();
    k = new AssignmentKeeper(store);
    t.equal(k.tokens().get(U1)?.token, 7, 'the token survived');
    const held = store.loadDesired()!;
    k.accept(held.generation, held.spec, false);
    t.notOk(k.isConfirmed(3));
    t.match(
      k.gate(3, held.spec, held.spec.domains, stopped),
      { domains: [dom('stopped')], held: [{ uuid: U1, gated: true, startHeld: true }] },
      'a stopped restart-after-fence VM is not started before confirmation',
    );
    t.notOk(k.confirm(3, doc(8), held.spec), 'a different document under the same generation');
    t.notOk(k.isConfirmed(3));
    t.ok(k.confirm(3, JSON.parse(JSON.stringify(held.spec)) as JsonObject, held.spec));
    t.ok(k.isConfirmed(3));
    t.notOk(k.confirm(3, held.spec, held.spec), 'confirming twice is not news');
    t.match(k.gate(3, held.spec, held.spec.domains, stopped).domains, [dom('running')]);
    t.ok(k.revoke(), 'the stream dropped: confirmation is withdrawn');
    t.notOk(k.isConfirmed(3));
    t.match(k.gate(3, held.spec, held.spec.domains, stopped).domains, [dom('stopped')]);
    t.notOk(k.revoke(), 'nothing to withdraw twice');
    t.ok(k.confirm(3, held.spec, held.spec), 'the Welcome resend confirms again');

    // A newer generation with a lower token.
    k.accept(4, doc(5, 'keep', 'stopped'), true);
    t.equal(k.tokens().get(U1)?.token, 7, 'never lowered');
    t.match(k.results(doc(5, 'keep', 'stopped')), [
      { code: 'PLINTH_E_CONFLICT', message: /token 5, lower than token 7/ },
    ]);
    t.match(
      k.gate(4, doc(5, 'keep', 'stopped'), doc(5, 'keep', 'stopped').domains, stopped).domains,
      [dom('running')],
      'the entry accepted with token 7 is still the one enforced',
    );
    store.close();

    store = open();
    k = new AssignmentKeeper(store);
    t.match(k.results(doc(5)), [{ code: 'PLINTH_E_CONFLICT' }], 'still refused after a restart');
    t.equal(k.tokens().get(U1)?.domain?.power, 'running');
    store.close();
  },
);

t.test('observedVms: live unless shut off', async (t) => {
  const m = observedVms({
    objects: [
      { kind: 'libvirt.domain', id: 'A', data: { state: 'running' } },
      { kind: 'libvirt.domain', id: 'b', data: { state: 'paused' } },
      { kind: 'libvirt.domain', id: 'c', data: { state: 'shutoff' } },
      { kind: 'libvirt.domain', id: 'd', data: {} },
      { kind: 'ovs.port', id: 'e', data: { state: 'running' } },
    ],
  });
  t.same(Object.fromEntries([...m].map(([k, v]) => [k, v.live])), {
    a: true,
    b: true,
    c: false,
    d: false,
  });
  t.same(observedVms(undefined).size, 0);
});

t.test('a newer generation never confirms an older one still being applied', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ple-keeper-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = new AgentStore({ path: join(dir, 'agent.db'), log: silentLog(), now: Date.now });
  t.teardown(() => store.close());
  const k = new AssignmentKeeper(store);
  k.accept(2, doc(7), false); // the snapshot, after a power cycle
  const moved: JsonObject = { domains: [], assignments: {} };
  k.accept(3, moved, true); // the coordinator moved the VM away meanwhile
  t.notOk(k.isConfirmed(2), 'generation 2 is superseded, not confirmed');
  t.ok(k.isConfirmed(3));
  t.match(
    k.gate(2, doc(7), doc(7).domains, stopped).domains,
    [dom('stopped')],
    'an apply of generation 2 still in flight does not start the moved VM',
  );
});
