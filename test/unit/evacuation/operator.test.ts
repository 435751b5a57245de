import t from 'tap';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';
import {
  DEFAULT_EVACUATION,
  type EvacuationConfig,
} from '../../../coordinator/evacuation/config.js';
import {
  createEvacuationController,
  FENCE_FRESH_MS,
} from '../../../coordinator/evacuation/controller.js';
import { memoryProgressStore } from '../../../coordinator/evacuation/progress.js';
import type { FenceOutcome } from '../../../coordinator/fencing/types.js';
import { statusToWire } from '../../../coordinator/api/evacuation-admin.js';
import {
  failedFence,
  FakeCluster,
  fakeDirectory,
  memoryEvents,
  okFence,
  settle,
  vmRecord,
} from './fakes.js';

// The operator's ways out of host-loss states (confirm-off, brake, status) and a
// fence that must not go stale before a held-back relocation.

const CFG: EvacuationConfig = { ...DEFAULT_EVACUATION, tickSeconds: 60 };

type Fence = () => FenceOutcome | Promise<FenceOutcome>;

function setup(o: { vms?: number; fence?: Fence; cfg?: EvacuationConfig } = {}) {
  const hosts = ['h1', 'h2', 'h3', 'h4'];
  const clock = { now: 100_000 };
  const cluster = new FakeCluster(hosts, 0);
  const dir = fakeDirectory(
    Array.from({ length: o.vms ?? 2 }, (_, i) =>
      vmRecord(`v${i + 1}`, 'h1', 'restart-after-fence'),
    ),
    hosts,
  );
  const log: string[] = [];
  let fence: Fence = o.fence ?? (() => okFence());
  const ctl = createEvacuationController(
    {
      cluster,
      store: memoryEvents(),
      progress: memoryProgressStore(),
      fencing: {
        async fenceHost(hostId) {
          log.push(`fence ${hostId}`);
          return fence();
        },
      },
      vms: {
        ...dir,
        async relocate(name, opts) {
          log.push(`relocate ${name}`);
          return dir.relocate(name, opts);
        },
      },
      log: silentLog(),
      mono: () => clock.now,
      now: () => 1_700_000_000_000 + clock.now,
      startupGraceMs: 0,
    },
    o.cfg ?? CFG,
  );
  ctl.start();
  const types = () => cluster.published.map((e) => e.type);
  return {
    cluster,
    dir,
    ctl,
    clock,
    log,
    types,
    setFence: (f: Fence) => (fence = f),
  };
}

t.test('confirm-off: stable error codes, an event with who, flagged VMs move', async (t) => {
  const { cluster, dir, ctl, types } = setup({ fence: () => failedFence() });
  t.teardown(() => ctl.stop());
  const notDown = t.throws(() => ctl.confirmFenced('h1', 'alice')) as unknown as PlinthError;
  t.ok(notDown instanceof PlinthError, 'a PlinthError');
  t.equal(notDown.code, ErrorCodes.CONFLICT);
  t.match(notDown.message, 'h1 is ready, not down');
  t.equal(ctl.fencedBy('h1'), undefined);

  cluster.set('h1', 'down');
  await settle(() => types().includes('evacuation.fence.failed'));
  t.same(
    [...dir.vms.values()].map((v) => v.flags),
    [['fence-failed'], ['fence-failed']],
    'flagged',
  );
  const st = ctl.status();
  t.equal(st.hosts[0]!.fence.phase, 'failed');
  t.same(
    st.hosts[0]!.waiting.map((w) => w.reason),
    ['fence-failed', 'fence-failed'],
  );
  t.equal(ctl.fencedBy('h1'), undefined, 'a failed fence is no fence');

  t.same(ctl.confirmFenced('h1', 'alice'), { hostId: 'h1', by: 'alice' });
  await settle(() => dir.relocations() === 2);
  const ev = cluster.published.find((e) => e.type === 'evacuation.fence.ok')!;
  t.match(ev.message, 'alice confirmed by hand');
  t.same(ev.data, { manual: true, by: 'alice' });
  t.same(
    [...dir.vms.values()].map((v) => v.flags),
    [[], []],
    'flags cleared',
  );
  t.equal(ctl.fencedBy('h1'), 'alice (confirm-off)');
  const wire = statusToWire(ctl.status());
  t.equal(wire.hosts![0]!.fencePhase, 'ok');
  t.equal(wire.hosts![0]!.fenceManual, true);
  t.equal(wire.hosts![0]!.fenceBy, 'alice');
  t.same(
    wire.hosts![0]!.relocated!.map((r) => r.vm),
    ['v1', 'v2'],
  );

  cluster.set('h1', 'ready');
  await settle(() => types().includes('evacuation.ended'));
  t.equal(ctl.fencedBy('h1'), undefined, 'the statement ends with the episode');
});

t.test('confirm-off refused while a BMC fence runs', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const s = setup();
  t.teardown(() => s.ctl.stop());
  s.setFence(() => gate.then(() => okFence()));
  s.cluster.set('h1', 'down');
  await settle(() => s.log.includes('fence h1'));
  const e = t.throws(() => s.ctl.confirmFenced('h1', 'alice')) as unknown as PlinthError;
  t.equal(e.code, ErrorCodes.CONFLICT);
  t.match(e.message, 'is running');
  t.equal(s.ctl.status().hosts[0]!.fence.phase, 'running');
  release();
  await settle(() => s.dir.relocations() === 2);
  t.equal(s.ctl.fencedBy('h1'), 'evacuation', 'the BMC fence counts');
});

t.test('operator brake hold and release, through status', async (t) => {
  const { cluster, dir, ctl, log } = setup();
  t.teardown(() => ctl.stop());
  const held = ctl.brake('engage', 'alice');
  t.equal(held.engaged, true);
  t.equal(held.by, 'operator', 'an operator hold: no automatic release');
  t.match(held.reason, 'held by alice');
  cluster.set('h1', 'down');
  await settle();
  t.equal(dir.relocations(), 0, 'held: nothing moves');
  t.same(log, [], 'held: nothing fenced');
  const wire = statusToWire(ctl.status());
  t.equal(wire.brakeEngaged, true);
  t.equal(wire.brakeBy, 'operator');
  t.match(wire.brakeReason, 'held by alice');
  t.same(
    wire.hosts![0]!.waiting!.map((w) => w.reason),
    ['brake', 'brake'],
  );
  t.equal(ctl.brake('release', 'alice').engaged, false);
  await settle(() => dir.relocations() === 2);
  t.same(log, ['fence h1', 'relocate v1', 'relocate v2'], 'fenced, then moved');
});

t.test('a fence older than FENCE_FRESH_MS is checked again before a held-back move', async (t) => {
  const { cluster, dir, ctl, clock, log, types } = setup({
    vms: 3,
    cfg: { ...CFG, rate: { perMinute: 1 } },
  });
  t.teardown(() => ctl.stop());
  cluster.set('h1', 'down');
  await settle(() => dir.relocations() === 1);
  t.same(log, ['fence h1', 'relocate v1']);
  clock.now += FENCE_FRESH_MS / 2;
  ctl.tick();
  await settle();
  t.equal(dir.relocations(), 1, 'rate limit holds the rest');
  clock.now += FENCE_FRESH_MS / 2 + 1;
  ctl.tick();
  await settle(() => dir.relocations() === 2);
  t.same(
    log,
    ['fence h1', 'relocate v1', 'fence h1', 'relocate v2'],
    'ensure-off again before the next relocation',
  );
  t.ok(types().includes('evacuation.fence.refresh'));
  t.match(
    cluster.published.find((e) => e.type === 'evacuation.fence.refresh')!.message,
    /confirmed 60 s ago \(over 60 s\)/,
  );
});

t.test('a stale fence that now fails: nothing moves, the VMs are flagged', async (t) => {
  const s = setup({ cfg: { ...CFG, rate: { perMinute: 1 } } });
  t.teardown(() => s.ctl.stop());
  s.cluster.set('h1', 'down');
  await settle(() => s.dir.relocations() === 1);
  s.setFence(() => failedFence());
  s.clock.now += FENCE_FRESH_MS + 1;
  s.ctl.tick();
  await settle(() => s.types().includes('evacuation.fence.failed'));
  await settle();
  t.equal(s.dir.relocations(), 1, 'the second VM did not move');
  t.same(s.dir.vms.get('v2')!.flags, ['fence-failed']);
});

t.test('a confirm-off does not go stale while the host stays down', async (t) => {
  const s = setup({ fence: () => failedFence(), cfg: { ...CFG, rate: { perMinute: 1 } } });
  t.teardown(() => s.ctl.stop());
  s.cluster.set('h1', 'down');
  await settle(() => s.types().includes('evacuation.fence.failed'));
  s.ctl.confirmFenced('h1', 'alice');
  await settle(() => s.dir.relocations() === 1);
  s.clock.now += FENCE_FRESH_MS * 3;
  s.ctl.tick();
  await settle(() => s.dir.relocations() === 2);
  t.same(s.log, ['fence h1', 'relocate v1', 'relocate v2'], 'no BMC call after the statement');
  t.notOk(s.types().includes('evacuation.fence.refresh'));
});
