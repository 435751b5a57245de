import t from 'tap';
import { ipmiSimUnavailableReason, startIpmiSim } from '../../harness/ipmi-sim.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { vmRecord } from '../../unit/evacuation/fakes.js';
import { deadUdpPort, startFailoverCluster } from './failover-cluster.js';

/**
 * Host loss through the real coordinator: real liveness (short timeouts), the real
 * fencing service over ipmitool against a real ipmi_sim, the evacuation controller,
 * and an in-memory VM directory that records what it is asked to do.
 */
const why = await ipmiSimUnavailableReason();
if (why) t.plan(0, `skipped: ${why}`);
else {
  t.test('host goes silent: down, fenced (BMC reads off), then relocated once', async (t) => {
    const sim = await startIpmiSim({ power: 'on', sensors: [] });
    t.teardown(() => sim.stop());
    const c = await startFailoverCluster({
      hosts: ['h1', 'h2', 'h3'],
      vms: [
        vmRecord('a', 'h1', 'restart-after-fence'),
        vmRecord('b', 'h1', 'keep'),
        vmRecord('c', 'h1', 'replace', false),
        vmRecord('d', 'h2', 'restart-after-fence'),
      ],
      powerOf: async (h) => (h === 'h1' ? sim.powerState() : 'n/a'),
    });
    t.teardown(() => c.stop());
    c.setIpmiBmc('h1', sim.port, sim.user, sim.password);

    const last = c.silence('h1');
    await waitFor('two relocations', () => c.dir.relocations() === 2, { timeoutMs: 20_000 });
    await sleep(600);
    t.equal(await sim.powerState(), 'off', 'the BMC reads off');
    t.equal(c.dir.relocations('a'), 1, 'restart-after-fence relocated exactly once');
    t.equal(c.dir.relocations('c'), 1, 'replace relocated exactly once');
    t.equal(c.dir.relocations('b'), 0, 'keep never');
    t.equal(c.dir.relocations('d'), 0, 'nothing from the healthy host');
    t.same(
      c.relocateCalls.map((r) => r.power),
      ['off', 'off'],
      'at every relocate call the lost host was already off',
    );
    t.not(c.dir.vms.get('a')!.hostId, 'h1');
    t.equal(c.dir.vms.get('b')!.hostId, 'h1', 'the keep VM waits on its host');

    const events = c.coord.store.listEvents(0, 1000, 'h1').map((e) => e.type);
    for (const ty of [
      'evacuation.started',
      'fence.done',
      'evacuation.fence.ok',
      'evacuation.vm.relocated',
      'evacuation.done',
    ])
      t.ok(events.includes(ty), `event ${ty}`);
    const suspect = c.stateAt('h1', 'suspect')!;
    const down = c.stateAt('h1', 'down')!;
    t.ok(suspect < down, 'ready -> suspect -> down');
    t.ok(
      events.indexOf('evacuation.fence.ok') < events.indexOf('evacuation.vm.relocated'),
      'fence confirmed before the first relocation',
    );
    const first = Math.min(...c.relocateCalls.map((r) => r.atMs));
    t.comment(
      `last heartbeat -> down ${Math.round(down - last)} ms, down -> first relocate ${Math.round(first - down)} ms`,
    );
  });

  t.test('BMC unreachable: nothing moves, the VM is flagged, the operator is told', async (t) => {
    const c = await startFailoverCluster({
      hosts: ['h1', 'h2', 'h3'],
      vms: [vmRecord('a', 'h1', 'restart-after-fence'), vmRecord('b', 'h1', 'keep')],
      fence: { deadlineMs: 3000, retries: 1, bmcTimeoutMs: 1500 },
    });
    t.teardown(() => c.stop());
    c.setIpmiBmc('h1', await deadUdpPort(), 'admin', 'secret-pw');
    c.silence('h1');
    await waitFor(
      'the fence failure',
      () =>
        c.coord.store.listEvents(0, 1000, 'h1').find((e) => e.type === 'evacuation.fence.failed'),
      { timeoutMs: 20_000 },
    );
    await waitFor('the flag', () => c.dir.vms.get('a')!.flags.includes('fence-failed'));
    await sleep(1000);
    t.equal(c.dir.relocations(), 0, 'relocate never called');
    t.equal(c.dir.vms.get('a')!.hostId, 'h1', 'the VM stays where it is');
    t.same(c.dir.vms.get('b')!.flags, [], 'a keep VM is not flagged');
    const ev = c.coord.store
      .listEvents(0, 1000, 'h1')
      .find((e) => e.type === 'evacuation.fence.failed')!;
    t.equal(ev.severity, 'critical');
    t.match(ev.message, /PLINTH_E_(BMC_UNAVAILABLE|FENCE_FAILED)/, 'the error code');
    t.match(ev.message, 'plinth host confirm-off h1 --yes', 'what to do: not the same BMC again');
    const flag = c.dir.calls.find((x) => x.op === 'flag')!;
    t.match(flag.arg, 'fence-failed: fencing h1 failed');
  });

  t.test('2 of 3 hosts silent at once: the brake holds, nothing fenced or moved', async (t) => {
    const sim = await startIpmiSim({ power: 'on', sensors: [] });
    t.teardown(() => sim.stop());
    const c = await startFailoverCluster({
      hosts: ['h1', 'h2', 'h3'],
      vms: [vmRecord('a', 'h1', 'restart-after-fence'), vmRecord('d', 'h2', 'replace')],
    });
    t.teardown(() => c.stop());
    c.setIpmiBmc('h1', sim.port, sim.user, sim.password);
    c.silence('h1');
    c.silence('h2');
    await waitFor('both down', () =>
      ['h1', 'h2'].every((h) => c.coord.cluster.state(h) === 'down'),
    );
    await sleep(1500);
    const all = c.coord.store.listEvents(0, 1000);
    const brake = all.find((e) => e.type === 'evacuation.brake.engaged');
    t.ok(brake, 'brake engaged');
    t.match(brake?.message, '2 of 3 hosts');
    t.equal(c.dir.relocations(), 0, 'nothing relocated');
    t.notOk(
      all.some((e) => e.type === 'fence.start'),
      'nothing fenced',
    );
    t.equal(await sim.powerState(), 'on', 'the BMC was never told to power off');
    t.match(c.controller.status().brake, { engaged: true, by: 'auto' });
  });
}
