import t, { type Test } from 'tap';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import type { DrainProgress } from '../../../coordinator/vms/types.js';
import { startSim, until, type Sim } from './sim.js';

const web = (name: string, over: JsonObject = {}) => ({
  name,
  vcpus: 2,
  memoryMiB: 1024,
  disks: [{ sizeGiB: 1 }],
  nics: [{ network: 'prod' }],
  ...over,
});
const shared = (name: string, over: JsonObject = {}) =>
  web(name, { disks: [{ sizeGiB: 1, shared: true }], ...over });

const code = async (p: Promise<unknown> | (() => unknown)): Promise<string> => {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (e) {
    return e instanceof PlinthError ? e.code : String(e);
  }
};

const status = (sim: Sim, name: string) => sim.svc.get(name).status;
/** The host is down and its session gone: what a relocation rests on. */
const downAndGone = (sim: Sim, host: string) => {
  sim.cluster.states.set(host, 'down');
  sim.cluster.sessions.delete(host);
};
const domainNames = (sim: Sim, host: string) =>
  ((sim.store.getDesired(host)?.spec.domains ?? []) as JsonObject[]).map((d) => d.name);
const settle = async (sim: Sim, name: string, want: string) =>
  until(`${name} ${want} (is ${sim.svc.list().find((v) => v.name === name)?.status})`, () =>
    sim.svc.list().some((v) => v.name === name && v.status === want),
  );

t.test('create -> placed -> starting -> running; stop; start; delete', async (t) => {
  const sim = await startSim(['h1']);
  t.teardown(() => sim.close());
  const { vm, placement } = await sim.svc.create(web('web-1'));
  t.equal(vm.status, 'placed');
  t.equal(vm.hostId, 'h1');
  t.equal(vm.fenceToken, 1);
  t.ok(placement.ok);
  const pushed = sim.cluster.sent.at(-1)!;
  t.equal(pushed.host, 'h1');
  const dom = (pushed.spec.domains as JsonObject[])[0]!;
  t.equal(dom.uuid, vm.uuid);
  t.same(pushed.spec.assignments, { [vm.uuid]: { name: 'web-1', token: 1, policy: 'keep' } });

  sim.agent('h1', { observe: false });
  await settle(sim, 'web-1', 'starting');
  sim.agent('h1');
  await settle(sim, 'web-1', 'running');

  const stopped = await sim.svc.stop('web-1');
  t.equal(stopped.status, 'stopping');
  t.equal((sim.cluster.sent.at(-1)!.spec.domains as JsonObject[])[0]!.power, 'stopped');
  sim.svc.reconcileNow();
  t.equal(status(sim, 'web-1'), 'stopping', 'not acked yet: no change');
  sim.agent('h1');
  await settle(sim, 'web-1', 'stopped');
  await sim.svc.start('web-1');
  sim.agent('h1');
  await settle(sim, 'web-1', 'running');

  const h = sim.svc.get('web-1').history.map((e) => e.status);
  t.same(h, ['placed', 'starting', 'running', 'stopping', 'stopped', 'starting', 'running']);

  const del = sim.svc.delete('web-1');
  await until(
    'removed from desired',
    () => (sim.cluster.sent.at(-1)!.spec.domains as []).length === 0,
  );
  t.same(sim.cluster.sent.at(-1)!.spec.assignments, {});
  sim.agent('h1');
  await del;
  t.equal(await code(() => sim.svc.get('web-1')), ErrorCodes.NOT_FOUND);
  t.equal(
    (sim.store.db.prepare('SELECT COUNT(*) AS n FROM claims').get() as { n: number }).n,
    0,
    'claim released',
  );
  t.ok(sim.cluster.events.some((e) => e.type === 'vm.deleted'));
});

t.test('apply errors fail the VM with the agent reason; start retries', async (t) => {
  const sim = await startSim(['h1']);
  t.teardown(() => sim.close());
  await sim.svc.create(web('bad-1'));
  sim.agent('h1', { fail: ['bad-1'] });
  await settle(sim, 'bad-1', 'failed');
  t.match(sim.svc.get('bad-1').reason, /PLINTH_E_NOT_FOUND: bad-1: kernel missing/);
  const before = sim.store.getDesired('h1')!.generation;
  t.equal((await sim.svc.start('bad-1')).status, 'starting');
  t.ok(sim.store.getDesired('h1')!.generation > before, 'a retry is a new generation');
  sim.agent('h1');
  await settle(sim, 'bad-1', 'running');
});

t.test('validation, duplicates and rejection with the table', async (t) => {
  const sim = await startSim(['h1', 'h2', 'h3']);
  t.teardown(() => sim.close());
  t.equal(await code(sim.svc.create({ name: 'x' })), ErrorCodes.INVALID_ARGUMENT);
  await sim.svc.create(web('a'));
  t.equal(await code(sim.svc.create(web('a'))), ErrorCodes.CONFLICT);
  const group = { name: 'g', policy: 'anti-affinity', scope: 'host', hard: true };
  const results = await Promise.allSettled(
    [1, 2, 3, 4, 5, 6].map((i) => sim.svc.create(web(`g-${i}`, { group }))),
  );
  const placed = results.filter((r) => r.status === 'fulfilled');
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  t.equal(placed.length, 3);
  t.equal(rejected.length, 3);
  for (const r of rejected) {
    t.equal((r.reason as PlinthError).code, ErrorCodes.CAPACITY);
    const p = (r.reason as PlinthError).details!.placement as {
      hosts: unknown[];
      filters: unknown[];
    };
    t.equal(p.hosts.length, 3, 'every host has a verdict');
  }
  const hosts = new Set(
    sim.svc
      .list()
      .filter((v) => v.name.startsWith('g-'))
      .map((v) => v.hostId),
  );
  t.equal(hosts.size, 3);
  t.equal(sim.svc.list().length, 4, 'rejected creates leave no record');
});

t.test('plan and apply: token, refusal when the cluster changed, expiry', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  const p1 = sim.svc.plan(web('p-1'));
  t.ok(p1.placement.ok);
  t.equal(sim.svc.list().length, 0, 'a plan creates nothing');
  const { vm } = await sim.svc.apply(p1.token);
  t.equal(vm.name, 'p-1');
  t.equal(await code(sim.svc.apply(p1.token)), ErrorCodes.NOT_FOUND, 'a token is used once');
  const p2 = sim.svc.plan(web('p-2'));
  await sim.svc.create(web('other'));
  try {
    await sim.svc.apply(p2.token);
    t.fail('applied a stale plan');
  } catch (e) {
    t.equal((e as PlinthError).code, ErrorCodes.CONFLICT);
    t.match((e as Error).message, /the cluster changed since plan .* run `plinth plan` again/);
  }
  const p3 = sim.svc.plan(web('p-3'));
  sim.store.db.prepare('UPDATE plans SET expires_ms = 1 WHERE token = ?').run(p3.token);
  t.match(await sim.svc.apply(p3.token).catch((e: Error) => e.message), /expired/);
});

t.test('cordon keeps new VMs away; uncordon', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  sim.svc.cordon('h1', true, 'disk swap');
  for (const i of [1, 2, 3]) await sim.svc.create(web(`c-${i}`));
  t.same(new Set(sim.svc.list().map((v) => v.hostId)), new Set(['h2']));
  t.equal(await code(() => sim.svc.cordon('nope', true)), ErrorCodes.NOT_FOUND);
  sim.svc.cordon('h1', false);
  t.equal((await sim.svc.create(web('c-4'))).vm.hostId, 'h1');
});

t.test('drain: shared VMs stop, move, start; local ones are refused', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  sim.svc.cordon('h2', true);
  await sim.svc.create(shared('s-1'));
  await sim.svc.create(shared('s-2'));
  await sim.svc.create(web('local-1'));
  sim.svc.cordon('h2', false);
  sim.agent('h1');
  await settle(sim, 's-1', 'running');
  const tokenBefore = sim.svc.get('s-1').fenceToken;
  const progress: DrainProgress[] = [];
  const drain = sim.svc.drain('h1', { deadlineMs: 10_000, parallel: 2 }, (p) => progress.push(p));
  await until('both migrating', () => sim.svc.list({ status: 'migrating' }).length === 2);
  const doc = sim.store.getDesired('h1')!.spec;
  t.same(
    (doc.domains as JsonObject[]).map((d) => [d.name, d.power]),
    [
      ['local-1', 'running'],
      ['s-1', 'stopped'],
      ['s-2', 'stopped'],
    ],
    'stopped on the old host first',
  );
  sim.agent('h1');
  await until('placed on h2', () => sim.svc.list({ hostId: 'h2' }).length === 2);
  t.same(
    (sim.store.getDesired('h1')!.spec.domains as JsonObject[]).map((d) => d.name),
    ['local-1'],
  );
  t.equal(status(sim, 's-1'), 'migrating', 'migrating until observed on the new host');
  t.ok(sim.svc.get('s-1').fenceToken > tokenBefore, 'a new fence token');
  sim.agent('h2');
  const r = await drain;
  t.same(r.moved.sort(), ['s-1', 's-2']);
  t.same(
    r.refused.map((x) => x.vm),
    ['local-1'],
  );
  t.match(r.refused[0]!.reason, /disk root is local to h1/);
  t.same(r.failed, []);
  t.same(r.left, []);
  t.equal(status(sim, 's-1'), 'running');
  t.ok(progress.some((p) => p.vm === 's-1' && p.step === 'done' && p.toHost === 'h2'));
  t.ok(progress.some((p) => p.step === 'refused'));
  t.match(
    sim.svc
      .get('s-1')
      .history.map((h) => h.message)
      .join('\n'),
    /moved from h1/,
  );
});

t.test('drain with no other host: nothing is stopped, failed with the reason', async (t) => {
  const sim = await startSim(['h1']);
  t.teardown(() => sim.close());
  await sim.svc.create(shared('s-1'));
  sim.agent('h1');
  await settle(sim, 's-1', 'running');
  const r = await sim.svc.drain('h1', { deadlineMs: 5000, parallel: 1 }, () => {});
  t.same(
    r.failed.map((f) => f.vm),
    ['s-1'],
  );
  t.equal(status(sim, 's-1'), 'running');
  t.equal(
    await code(sim.svc.drain('h1', { deadlineMs: 10, parallel: 1 }, () => {})),
    ErrorCodes.INVALID_ARGUMENT,
  );
});

/** s-1 running on h1, h2 free, and a drain of h1 under way: s-1 is 'migrating'. */
async function drainingS1(t: Test, deadlineMs: number): Promise<Sim> {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  sim.svc.cordon('h2', true);
  await sim.svc.create(shared('s-1'));
  sim.svc.cordon('h2', false);
  sim.agent('h1');
  await settle(sim, 's-1', 'running');
  void sim.svc.drain('h1', { deadlineMs, parallel: 1 }, () => {}).catch(() => {});
  await settle(sim, 's-1', 'migrating');
  return sim;
}

t.test('a drain interrupted by a coordinator restart resumes', async (t) => {
  const sim = await drainingS1(t, 20_000);
  await sim.restart();
  t.equal(status(sim, 's-1'), 'migrating', 'the move survived the restart');
  sim.agent('h1');
  await until('on h2', () => sim.svc.get('s-1').hostId === 'h2');
  sim.agent('h2');
  await settle(sim, 's-1', 'running');
  await until(
    'drain row gone',
    () => (sim.store.db.prepare('SELECT COUNT(*) AS n FROM drains').get() as { n: number }).n === 0,
  );
  t.ok(sim.cluster.events.some((e) => e.type === 'host.drain' && /resuming/.test(e.message)));
});

t.test(
  'a drain whose deadline passed while the coordinator was down: unconfirmed moves are abandoned',
  async (t) => {
    const sim = await drainingS1(t, 1000);
    // h1 never reports the stop; the coordinator is down across the deadline.
    await sim.restart(1200);
    const vm = sim.svc.get('s-1');
    t.equal(vm.hostId, 'h1', 'it stays on h1');
    t.not(vm.status, 'migrating', 'not left migrating (that would refuse stop/start/delete)');
    t.match(vm.reason, /deadline passed before h1 confirmed the stop/);
    t.equal(
      (sim.store.db.prepare('SELECT COUNT(*) AS n FROM drains').get() as { n: number }).n,
      0,
      'the drain row is gone',
    );
    t.ok(
      sim.cluster.events.some(
        (e) => e.type === 'host.drain' && /stop was not confirmed stay there: s-1/.test(e.message),
      ),
    );
    sim.agent('h1');
    await settle(sim, 's-1', 'running');
    t.ok((await sim.svc.stop('s-1')).name, 'stop is accepted again');
  },
);

t.test('relocate (evacuation): new host, new token, old host drops it', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  sim.svc.cordon('h2', true);
  const { vm } = await sim.svc.create(shared('e-1', { onHostFailure: 'restart-after-fence' }));
  sim.svc.cordon('h2', false);
  t.equal(sim.svc.vmsOnHost('h1').length, 1);
  downAndGone(sim, 'h1');
  const r = await sim.svc.relocate('e-1', { excludeHosts: ['h1'], reason: 'h1 fenced' });
  t.same(r.ok, true);
  t.equal(r.hostId, 'h2');
  const after = sim.svc.get('e-1');
  t.equal(after.status, 'placed');
  t.ok(after.fenceToken > vm.fenceToken);
  t.same(sim.store.getDesired('h1')!.spec.assignments, {});
  t.same(sim.store.getDesired('h2')!.spec.assignments, {
    [vm.uuid]: { name: 'e-1', token: after.fenceToken, policy: 'restart-after-fence' },
  });
  t.ok(sim.cluster.sent.some((s) => s.host === 'h2'));
  const none = await sim.svc.relocate('e-1', { excludeHosts: ['h1', 'h2'], reason: 'x' });
  t.equal(none.ok, false);
  t.equal(sim.svc.get('e-1').hostId, 'h2', 'a failed relocate changes nothing');
  sim.svc.flag('e-1', 'fence-failed', 'BMC unreachable');
  t.same(sim.svc.get('e-1').flags, ['fence-failed']);
  sim.svc.unflag('e-1', 'fence-failed');
  t.same(sim.svc.get('e-1').flags, []);
});

t.test('maintenance: drain, then the Ceph side; exit reverses', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  sim.agent('h1', {
    ack: false,
    extra: [{ kind: 'driver', id: 'ceph', data: { health: 'healthy' } }],
  });
  const r = await sim.svc.maintenance('h1', 'enter', { deadlineMs: 5000, parallel: 1 }, () => {});
  t.same(r.failed, []);
  t.same(
    sim.cluster.commands.map((c) => c.kind),
    ['ceph.maintenance.enter'],
  );
  t.equal(
    (
      sim.store.db.prepare("SELECT maintenance FROM host_sched WHERE host_id = 'h1'").get() as {
        maintenance: string;
      }
    ).maintenance,
    'in',
  );
  t.equal((await sim.svc.create(web('m-1'))).vm.hostId, 'h2', 'nothing lands on it');
  t.equal(await code(() => sim.svc.cordon('h1', false)), ErrorCodes.CONFLICT);
  sim.cluster.commandResult = {
    ok: false,
    code: 'PLINTH_E_TIMEOUT',
    message: 'slow',
    resultJson: '',
  };
  const bad = await sim.svc.maintenance('h1', 'exit', { deadlineMs: 5000, parallel: 1 }, () => {});
  t.match(bad.failed[0]!.reason, /ceph\.maintenance\.exit failed: PLINTH_E_TIMEOUT/);
  sim.cluster.commandResult = { ok: true, code: '', message: '', resultJson: '{}' };
  const ok = await sim.svc.maintenance('h1', 'exit', { deadlineMs: 5000, parallel: 1 }, () => {});
  t.same(ok.failed, []);
  t.same(
    sim.store.db.prepare("SELECT cordoned, maintenance FROM host_sched WHERE host_id = 'h1'").get(),
    { cordoned: 0, maintenance: '' },
  );
});

t.test('SetDesired sets the base: VMs stay in the document; bgp announcements', async (t) => {
  const sim = await startSim(['h1']);
  t.teardown(() => sim.close());
  const { vm } = await sim.svc.create(web('b-1'));
  const set = sim.svc.setBaseDesired('h1', { widgets: ['x'] });
  t.same(set.spec.widgets, ['x']);
  t.equal((set.spec.domains as JsonObject[])[0]!.uuid, vm.uuid);
  t.equal(await code(() => sim.svc.setBaseDesired('h1', {}, 1)), ErrorCodes.CONFLICT);
  t.match(
    await sim.svc
      .create(web('a-1', { nics: [{ network: 'prod', announce: '198.18.9.10' }] }))
      .catch((e: Error) => e.message),
    /cannot announce 198\.18\.9\.10\/32/,
  );
  t.equal(sim.svc.list().length, 1, 'the rejected VM was rolled back with its claim');
  sim.svc.setBaseDesired('h1', { bgp: { asn: 65001, prefixes: [] } });
  await sim.svc.create(web('a-1', { nics: [{ network: 'prod', announce: '198.18.9.10' }] }));
  t.same((sim.store.getDesired('h1')!.spec.bgp as JsonObject).prefixes, ['198.18.9.10/32']);
  t.match(
    await code(() => sim.svc.setBaseDesired('h1', {})),
    ErrorCodes.CONFLICT,
    'cannot drop bgp under an announcing VM',
  );
});

t.test('a desired document written around the service gets its VMs back', async (t) => {
  const sim = await startSim(['h1']);
  t.teardown(() => sim.close());
  const { vm } = await sim.svc.create(web('k-1'));
  const { generation } = sim.store.setDesired('h1', { widgets: ['y'] });
  sim.cluster.emit('event', { type: 'host.desired', hostId: 'h1' });
  await until('recomposed', () => sim.store.getDesired('h1')!.generation > generation);
  const doc = sim.store.getDesired('h1')!.spec;
  t.same(doc.widgets, ['y'], 'the outside document became the base');
  t.equal((doc.domains as JsonObject[])[0]!.uuid, vm.uuid);
});

t.test('concurrent creates of one name: exactly one wins', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  const out = await Promise.allSettled(
    Array.from({ length: 20 }, () => sim.svc.create(web('same'))),
  );
  t.equal(out.filter((r) => r.status === 'fulfilled').length, 1);
  t.ok(
    out
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .every((r) => (r.reason as PlinthError).code === ErrorCodes.CONFLICT),
  );
  t.equal((sim.store.db.prepare('SELECT COUNT(*) AS n FROM claims').get() as { n: number }).n, 1);
});

t.test(
  'relocate re-checks, in the claim transaction, that the old host is down and gone',
  async (t) => {
    const sim = await startSim(['h1', 'h2']);
    t.teardown(() => sim.close());
    sim.svc.cordon('h2', true);
    const { vm } = await sim.svc.create(shared('r-1', { onHostFailure: 'restart-after-fence' }));
    sim.svc.cordon('h2', false);
    const live = await sim.svc.relocate('r-1', { excludeHosts: ['h1'], reason: 'h1 fenced' });
    t.equal(live.ok, false, 'the host is ready and connected');
    t.match(live.message, /not relocating VM r-1: its host h1 is ready and connected/);
    sim.cluster.states.set('h1', 'down');
    const connected = await sim.svc.relocate('r-1', { excludeHosts: ['h1'], reason: 'h1 fenced' });
    t.equal(connected.ok, false, 'down but its session is still there');
    t.match(connected.message, /h1 is down and connected/);
    const after = sim.svc.get('r-1');
    t.equal(after.hostId, 'h1', 'nothing moved');
    t.equal(after.fenceToken, vm.fenceToken, 'no token spent');
    t.same(domainNames(sim, 'h2'), []);
    t.equal(
      (
        sim.store.db.prepare("SELECT host_id AS h FROM claims WHERE vm_name = 'r-1'").get() as {
          h: string;
        }
      ).h,
      'h1',
      'the claim was rolled back',
    );
    sim.cluster.sessions.delete('h1');
    const ok = await sim.svc.relocate('r-1', { excludeHosts: ['h1'], reason: 'h1 fenced' });
    t.equal(ok.ok, true);
    t.equal(ok.hostId, 'h2');
  },
);

t.test('a composed document set back as the base keeps no VM domain or assignment', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  sim.svc.cordon('h2', true);
  const { vm } = await sim.svc.create(shared('x-1', { onHostFailure: 'restart-after-fence' }));
  sim.svc.cordon('h2', false);
  // `plinth host desired h1 show > f; edit f; plinth host desired h1 set f`
  const shown = sim.store.getDesired('h1')!.spec;
  const expert = { name: 'expert', uuid: '3f2504e0-4f89-41d3-9a0c-0305e82c33ff' };
  const edited = {
    ...shown,
    widgets: ['w'],
    domains: [...(shown.domains as JsonObject[]), expert],
  };
  const set = sim.svc.setBaseDesired('h1', edited);
  t.same(set.spec.widgets, ['w']);
  t.same(
    (set.spec.domains as JsonObject[]).map((d) => d.name),
    ['expert', 'x-1'],
    'the VM once, from the service',
  );
  const base = sim.svc.getBaseDesired('h1');
  t.same(base.widgets, ['w']);
  t.same(base.domains, [expert], 'the base alone: no VM domain');
  t.notOk('assignments' in base);
  downAndGone(sim, 'h1');
  const r = await sim.svc.relocate('x-1', { excludeHosts: ['h1'], reason: 'h1 fenced' });
  t.equal(r.ok, true);
  t.same(domainNames(sim, 'h1'), ['expert'], 'the old host no longer has the VM');
  t.same(sim.store.getDesired('h1')!.spec.assignments, {});
  t.same(domainNames(sim, 'h2'), ['x-1']);

  // An entry that is not the service's own is refused, naming the VM.
  const entry = (sim.store.getDesired('h2')!.spec.domains as JsonObject[])[0]!;
  t.equal(
    await code(() => sim.svc.setBaseDesired('h2', { domains: [{ ...entry, memoryMiB: 4096 }] })),
    ErrorCodes.CONFLICT,
    'an edited VM entry',
  );
  t.match(
    await Promise.resolve()
      .then(() => sim.svc.setBaseDesired('h1', { domains: [{ name: 'x-1', uuid: expert.uuid }] }))
      .catch((e: Error) => e.message),
    /VM x-1, which is managed by the VM service; .*plinth vm show\|stop\|start\|delete x-1/,
    'another domain under a VM name (on a host the VM is not on)',
  );
  t.equal(
    await code(() => sim.svc.setBaseDesired('h1', { domains: [{ name: 'other', uuid: vm.uuid }] })),
    ErrorCodes.CONFLICT,
    "a VM's uuid under another name",
  );
  t.same(domainNames(sim, 'h1'), ['expert'], 'refusals change nothing');
});

t.test('an outside document with a VM domain is adopted without it', async (t) => {
  const sim = await startSim(['h1', 'h2']);
  t.teardown(() => sim.close());
  sim.svc.cordon('h2', true);
  const { vm } = await sim.svc.create(shared('y-1'));
  sim.svc.cordon('h2', false);
  const dom = (sim.store.getDesired('h1')!.spec.domains as JsonObject[])[0]!;
  // Written around the service: no `assignments`, the VM's domain copied in.
  const { generation } = sim.store.setDesired('h1', { widgets: ['z'], domains: [dom] });
  sim.cluster.emit('changed', 'h1', 'desired');
  await until('recomposed', () => sim.store.getDesired('h1')!.generation > generation);
  t.same(domainNames(sim, 'h1'), ['y-1'], 'once');
  downAndGone(sim, 'h1');
  t.equal((await sim.svc.relocate('y-1', { excludeHosts: ['h1'], reason: 'x' })).ok, true);
  t.same(domainNames(sim, 'h1'), [], 'gone from the old host with the move');
  t.equal(sim.svc.get('y-1').uuid, vm.uuid);
});

t.test(
  'apply: the plan is checked inside the claim transaction; a refused token stays',
  async (t) => {
    const sim = await startSim(['h1', 'h2']);
    t.teardown(() => sim.close());
    const plan = sim.svc.plan(web('p-1'));
    // Committed in the same engine batch, just before the apply's placement.
    const other = sim.svc.create(web('p-0'));
    const applied = code(sim.svc.apply(plan.token));
    await other;
    t.equal(await applied, ErrorCodes.CONFLICT, 'the cluster changed after the pre-check');
    t.same(
      sim.svc.list().map((v) => v.name),
      ['p-0'],
    );
    t.equal(
      await code(sim.svc.apply(plan.token)),
      ErrorCodes.CONFLICT,
      'the token was not used up by the refusal',
    );
    const fresh = sim.svc.plan(web('p-1'));
    await sim.svc.apply(fresh.token);
    t.equal(await code(sim.svc.apply(fresh.token)), ErrorCodes.NOT_FOUND, 'used up by the create');
  },
);
