import t from 'tap';
import { Registry } from 'prom-client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../../lib/log.js';
import {
  DEFAULT_EVACUATION,
  type EvacuationConfig,
} from '../../../coordinator/evacuation/config.js';
import { createEvacuationController } from '../../../coordinator/evacuation/controller.js';
import { registerEvacuationMetrics } from '../../../coordinator/evacuation/metrics.js';
import {
  memoryProgressStore,
  metaProgressStore,
  type ProgressStore,
} from '../../../coordinator/evacuation/progress.js';
import type { FenceOutcome } from '../../../coordinator/fencing/types.js';
import { CoordinatorStore } from '../../../coordinator/store/store.js';
import {
  failedFence,
  FakeCluster,
  fakeDirectory,
  memoryEvents,
  okFence,
  settle,
  vmRecord,
} from './fakes.js';

const CFG: EvacuationConfig = { ...DEFAULT_EVACUATION, tickSeconds: 60 };

function setup(
  o: {
    hosts?: string[];
    vms?: ReturnType<typeof vmRecord>[];
    fence?: (hostId: string) => FenceOutcome | Promise<FenceOutcome>;
    cfg?: EvacuationConfig;
    progress?: ProgressStore;
    graceMs?: number;
    mono?: { now: number };
  } = {},
) {
  const hosts = o.hosts ?? ['h1', 'h2', 'h3', 'h4'];
  const clock = o.mono ?? { now: 100_000 };
  const cluster = new FakeCluster(hosts, 0);
  const dir = fakeDirectory(
    o.vms ?? [
      vmRecord('a', 'h1', 'restart-after-fence'),
      vmRecord('b', 'h1', 'keep'),
      vmRecord('c', 'h1', 'replace', false),
    ],
    hosts,
  );
  const fences: string[] = [];
  const ctl = createEvacuationController(
    {
      cluster,
      store: memoryEvents(),
      progress: o.progress ?? memoryProgressStore(),
      fencing: {
        async fenceHost(hostId) {
          fences.push(hostId);
          return (o.fence ?? (() => okFence()))(hostId);
        },
      },
      vms: dir,
      log: silentLog(),
      mono: () => clock.now,
      now: () => 1_700_000_000_000 + clock.now,
      startupGraceMs: o.graceMs ?? 0,
    },
    o.cfg ?? CFG,
  );
  ctl.start();
  const types = () => cluster.published.map((e) => e.type);
  return { cluster, dir, fences, ctl, clock, types };
}

t.test(
  'down -> fenced -> restart-after-fence and replace relocated once, keep never',
  async (t) => {
    const { cluster, dir, fences, ctl, types } = setup();
    t.teardown(() => ctl.stop());
    cluster.set('h1', 'suspect');
    await settle();
    t.same(fences, [], 'suspect: nothing');
    t.equal(dir.calls.length, 0);
    cluster.set('h1', 'down');
    await settle(() => dir.relocations() === 2 && types().includes('evacuation.vm.relocated'));
    t.same(fences, ['h1'], 'fenced once');
    t.equal(dir.relocations('a'), 1);
    t.equal(dir.relocations('c'), 1);
    t.equal(dir.relocations('b'), 0, 'keep is never relocated');
    t.same(dir.calls.find((c) => c.op === 'relocate')?.arg, 'h1', 'the lost host is excluded');
    for (let i = 0; i < 3; i++) {
      ctl.tick();
      await settle();
    }
    t.equal(dir.relocations(), 2, 'later passes relocate nothing again');
    t.same(fences, ['h1'], 'nor fence again');
    const seq = types().filter((x) => x.startsWith('evacuation.'));
    t.ok(
      seq.indexOf('evacuation.started') < seq.indexOf('evacuation.fence.ok') &&
        seq.indexOf('evacuation.fence.ok') < seq.indexOf('evacuation.vm.relocated'),
      `events in order: ${seq.join(' ')}`,
    );
    t.ok(types().includes('evacuation.done'));
    const waiting = cluster.published.filter((e) => e.type === 'evacuation.vm.waiting');
    t.same(
      waiting.map((e) => `${e.object?.id} ${String(e.data?.reason)}`).sort(),
      ['a fence-pending', 'b policy-keep', 'c fence-pending'],
      'each waiting VM reported once per reason',
    );
    cluster.set('h1', 'ready');
    await settle(() => types().includes('evacuation.ended'));
    t.match(cluster.published.at(-1)!.message, '2 VM(s) had moved, 1 still on it (b)');
  },
);

t.test('fence fails: VMs stay, flagged, event says what failed; retried; then moved', async (t) => {
  let outcome = failedFence();
  const { cluster, dir, fences, ctl, clock, types } = setup({ fence: () => outcome });
  t.teardown(() => ctl.stop());
  cluster.set('h1', 'down');
  await settle(() => types().includes('evacuation.fence.failed'));
  await settle();
  t.equal(dir.relocations(), 0, 'nothing relocated');
  t.same(
    dir.calls.filter((c) => c.op === 'flag').map((c) => c.vm),
    ['a', 'c'],
    'the VMs that would have moved are flagged',
  );
  t.equal(dir.vms.get('b')!.flags.length, 0, 'keep VMs are not flagged');
  const ev = cluster.published.find((e) => e.type === 'evacuation.fence.failed')!;
  t.equal(ev.severity, 'critical');
  t.match(ev.message, 'PLINTH_E_BMC_UNAVAILABLE');
  t.match(ev.message, 'plinth host confirm-off h1 --yes');
  t.notMatch(ev.message, 'plinth fence h1', 'not the same unreachable BMC again');
  ctl.tick();
  await settle();
  t.equal(fences.length, 1, 'not retried before fenceRetrySeconds');
  outcome = okFence();
  clock.now += CFG.fenceRetrySeconds * 1000;
  ctl.tick();
  await settle(() => dir.relocations() === 2);
  t.equal(fences.length, 2, 'retried once the retry time passed');
  t.same(dir.vms.get('a')!.flags, [], 'unflagged before it moved');
});

t.test('wrong BMC password: no automatic retry; an operator fence lets it proceed', async (t) => {
  const { cluster, dir, fences, ctl, clock, types } = setup({
    fence: () => failedFence('PLINTH_E_BMC_AUTH'),
  });
  t.teardown(() => ctl.stop());
  cluster.set('h1', 'down');
  await settle(() => types().includes('evacuation.fence.failed'));
  clock.now += 3600_000;
  ctl.tick();
  await settle();
  t.equal(fences.length, 1, 'never retried by itself');
  cluster.publish([
    {
      id: 999,
      hostId: 'h1',
      atMs: 0,
      type: 'fence.done',
      severity: 'warning',
      message: 'fence h1: confirmed off',
      data: { ok: true, alreadyOff: false },
    },
  ]);
  await settle(() => dir.relocations() === 2);
  t.pass('the operator fence (plinth fence) released the VMs');
});

t.test('an operator confirms a dead host is off by hand', async (t) => {
  const { cluster, dir, ctl, types } = setup({ fence: () => failedFence() });
  t.teardown(() => ctl.stop());
  t.throws(() => ctl.confirmFenced('h1', 'alice'), /not down/);
  cluster.set('h1', 'down');
  await settle(() => types().includes('evacuation.fence.failed'));
  ctl.confirmFenced('h1', 'alice');
  await settle(() => dir.relocations() === 2);
  t.match(
    cluster.published.find((e) => e.type === 'evacuation.fence.ok')!.message,
    'alice confirmed by hand',
  );
});

t.test('2 of 3 hosts lost at once: brake engaged, nothing fenced or moved', async (t) => {
  const { cluster, dir, fences, ctl, clock, types } = setup({
    hosts: ['h1', 'h2', 'h3'],
    vms: [vmRecord('a', 'h1', 'restart-after-fence'), vmRecord('d', 'h2', 'replace')],
  });
  t.teardown(() => ctl.stop());
  cluster.set('h1', 'suspect');
  cluster.set('h2', 'suspect');
  await settle(() => types().includes('evacuation.brake.engaged'));
  cluster.set('h1', 'down');
  cluster.set('h2', 'down');
  for (let i = 0; i < 3; i++) {
    clock.now += 10_000;
    ctl.tick();
    await settle();
  }
  t.same(fences, [], 'nothing fenced');
  t.equal(dir.relocations(), 0, 'nothing relocated');
  t.ok(
    cluster.published.some((e) => e.type === 'evacuation.vm.waiting' && e.data?.reason === 'brake'),
    'the waiting VMs say why',
  );
  t.match(ctl.status().brake, { engaged: true, by: 'auto' });
  // One comes back; the other is a single failure now: released after a calm window.
  cluster.set('h2', 'ready');
  ctl.tick();
  await settle();
  clock.now += CFG.brake.windowSeconds * 1000;
  ctl.tick();
  await settle(() => dir.relocations('a') === 1);
  t.ok(types().includes('evacuation.brake.released'));
  t.same(fences, ['h1'], 'the host still down is fenced after the release, the other never');
});

t.test('operator hold: no automatic release', async (t) => {
  const { cluster, dir, ctl, clock } = setup();
  t.teardown(() => ctl.stop());
  ctl.brake('engage', 'alice');
  cluster.set('h1', 'down');
  clock.now += 3600_000;
  ctl.tick();
  await settle();
  t.equal(dir.relocations(), 0);
  ctl.brake('release', 'alice');
  await settle(() => dir.relocations() === 2);
  t.pass('released by the operator, the evacuation runs');
});

t.test('rate limit: at most perMinute relocations in 60 s', async (t) => {
  const vms = ['v1', 'v2', 'v3', 'v4', 'v5'].map((n) => vmRecord(n, 'h1', 'restart-after-fence'));
  const { cluster, dir, ctl, clock, types } = setup({
    vms,
    cfg: { ...CFG, rate: { perMinute: 2 } },
  });
  t.teardown(() => ctl.stop());
  cluster.set('h1', 'down');
  await settle(() => dir.relocations() === 2);
  ctl.tick();
  await settle();
  t.equal(dir.relocations(), 2, 'two in the first minute');
  t.ok(
    cluster.published.some(
      (e) => e.type === 'evacuation.vm.waiting' && e.data?.reason === 'rate-limit',
    ),
  );
  clock.now += 60_001;
  ctl.tick();
  await settle(() => dir.relocations() === 4);
  clock.now += 60_001;
  ctl.tick();
  await settle(() => dir.relocations() === 5);
  t.ok(types().includes('evacuation.done'));
});

t.test('a failed relocation is retried later, never while one is in flight', async (t) => {
  const { cluster, dir, ctl, clock, types } = setup({
    vms: [vmRecord('a', 'h1', 'restart-after-fence')],
  });
  t.teardown(() => ctl.stop());
  dir.failNextRelocations(1);
  cluster.set('h1', 'down');
  await settle(() => types().includes('evacuation.vm.relocate-failed'));
  ctl.tick();
  await settle();
  t.equal(dir.relocations(), 1, 'not retried at once');
  let open!: () => void;
  dir.hold(new Promise<void>((r) => (open = r)));
  clock.now += CFG.relocateRetrySeconds * 1000;
  ctl.tick();
  await settle(() => dir.relocations() === 2);
  for (let i = 0; i < 3; i++) {
    ctl.tick();
    await settle();
  }
  t.equal(dir.relocations(), 2, 'a hanging relocation is not issued again');
  dir.hold(undefined);
  open();
  await settle(() => types().includes('evacuation.vm.relocated'));
});

t.test('startup grace: no action', async (t) => {
  const { cluster, dir, fences, ctl, clock } = setup({ graceMs: 200_000 });
  t.teardown(() => ctl.stop());
  cluster.set('h1', 'down');
  ctl.tick();
  await settle();
  t.same(fences, []);
  t.equal(dir.relocations(), 0);
  t.equal(ctl.status().inStartupGrace, true);
  clock.now = 200_001;
  ctl.tick();
  await settle(() => dir.relocations() === 2);
});

t.test('evacuation disabled: reported, nothing done', async (t) => {
  const { cluster, dir, fences, ctl, types } = setup({ cfg: { ...CFG, enabled: false } });
  t.teardown(() => ctl.stop());
  cluster.set('h1', 'down');
  await settle(() => types().includes('evacuation.vm.waiting'));
  t.same(fences, []);
  t.equal(dir.relocations(), 0);
});

t.test('a host that comes back while its fence runs: fence finishes, nothing moves', async (t) => {
  let finish!: (o: FenceOutcome) => void;
  const { cluster, dir, fences, ctl, types } = setup({
    fence: () => new Promise<FenceOutcome>((r) => (finish = r)),
  });
  t.teardown(() => ctl.stop());
  cluster.set('h1', 'down');
  await settle(() => fences.length === 1);
  cluster.set('h1', 'ready');
  finish(failedFence());
  await settle(() => types().includes('evacuation.ended'));
  t.equal(dir.relocations(), 0);
  t.same(
    dir.vms.get('a')!.flags,
    [],
    'a fence-failed flag set meanwhile is cleared once the host is back',
  );
});

t.test(
  'coordinator restart mid-evacuation (real store): nothing lost, nothing twice',
  async (t) => {
    const dirPath = await mkdtemp(join(tmpdir(), 'plf-evac-unit-'));
    t.teardown(() => rm(dirPath, { recursive: true, force: true }));
    const store = new CoordinatorStore(join(dirPath, 'c.db'), silentLog(), () => Date.now());
    t.teardown(() => store.close());
    const vms = ['v1', 'v2', 'v3'].map((n) => vmRecord(n, 'h1', 'restart-after-fence'));
    const clock = { now: 100_000 };
    const one = setup({
      vms,
      cfg: { ...CFG, rate: { perMinute: 1 } },
      progress: metaProgressStore(store.db),
      mono: clock,
    });
    one.cluster.set('h1', 'down');
    await settle(() => one.dir.relocations() === 1);
    await settle(() => one.types().includes('evacuation.vm.relocated'));
    await one.ctl.stop();
    const moved = [...one.dir.vms.values()].filter((v) => v.hostId !== 'h1').map((v) => v.name);
    t.equal(moved.length, 1, 'one moved before the "crash"');

    // A new process: same store, the directory as it was committed, liveness starts over.
    const cluster = new FakeCluster(['h1', 'h2', 'h3', 'h4'], 0);
    cluster.states.set('h1', 'unknown');
    const dir = fakeDirectory([...one.dir.vms.values()], ['h1', 'h2', 'h3', 'h4']);
    const fences: string[] = [];
    const ctl = createEvacuationController(
      {
        cluster,
        store: memoryEvents(),
        progress: metaProgressStore(store.db),
        fencing: {
          fenceHost: async (h) => {
            fences.push(h);
            return okFence(true);
          },
        },
        vms: dir,
        log: silentLog(),
        mono: () => clock.now,
        now: () => clock.now,
        startupGraceMs: 30_000,
      },
      { ...CFG, rate: { perMinute: 10 } },
    );
    t.teardown(() => ctl.stop());
    ctl.start();
    ctl.tick();
    await settle();
    t.same(fences, [], 'nothing during the startup grace');
    cluster.set('h1', 'down');
    await settle(() => dir.relocations() === 2);
    t.same(fences, ['h1'], 'fenced again (already off) before anything moves');
    t.equal(dir.relocations(moved[0]), 0, 'the VM moved before the restart is not moved again');
    t.ok(cluster.published.some((e) => e.type === 'evacuation.resumed'));
    t.notOk(
      cluster.published.some((e) => e.type === 'evacuation.started'),
      'not started twice',
    );
    await settle(() => cluster.published.some((e) => e.type === 'evacuation.done'));
    t.match(
      cluster.published.find((e) => e.type === 'evacuation.done')!.message,
      '3 VM(s) moved',
      'the persisted progress counts the move from before the restart',
    );
  },
);

t.test('a relocation that answers after its host came back leaves no stale progress', async (t) => {
  const progress = memoryProgressStore();
  const { cluster, dir, ctl, types } = setup({
    progress,
    vms: [vmRecord('a', 'h1', 'restart-after-fence')],
  });
  t.teardown(() => ctl.stop());
  let open!: () => void;
  dir.hold(new Promise<void>((r) => (open = r)));
  cluster.set('h1', 'down');
  await settle(() => dir.relocations() === 1);
  t.equal(progress.loadHosts().length, 1, 'progress recorded while it runs');
  cluster.set('h1', 'ready');
  await settle(() => types().includes('evacuation.ended'));
  t.equal(progress.loadHosts().length, 0, 'cleared when the host is back');
  dir.hold(undefined);
  open();
  await settle(() => types().includes('evacuation.vm.relocated'));
  t.equal(progress.loadHosts().length, 0, 'not written again by the late answer');
});

t.test('metrics follow the events and the brake', async (t) => {
  const { cluster, dir, ctl } = setup({ fence: () => failedFence() });
  t.teardown(() => ctl.stop());
  const registry = new Registry();
  cluster.on(
    'event',
    registerEvacuationMetrics(registry, () => ctl),
  );
  cluster.set('h1', 'down');
  await settle(() => dir.vms.get('a')!.flags.includes('fence-failed'));
  ctl.brake('engage', 'alice');
  const text = await registry.metrics();
  t.match(text, 'plinth_coordinator_evacuation_events_total{type="evacuation.fence.failed"} 1');
  t.match(text, 'plinth_coordinator_evacuation_brake_engaged 1');
  t.match(text, 'plinth_coordinator_evacuation_fence_failed_hosts 1');
  t.match(text, 'plinth_coordinator_evacuation_lost_hosts 1');
});
