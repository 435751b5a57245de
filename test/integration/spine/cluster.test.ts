import t from 'tap';
import { join } from 'node:path';
import type { Agent } from '../../../agent/agent.js';
import { fakeDriver } from '../../harness/fake-driver.js';
import { startTestAgent, startTestCoordinator, testAdmin, TestPki } from '../../harness/spine.js';
import { waitFor } from '../../harness/wait.js';

t.test('an agent connects, reports, converges desired state and answers commands', async (t) => {
  const pki = await TestPki.create();
  t.teardown(() => pki.cleanup());
  const coord = await startTestCoordinator(pki);
  t.teardown(() => coord.stop());
  const admin = await testAdmin(pki, coord.port);
  t.teardown(() => admin.close());
  const fake = fakeDriver();
  const dataDir = join(pki.dir, 'agent-h1');
  let agent: Agent = await startTestAgent(pki, {
    hostId: 'h1',
    coordinatorPort: coord.port,
    drivers: [fake.driver],
    dataDir,
  });
  t.teardown(() => agent.stop());

  const host = await waitFor('h1 ready with its driver reported', async () => {
    const r = await admin.call('ListHosts', {});
    return r.hosts.find((h) => h.id === 'h1' && h.state === 'ready' && h.drivers.length > 0);
  });
  t.equal(host.connected, true);
  t.same(
    host.drivers.map((d) => [d.name, d.health]),
    [['fake', 'healthy']],
  );

  // Desired state: valid widgets are created, the invalid one is reported, nothing else.
  const set = await admin.call('SetDesired', {
    id: 'h1',
    specJson: JSON.stringify({ widgets: ['a', 'b', 'Bad Name!'], nosuch: {} }),
  });
  t.equal(set.generation, 1);
  const applied = await waitFor('generation 1 applied', async () => {
    const d = await admin.call('GetDesired', { id: 'h1' });
    return d.appliedGeneration === 1 ? d : undefined;
  });
  const byId = Object.fromEntries(applied.results.map((r) => [r.id, r]));
  t.equal(byId.a?.ok, true);
  t.equal(byId.a?.action, 'create');
  t.equal(byId['"Bad Name!"']?.ok, false);
  t.equal(byId['"Bad Name!"']?.code, 'PLINTH_E_INVALID_ARGUMENT');
  t.match(byId.nosuch?.message, /no driver on this host handles "nosuch"/);
  t.same(fake.state.widgets, ['a', 'b']);
  await waitFor('widgets observed at the coordinator', async () => {
    const d = await admin.call('GetHost', { id: 'h1' });
    return d.objects.filter((o) => o.kind === 'fake.widget').length === 2;
  });

  // A stale generation from the agent's point of view is never acted on.
  const cmd = await admin.call('RunCommand', {
    hostId: 'h1',
    kind: 'fake.echo',
    argsJson: '{"x":1}',
    timeoutMs: 5000,
  });
  t.equal(cmd.ok, true);
  t.same(JSON.parse(cmd.resultJson), { echoed: { x: 1 } });
  const bad = await admin.call('RunCommand', {
    hostId: 'h1',
    kind: 'nosuch.thing',
    argsJson: '{}',
    timeoutMs: 5000,
  });
  t.equal(bad.ok, false);
  t.match(bad.message, /no enabled driver on host h1 handles command "nosuch.thing"/);

  // Agent restart: same incarnation, converged state is a no-op, no duplicate deltas.
  await agent.stop();
  const fake2 = fakeDriver(['a', 'b']);
  agent = await startTestAgent(pki, {
    hostId: 'h1',
    coordinatorPort: coord.port,
    drivers: [fake2.driver],
    dataDir,
  });
  await waitFor('h1 reconnected', async () =>
    (await admin.call('ListHosts', {})).hosts.find((h) => h.id === 'h1' && h.connected),
  );
  await waitFor('held desired state re-applied after restart', () => fake2.state.applies > 0);
  t.same(fake2.state.widgets, ['a', 'b'], 'the held desired state converges to the same widgets');

  const events = await admin.call('ListEvents', { afterId: 0, limit: 100, hostId: 'h1' });
  t.ok(
    events.events.some((e) => e.type === 'host.state' && /unknown -> ready/.test(e.message)),
    'the ready transition is in the event log',
  );
  t.ok(
    events.events.some((e) => e.type === 'host.desired'),
    'the desired-state change is in the event log',
  );
});

t.test(
  'cut off from the coordinator, a restarted agent enforces the desired state it holds',
  async (t) => {
    const pki = await TestPki.create();
    t.teardown(() => pki.cleanup());
    const dataDir = join(pki.dir, 'agent-h2');
    const coordDir = join(pki.dir, 'coord');
    let coord = await startTestCoordinator(pki, { dataDir: coordDir });
    const port = coord.port;
    const admin = await testAdmin(pki, port);
    t.teardown(() => admin.close());
    const fake = fakeDriver();
    let agent = await startTestAgent(pki, {
      hostId: 'h2',
      coordinatorPort: port,
      drivers: [fake.driver],
      dataDir,
    });
    await waitFor('h2 ready', async () =>
      (await admin.call('ListHosts', {})).hosts.find((h) => h.id === 'h2' && h.state === 'ready'),
    );
    await admin.call('SetDesired', { id: 'h2', specJson: JSON.stringify({ widgets: ['x', 'y'] }) });
    await waitFor(
      'applied',
      async () => (await admin.call('GetDesired', { id: 'h2' })).appliedGeneration === 1,
    );

    // The coordinator goes away; the agent restarts on a "rebooted host" (empty widgets).
    await coord.stop();
    await agent.stop();
    const rebooted = fakeDriver();
    agent = await startTestAgent(pki, {
      hostId: 'h2',
      coordinatorPort: port,
      drivers: [rebooted.driver],
      dataDir,
    });
    t.teardown(() => agent.stop());
    await waitFor(
      'widgets restored from the local snapshot alone',
      () => rebooted.state.widgets.length === 2,
    );
    t.same(rebooted.state.widgets, ['x', 'y']);
    t.not(agent.streamState(), 'connected', 'and it did so while disconnected');

    // The coordinator comes back on the same port and store: the host is not down, and catches up.
    coord = await startTestCoordinator(pki, {
      dataDir: coordDir,
      listen: `127.0.0.1:${port}`,
      startupGraceSeconds: 30,
    });
    t.teardown(() => coord.stop());
    const back = await waitFor(
      'h2 ready again',
      async () =>
        (await admin.call('ListHosts', {})).hosts.find((h) => h.id === 'h2' && h.state === 'ready'),
      { timeoutMs: 15_000 },
    );
    t.equal(back.appliedGeneration, 1);
    const events = await admin.call('ListEvents', { afterId: 0, limit: 500, hostId: 'h2' });
    t.notOk(
      events.events.some((e) => e.type === 'host.state' && /-> down/.test(e.message)),
      'the coordinator restart marked nothing down',
    );
  },
);

t.test('silence makes a host suspect, then down; events say why', async (t) => {
  const pki = await TestPki.create();
  t.teardown(() => pki.cleanup());
  const coord = await startTestCoordinator(pki, {
    suspectAfterSeconds: 0.6,
    downAfterSeconds: 1.2,
  });
  t.teardown(() => coord.stop());
  const admin = await testAdmin(pki, coord.port);
  t.teardown(() => admin.close());
  const agent = await startTestAgent(pki, {
    hostId: 'h3',
    coordinatorPort: coord.port,
    drivers: [fakeDriver().driver],
  });
  await waitFor('h3 ready', async () =>
    (await admin.call('ListHosts', {})).hosts.find((h) => h.id === 'h3' && h.state === 'ready'),
  );
  await agent.stop();
  await waitFor(
    'h3 down',
    async () =>
      (await admin.call('ListHosts', {})).hosts.find((h) => h.id === 'h3' && h.state === 'down'),
    { timeoutMs: 5000 },
  );
  const events = (
    await admin.call('ListEvents', { afterId: 0, limit: 100, hostId: 'h3' })
  ).events.map((e) => e.message);
  t.ok(
    events.some((m) => /ready -> suspect \(no message for \d/.test(m)),
    'suspect first',
  );
  t.ok(
    events.some((m) => /suspect -> down/.test(m)),
    'then down',
  );
});
