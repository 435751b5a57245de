import t from 'tap';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import type { ForceGate } from '../../../coordinator/vms/force.js';
import type { DrainProgress } from '../../../coordinator/vms/types.js';
import { startSim, until, type Sim } from '../../unit/vms/sim.js';

// The real VM service, store and placement engine (no agents): the stuck states of
// issues 9/10 and the operator's ways out of them.

const shared = (name: string) => ({
  name,
  vcpus: 2,
  memoryMiB: 1024,
  disks: [{ sizeGiB: 1, shared: true }],
  nics: [{ network: 'prod' }],
});

const failure = async (p: Promise<unknown>): Promise<PlinthError> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof PlinthError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

const claims = (sim: Sim, vm: string) =>
  (
    sim.store.db.prepare('SELECT COUNT(*) AS n FROM claims WHERE vm_name = ?').get(vm) as {
      n: number;
    }
  ).n;
const domains = (sim: Sim, host: string) =>
  ((sim.store.getDesired(host)?.spec.domains ?? []) as JsonObject[]).map((d) => d.name);

function gate(sim: Sim, fenced: Record<string, string> = {}): ForceGate {
  return { hostState: (h) => sim.cluster.state(h), fencedBy: (h) => fenced[h] };
}

t.test('force delete: refused unless the host is down and fenced', async (t) => {
  const sim = await startSim(['h1', 'h2'], { deleteTimeoutSeconds: 1 });
  t.teardown(() => sim.close());
  sim.svc.cordon('h2', true);
  await sim.svc.create(shared('web-1'));
  sim.agent('h1');
  await until('running', () => sim.svc.get('web-1').status === 'running');

  const ready = await failure(sim.svc.forceDelete('web-1', gate(sim), 'alice'));
  t.equal(ready.code, ErrorCodes.CONFLICT);
  t.match(ready.message, /h1 is ready, not down/);
  t.match(ready.message, /plinth vm delete web-1/, 'says what to do instead');

  // The host dies; a plain delete cannot finish: the VM stays 'deleting' with its claim.
  sim.cluster.states.set('h1', 'down');
  sim.cluster.sessions.delete('h1');
  const plain = await failure(sim.svc.delete('web-1'));
  t.equal(plain.code, ErrorCodes.TIMEOUT);
  t.equal(sim.svc.get('web-1').status, 'deleting', 'stuck deleting');
  t.equal(claims(sim, 'web-1'), 1, 'with its claim');

  const unfenced = await failure(sim.svc.forceDelete('web-1', gate(sim), 'alice'));
  t.equal(unfenced.code, ErrorCodes.CONFLICT);
  t.match(unfenced.message, /down but not confirmed powered off/);
  t.match(unfenced.message, /plinth host confirm-off h1 --yes/);
  t.equal(claims(sim, 'web-1'), 1, 'a refusal changes nothing');

  const genBefore = sim.store.getDesired('h1')!.generation;
  const tokenBefore = sim.svc.list()[0]!.fenceToken;
  const r = await sim.svc.forceDelete('web-1', gate(sim, { h1: 'alice (confirm-off)' }), 'bob');
  t.equal(r.hostId, 'h1');
  t.match(r.message, /force-deleted by bob: host h1 is down and confirmed off by alice/);
  t.equal(sim.svc.list().length, 0, 'record gone');
  t.equal(claims(sim, 'web-1'), 0, 'claim released');
  t.ok(sim.store.getDesired('h1')!.generation > genBefore, 'a new generation for h1');
  t.same(domains(sim, 'h1'), [], 'not in its desired document');
  const ev = sim.cluster.events.find((e) => e.type === 'vm.deleted');
  t.ok(ev, 'a vm.deleted event');
  t.same(ev?.data, {
    vm: 'web-1',
    host: 'h1',
    forced: true,
    by: 'bob',
    fencedBy: 'alice (confirm-off)',
  });
  t.ok(tokenBefore > 0);
  const gone = await failure(sim.svc.forceDelete('web-1', gate(sim), 'bob'));
  t.equal(gone.code, ErrorCodes.NOT_FOUND);

  // The name and the claim are free again.
  sim.svc.cordon('h2', false);
  const again = await sim.svc.create(shared('web-1'));
  t.equal(again.vm.name, 'web-1', 'the name is free again');
});

t.test('force delete of a running VM on a dead, fenced host', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  sim.svc.cordon('h2', true);
  await sim.svc.create(shared('db-1'));
  await sim.svc.create(shared('db-2'));
  sim.agent('h1');
  await until('running', () => sim.svc.list({ status: 'running' }).length === 2);
  sim.cluster.states.set('h1', 'down');
  await sim.svc.forceDelete('db-1', gate(sim, { h1: 'evacuation' }), 'alice');
  t.same(
    sim.svc.list().map((v) => v.name),
    ['db-2'],
  );
  t.same(domains(sim, 'h1'), ['db-2'], 'the other VM stays in the document');
  t.equal(sim.svc.get('db-2').status, 'running', 'its neighbour is untouched');
});

t.test('drain deadline with a host that never confirms the stop: restored, left', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  sim.svc.cordon('h2', true);
  await sim.svc.create(shared('app-1'));
  sim.svc.cordon('h2', false);
  sim.agent('h1');
  await until('running', () => sim.svc.get('app-1').status === 'running');
  const progress: DrainProgress[] = [];
  // h1 never reports the stop (no sim.agent('h1') from here on).
  const r = await sim.svc.drain('h1', { deadlineMs: 1500, parallel: 1 }, (p) => progress.push(p));
  t.same(r.left, ['app-1'], 'reported as left');
  t.same(r.moved, []);
  const p = progress.find((x) => x.vm === 'app-1' && /deadline/.test(x.message));
  t.ok(p, 'progress says why');
  t.match(p?.message, /h1 confirmed the stop/);
  const vm = sim.svc.get('app-1');
  t.equal(vm.hostId, 'h1');
  t.not(vm.status, 'migrating', 'not stuck migrating');
  t.equal(vm.status, 'starting', 'started on its old host again');
  const doc = (sim.store.getDesired('h1')!.spec.domains as JsonObject[]).find(
    (d) => d.name === 'app-1',
  );
  t.equal(doc?.power, 'running', 'its host is told to run it again');
  // stop/delete are no longer refused as busy.
  const stopped = await sim.svc.stop('app-1');
  t.equal(stopped.power, 'stopped');
});
