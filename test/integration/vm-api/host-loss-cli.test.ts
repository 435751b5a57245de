import t from 'tap';
import { startTestAgent, startTestCoordinator, testAdmin, TestPki } from '../../harness/spine.js';
import { waitFor } from '../../harness/wait.js';
import { fakeHypervisor } from '../../harness/fake-hypervisor.js';
import { runVmCli } from './harness.js';

/**
 * The operator's ways out of host-loss states, end to end through a real
 * coordinator (VM service, evacuation controller, fencing service, Admin API) and
 * the CLI: a host dies with no BMC configured, so fencing fails and the VM that
 * should move is flagged; `host confirm-off` lets it move; `vm delete --force`
 * forgets the VM that waits for the dead host; the brake can be held and released.
 */
const H1 = 'plh-h1';
const H2 = 'plh-h2';

const pki = await TestPki.create('plh-hostloss-');
t.teardown(() => pki.cleanup());
const coord = await startTestCoordinator(pki, { suspectAfterSeconds: 1, downAfterSeconds: 2 });
t.teardown(() => coord.stop());
const admin = await testAdmin(pki, coord.port);
t.teardown(() => admin.close());
const agents = new Map<string, Awaited<ReturnType<typeof startTestAgent>>>();
for (const id of [H1, H2]) {
  const lv = fakeHypervisor({ cpus: 2, memoryMiB: 4096 });
  const agent = await startTestAgent(pki, {
    hostId: id,
    coordinatorPort: coord.port,
    drivers: [lv.driver],
  });
  agents.set(id, agent);
  t.teardown(() => agent.stop());
}
await waitFor(
  'two ready hosts',
  async () =>
    (await admin.call('ListHosts', {})).hosts.filter((h) => h.state === 'ready').length === 2,
  { timeoutMs: 20_000, intervalMs: 100 },
);
const files = await pki.issue('admin', 'plh-operator');
const target = { coordinator: `127.0.0.1:${coord.port}`, ...files };
const cli = (...args: string[]) =>
  runVmCli(args, target, { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 200))) });

interface StatusJson {
  brakeEngaged: boolean;
  hosts: {
    hostId: string;
    state: string;
    fencePhase: string;
    fenceManual: boolean;
    fenceBy: string;
    waiting: { vm: string; reason: string }[];
  }[];
}
const status = async () =>
  JSON.parse((await cli('evacuation', 'status', '--json')).stdout) as StatusJson;

t.test('a dead host without a BMC: status, confirm-off, force delete, brake', async (t) => {
  t.equal((await cli('host', 'cordon', H2)).code, 0);
  for (const [name, policy, disk] of [
    ['plh-keep', 'keep', 'size=1G'],
    ['plh-move', 'restart-after-fence', 'size=1G,shared'],
  ] as const) {
    const r = await cli(
      'vm',
      'create',
      name,
      '--vcpus',
      '1',
      '--memory',
      '128MiB',
      '--disk',
      disk,
      '--on-host-failure',
      policy,
      '--wait',
      '--timeout',
      '30s',
    );
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, new RegExp(`${name}: running on ${H1}`));
  }
  t.equal((await cli('host', 'uncordon', H2)).code, 0);

  const before = await cli('evacuation', 'status');
  t.equal(before.code, 0, before.stderr);
  t.match(before.stdout, /brake:\s+released/);
  t.match(before.stdout, /no lost hosts/);

  await agents.get(H1)!.stop();
  await waitFor('h1 down', async () => coord.cluster.state(H1) === 'down', {
    timeoutMs: 15_000,
    intervalMs: 100,
  });

  const list = await cli('vm', 'list', '--host', H1);
  t.match(list.stdout, /plh-keep\s+running \(host down\)/, 'not shown as plainly running');
  const listJson = JSON.parse((await cli('vm', 'list', '--json')).stdout) as {
    name: string;
    hostState: string;
  }[];
  t.same(
    listJson.map((v) => [v.name, v.hostState]),
    [
      ['plh-keep', 'down'],
      ['plh-move', 'down'],
    ],
  );
  t.match((await cli('vm', 'show', 'plh-keep')).stdout, /\(down, fence token/);

  // No BMC: the fence fails, the movable VM is flagged and stays.
  await waitFor(
    'fence failed',
    async () => (await status()).hosts.some((h) => h.hostId === H1 && h.fencePhase === 'failed'),
    { timeoutMs: 15_000, intervalMs: 200 },
  );
  const text = await cli('evacuation', 'status');
  t.match(text.stdout, new RegExp(`host ${H1}: down, FAILED PLINTH_E_NOT_FOUND`));
  t.match(text.stdout, /plh-move\s+flagged/);
  t.match(text.stdout, /plh-keep\s+policy-keep/);
  t.match(text.stdout, new RegExp(`plinth host confirm-off ${H1} --yes`));

  const refused = await cli('vm', 'delete', 'plh-keep', '--force');
  t.equal(refused.code, 1);
  t.match(refused.stderr, /not confirmed powered off/);
  t.match(refused.stderr, /PLINTH_E_CONFLICT/);

  const noYes = await cli('host', 'confirm-off', H1);
  t.equal(noYes.code, 2, 'refused without --yes');
  t.match(noYes.stderr, /without --yes/);
  const notDown = await cli('host', 'confirm-off', H2, '--yes');
  t.equal(notDown.code, 1);
  t.match(notDown.stderr, /is ready, not down/);

  const ok = await cli('host', 'confirm-off', H1, '--yes');
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /plh-operator confirmed plh-h1 powered off/);
  await waitFor(
    'plh-move relocated to h2',
    async () =>
      (await admin.call('ListEvents', { hostId: H1, limit: 200 })).events.some(
        (e) => e.type === 'evacuation.vm.relocated',
      ),
    { timeoutMs: 15_000, intervalMs: 200 },
  );
  const after = await status();
  const h1 = after.hosts.find((h) => h.hostId === H1)!;
  t.equal(h1.fencePhase, 'ok');
  t.equal(h1.fenceManual, true);
  t.equal(h1.fenceBy, 'plh-operator');
  const events = (await admin.call('ListEvents', { hostId: H1, limit: 200 })).events;
  t.ok(
    events.some(
      (e) => e.type === 'evacuation.fence.ok' && /plh-operator confirmed by hand/.test(e.message),
    ),
    'recorded as an event with who',
  );

  const forced = await cli('vm', 'delete', 'plh-keep', '--force', '--json');
  t.equal(forced.code, 0, forced.stderr);
  t.match(JSON.parse(forced.stdout), { name: 'plh-keep', deleted: true, forced: true });
  const names = JSON.parse((await cli('vm', 'list', '--json')).stdout) as { name: string }[];
  t.same(
    names.map((v) => v.name),
    ['plh-move'],
    'the waiting VM is forgotten',
  );
  const claims = coord.store.db
    .prepare('SELECT vm_name AS vm FROM claims ORDER BY vm_name')
    .all() as { vm: string }[];
  t.same(
    claims.map((c) => c.vm),
    ['plh-move'],
    'its claim released',
  );

  const hold = await cli('evacuation', 'brake', 'hold');
  t.equal(hold.code, 0, hold.stderr);
  t.match(hold.stdout, /brake engaged \(held by plh-operator\)/);
  t.equal((await status()).brakeEngaged, true);
  const bad = await cli('evacuation', 'brake', 'maybe');
  t.equal(bad.code, 2);
  const release = await cli('evacuation', 'brake', 'release');
  t.match(release.stdout, /brake released/);
  t.equal((await status()).brakeEngaged, false);
});
