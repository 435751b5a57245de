import t from 'tap';
import { silentLog } from '../../../lib/log.js';
import type { JsonObject } from '../../../lib/json.js';
import { resolveSchedulerConfig } from '../../../coordinator/scheduler/config.js';
import { PlacementEngine } from '../../../coordinator/scheduler/engine.js';
import { defaultVmsConfig, networkMap, type VmsConfig } from '../../../coordinator/vms/config.js';
import { createVmService } from '../../../coordinator/vms/service.js';
import type { DrainProgress } from '../../../coordinator/vms/types.js';
import { PlinthError } from '../../../lib/errors.js';
import { startTestAgent, startTestCoordinator, TestPki } from '../../harness/spine.js';
import { waitFor } from '../../harness/wait.js';
import { fakeHypervisor } from '../../harness/fake-hypervisor.js';

/**
 * The VM service over a real coordinator (store, gateway, cluster) and three real
 * agents: desired documents travel the real stream, statuses move only on real acks
 * and observations. The lab scenarios, shortened: a hard anti-affinity group
 * of 3 on 3 hosts, cordon, drain of shared-disk VMs, delete everything.
 */
const HOSTS = ['plv-h1', 'plv-h2', 'plv-h3'];
const pki = await TestPki.create('plv-vms-');
t.teardown(() => pki.cleanup());
const coord = await startTestCoordinator(pki);
t.teardown(() => coord.stop());
// One VM service per store: this test runs its own (its own networks config). The
// coordinator's would otherwise also finish deletes through its own engine, whose
// claim map never saw this test's claims, leaving claim rows behind.
coord.vms.close();
const hv = new Map<string, ReturnType<typeof fakeHypervisor>>();
for (const id of HOSTS) {
  const h = fakeHypervisor({ cpus: 4, memoryMiB: 8192, bridge: 'br-plv' });
  hv.set(id, h);
  const agent = await startTestAgent(pki, {
    hostId: id,
    coordinatorPort: coord.port,
    drivers: [h.driver],
  });
  t.teardown(() => agent.stop());
}
await waitFor('three hosts ready', () => HOSTS.every((h) => coord.cluster.state(h) === 'ready'), {
  timeoutMs: 20_000,
});
await waitFor('bridges observed', () =>
  HOSTS.every((h) => coord.store.objectsOfKind(h, 'ovs.bridge').length === 1),
);

const config: VmsConfig = {
  ...defaultVmsConfig,
  networks: { prod: 'br-plv:100' },
  reconcileIntervalSeconds: 1,
  deleteTimeoutSeconds: 15,
};
const engine = new PlacementEngine({
  store: coord.store,
  liveness: coord.cluster,
  config: resolveSchedulerConfig({ reservedMemoryMiB: 0 }),
  networks: networkMap(config.networks),
  now: Date.now,
  log: silentLog(),
});
const vms = createVmService(
  { store: coord.store, cluster: coord.cluster, engine, log: silentLog() },
  config,
);
vms.run();
t.teardown(() => {
  vms.close();
  engine.close();
});

const spec = (name: string, over: JsonObject = {}) => ({
  name,
  vcpus: 1,
  memoryMiB: 256,
  disks: [{ sizeGiB: 1, shared: true }],
  nics: [{ network: 'prod' }],
  ...over,
});
const statusOf = (name: string) => vms.list().find((v) => v.name === name)?.status;
const running = (names: string[]) =>
  waitFor(`${names.join(', ')} running`, () => names.every((n) => statusOf(n) === 'running'), {
    timeoutMs: 15_000,
  });

t.test(
  'a hard anti-affinity group of 3: three place, three are rejected with the table',
  async (t) => {
    const group = { name: 'web', policy: 'anti-affinity', scope: 'host', hard: true };
    const out = await Promise.allSettled(
      [1, 2, 3, 4, 5, 6].map((i) => vms.create(spec(`web-${i}`, { group }))),
    );
    const ok = out.filter((r) => r.status === 'fulfilled');
    const no = out.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    t.equal(ok.length, 3);
    t.equal(no.length, 3);
    for (const r of no) {
      const e = r.reason as PlinthError;
      t.equal(e.code, 'PLINTH_E_CAPACITY');
      t.match(e.message, /group/);
    }
    const names = vms.list().map((v) => v.name);
    await running(names);
    t.equal(new Set(vms.list().map((v) => v.hostId)).size, 3, 'one per host');
    for (const v of vms.list()) {
      t.equal(
        hv.get(v.hostId!)!.domains.get(v.uuid)?.state,
        'running',
        `${v.name} runs on ${v.hostId}`,
      );
      const heldOf = () =>
        coord.store.objectsOfKind(v.hostId!, 'agent.assignment').find((o) => o.id === v.uuid);
      await waitFor(`${v.hostId} reports ${v.name}'s assignment`, () => heldOf() !== undefined, {
        timeoutMs: 15_000,
        intervalMs: 100,
      });
      t.equal(heldOf()!.data.token, v.fenceToken, `${v.hostId} holds ${v.name}'s fence token`);
    }
    const hist = vms.get(names[0]!).history.map((h) => h.status);
    t.same(hist.slice(0, 1), ['placed']);
    t.equal(hist.at(-1), 'running');
  },
);

t.test('an apply error fails the VM with the agent reason', async (t) => {
  hv.get('plv-h1')!.failing.add('broken');
  hv.get('plv-h2')!.failing.add('broken');
  hv.get('plv-h3')!.failing.add('broken');
  await vms.create(spec('broken'));
  await waitFor('failed', () => statusOf('broken') === 'failed', { timeoutMs: 15_000 });
  t.match(vms.get('broken').reason, /PLINTH_E_NOT_FOUND: broken: boot\.kernel does not exist/);
  await vms.delete('broken');
});

t.test('stop and start follow observation', async (t) => {
  await vms.stop('web-1');
  await waitFor('stopped', () => statusOf('web-1') === 'stopped', { timeoutMs: 15_000 });
  const v = vms.get('web-1');
  t.equal(hv.get(v.hostId!)!.domains.get(v.uuid)?.state, 'shutoff');
  await vms.start('web-1');
  await running(['web-1']);
});

t.test('cordon: nothing new lands on the host', async (t) => {
  vms.cordon('plv-h1', true, 'test');
  for (const i of [1, 2, 3]) t.not((await vms.create(spec(`c-${i}`))).vm.hostId, 'plv-h1');
  vms.cordon('plv-h1', false);
  await running(['c-1', 'c-2', 'c-3']);
});

t.test(
  'drain: shared-disk VMs run elsewhere; local disks and hard groups are refused',
  async (t) => {
    const host = vms.get('c-1').hostId!;
    const others = HOSTS.filter((h) => h !== host);
    for (const h of others) vms.cordon(h, true, 'pin the next VMs to the drained host');
    await vms.create(spec('local-1', { disks: [{ sizeGiB: 1 }] }));
    await vms.create(spec('s-extra'));
    for (const h of others) vms.cordon(h, false);
    await running(['local-1', 's-extra']);
    const onHost = vms.vmsOnHost(host).map((v) => v.name);
    const shared = onHost.filter((n) => n !== 'local-1' && !n.startsWith('web-'));
    const grouped = onHost.filter((n) => n.startsWith('web-'));
    t.ok(shared.includes('c-1'));
    const progress: DrainProgress[] = [];
    const r = await vms.drain(host, { deadlineMs: 30_000, parallel: 2 }, (p) => progress.push(p));
    t.same(r.moved.sort(), shared.sort(), 'every movable VM moved');
    t.same(
      r.refused.map((x) => x.vm),
      ['local-1'],
    );
    t.match(r.refused[0]!.reason, /local to/);
    t.same(
      r.failed.map((x) => x.vm),
      grouped,
      'the hard anti-affinity member has no host to go to',
    );
    for (const f of r.failed) t.match(f.reason, /group/);
    t.same(r.left, []);
    for (const n of r.moved) {
      t.equal(statusOf(n), 'running');
      t.not(vms.get(n).hostId, host);
    }
    for (const n of grouped) t.equal(statusOf(n), 'running', `${n} was not stopped`);
    const domains = [...hv.get(host)!.domains.values()].map((d) => d.name).sort();
    t.same(
      domains,
      vms
        .vmsOnHost(host)
        .map((v) => v.name)
        .sort(),
      'the host runs only what is still assigned to it',
    );
    t.ok(progress.some((p) => p.step === 'done'));
    vms.cordon(host, false);
  },
);

t.test('delete everything: the hosts are clean', async (t) => {
  await Promise.all(vms.list().map((v) => vms.delete(v.name)));
  t.same(vms.list(), []);
  for (const h of HOSTS) {
    t.equal(hv.get(h)!.domains.size, 0, `${h}: no domains`);
    const d = coord.store.getDesired(h)!.spec;
    t.same(d.domains, []);
    t.same(d.assignments, {});
  }
  t.equal((coord.store.db.prepare('SELECT COUNT(*) AS n FROM claims').get() as { n: number }).n, 0);
});
