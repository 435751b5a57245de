import t from 'tap';
import type { Driver, DriverContext } from '../../../agent/drivers/driver.js';
import { createLibvirtDriver } from '../../../agent/drivers/libvirt/index.js';
import { silentLog } from '../../../lib/log.js';
import { resolveSchedulerConfig } from '../../../coordinator/scheduler/config.js';
import { PlacementEngine } from '../../../coordinator/scheduler/engine.js';
import { defaultVmsConfig } from '../../../coordinator/vms/config.js';
import { createVmService } from '../../../coordinator/vms/service.js';
import { buildGuestImage, guestImageMissing } from '../../harness/guest-image.js';
import { domState, libvirtMissing, startLibvirt } from '../../harness/libvirt.js';
import { startTestAgent, startTestCoordinator, TestPki } from '../../harness/spine.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../libvirt/context.js';

/**
 * One VM through its whole life on a real libvirtd (private instance, TCG guest):
 * create -> placed -> starting -> running, stop -> stopped, start -> running,
 * delete -> the domain is gone from libvirt. Every status comes from what the real
 * agent acknowledged and its libvirt driver observed.
 */
const missing = libvirtMissing() ?? guestImageMissing();
if (missing) {
  t.plan(0, missing);
} else {
  const image = await buildGuestImage();
  const lv = await startLibvirt({ prefix: 'plv-lv' });
  t.teardown(() => lv.stop());
  const pki = await TestPki.create('plv-vmlv-');
  t.teardown(() => pki.cleanup());
  const coord = await startTestCoordinator(pki);
  t.teardown(() => coord.stop());
  // One VM service per store: this test runs its own (see lifecycle.test.ts).
  coord.vms.close();
  const agent = await startTestAgent(pki, {
    hostId: 'plv-lv1',
    coordinatorPort: coord.port,
    // createAgent also takes a factory of drivers given the agent's own contexts (so the
    // driver's markDirty reaches the agent); the harness's type names only the list form.
    drivers: ((contextFor: (name: string) => DriverContext) => [
      createLibvirtDriver(
        contextFor('libvirt'),
        testConfig(lv, image, { poolName: 'plv-pool', shutdownTimeoutMs: 4000 }),
      ),
    ]) as unknown as Driver[],
  });
  t.teardown(() => agent.stop());
  await waitFor(
    'host ready with its libvirt inventory',
    () => {
      const h = coord.store.getHost('plv-lv1');
      return (
        coord.cluster.state('plv-lv1') === 'ready' &&
        JSON.stringify(h?.inventory ?? {}).includes('domainTypes')
      );
    },
    { timeoutMs: 30_000 },
  );

  const engine = new PlacementEngine({
    store: coord.store,
    liveness: coord.cluster,
    config: resolveSchedulerConfig({ reservedMemoryMiB: 0 }),
    networks: {},
    now: Date.now,
    log: silentLog(),
  });
  const vms = createVmService(
    { store: coord.store, cluster: coord.cluster, engine, log: silentLog() },
    {
      ...defaultVmsConfig,
      defaultDomainType: 'qemu',
      reconcileIntervalSeconds: 1,
      deleteTimeoutSeconds: 60,
    },
  );
  vms.run();
  t.teardown(() => {
    vms.close();
    engine.close();
  });
  const status = () => vms.list().find((v) => v.name === 'plv-vm1')?.status;
  const state = () => domState(lv, 'plv-vm1');

  t.test('create -> running on libvirt', async (t) => {
    const { vm } = await vms.create({
      name: 'plv-vm1',
      vcpus: 1,
      memoryMiB: 128,
      disks: [{ name: 'root', sizeGiB: 1 }],
      boot: { kernel: image.kernel, initrd: image.initrd, cmdline: image.cmdline },
    });
    t.equal(vm.status, 'placed');
    await waitFor('running', () => status() === 'running', { timeoutMs: 60_000, intervalMs: 100 });
    t.equal(await state(), 'running');
    const history = vms.get('plv-vm1').history.map((h) => h.status);
    t.equal(history[0], 'placed');
    t.equal(history.at(-1), 'running');
    t.ok(
      history.every((s) => ['placed', 'starting', 'running'].includes(s)),
      history.join(' -> '),
    );
  });

  t.test('stop -> stopped; start -> running', async (t) => {
    await vms.stop('plv-vm1');
    await waitFor('stopped', () => status() === 'stopped', { timeoutMs: 60_000, intervalMs: 100 });
    t.equal(await state(), 'shut off');
    await vms.start('plv-vm1');
    await waitFor('running again', () => status() === 'running', {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    t.equal(await state(), 'running');
  });

  t.test('delete -> gone from libvirt and from the coordinator', async (t) => {
    await vms.delete('plv-vm1');
    t.equal(vms.list().length, 0);
    t.equal(await state(), 'absent');
    t.equal(coord.store.objectsOfKind('plv-lv1', 'libvirt.domain').length, 0);
  });
}
