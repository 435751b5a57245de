import t from 'tap';
import {
  decide,
  FENCE_FAILED_FLAG,
  type DecideInput,
  type FenceState,
  type VmView,
} from '../../../coordinator/evacuation/decide.js';

const vm = (name: string, policy: VmView['policy'], o: Partial<VmView> = {}): VmView => ({
  name,
  policy,
  status: 'running',
  flags: [],
  localDisks: [],
  relocating: false,
  ...o,
});

const OK: FenceState = { phase: 'ok', atMs: 1000, alreadyOff: false, by: 'evacuation' };
const FAILED: FenceState = {
  phase: 'failed',
  atMs: 1000,
  code: 'PLINTH_E_BMC_UNAVAILABLE',
  message: 'no answer',
};
const VMS = [vm('a', 'restart-after-fence'), vm('b', 'keep'), vm('c', 'replace')];

const base: DecideInput = {
  hostId: 'h1',
  hostState: 'down',
  vms: VMS,
  fence: { phase: 'none' },
  enabled: true,
  inStartupGrace: false,
  brakeEngaged: false,
  relocationsAvailable: 10,
  nowMs: 2000,
  fenceRetryMs: 60_000,
};

type Row = {
  name: string;
  input: Partial<DecideInput>;
  actions: string[];
  waiting: Record<string, string>;
};

const rows: Row[] = [
  {
    name: 'suspect: nothing at all',
    input: { hostState: 'suspect' },
    actions: [],
    waiting: {},
  },
  {
    name: 'unknown (coordinator just started): nothing',
    input: { hostState: 'unknown', fence: OK },
    actions: [],
    waiting: {},
  },
  {
    name: 'down, not fenced: fence first, nothing moves yet',
    input: {},
    actions: ['fence'],
    waiting: { a: 'fence-pending', b: 'policy-keep', c: 'fence-pending' },
  },
  {
    name: 'fence running: wait',
    input: { fence: { phase: 'running' } },
    actions: [],
    waiting: { a: 'fence-pending', b: 'policy-keep', c: 'fence-pending' },
  },
  {
    name: 'fenced: restart-after-fence and replace move, keep waits',
    input: { fence: OK },
    actions: ['relocate a restart-after-fence', 'relocate c replace'],
    waiting: { b: 'policy-keep' },
  },
  {
    name: 'only keep VMs: never fenced',
    input: { vms: [vm('b', 'keep'), vm('k2', 'keep')] },
    actions: [],
    waiting: { b: 'policy-keep', k2: 'policy-keep' },
  },
  {
    name: 'no VMs: nothing',
    input: { vms: [] },
    actions: [],
    waiting: {},
  },
  {
    name: 'fence failed: flagged, stays',
    input: { fence: FAILED },
    actions: ['flag a fence-failed', 'flag c fence-failed'],
    waiting: { a: 'fence-failed', b: 'policy-keep', c: 'fence-failed' },
  },
  {
    name: 'fence failed, already flagged: no second flag',
    input: {
      fence: FAILED,
      vms: [vm('a', 'restart-after-fence', { flags: [FENCE_FAILED_FLAG] })],
    },
    actions: [],
    waiting: { a: 'fence-failed' },
  },
  {
    name: 'fence failed long ago: retried',
    input: { fence: FAILED, nowMs: 61_000, vms: [vm('a', 'restart-after-fence')] },
    actions: ['flag a fence-failed', 'fence'],
    waiting: { a: 'fence-failed' },
  },
  {
    name: 'wrong BMC password: never retried automatically',
    input: {
      fence: { ...FAILED, code: 'PLINTH_E_BMC_AUTH' },
      nowMs: 10_000_000,
      vms: [vm('a', 'restart-after-fence', { flags: [FENCE_FAILED_FLAG] })],
    },
    actions: [],
    waiting: { a: 'fence-failed' },
  },
  {
    name: 'fenced after a failure: unflag, then relocate',
    input: { fence: OK, vms: [vm('a', 'restart-after-fence', { flags: [FENCE_FAILED_FLAG] })] },
    actions: ['unflag a fence-failed', 'relocate a restart-after-fence'],
    waiting: {},
  },
  {
    name: 'brake engaged: nothing, not even a fence',
    input: { brakeEngaged: true },
    actions: [],
    waiting: { a: 'brake', b: 'policy-keep', c: 'brake' },
  },
  {
    name: 'brake engaged after the fence: nothing moves',
    input: { brakeEngaged: true, fence: OK },
    actions: [],
    waiting: { a: 'brake', b: 'policy-keep', c: 'brake' },
  },
  {
    name: 'startup grace: nothing',
    input: { inStartupGrace: true },
    actions: [],
    waiting: { a: 'startup-grace', b: 'policy-keep', c: 'startup-grace' },
  },
  {
    name: 'disabled: nothing',
    input: { enabled: false, fence: OK },
    actions: [],
    waiting: { a: 'disabled', b: 'policy-keep', c: 'disabled' },
  },
  {
    name: 'rate limit: one slot, the rest waits',
    input: { fence: OK, relocationsAvailable: 1 },
    actions: ['relocate a restart-after-fence'],
    waiting: { b: 'policy-keep', c: 'rate-limit' },
  },
  {
    name: 'rate limit exhausted: nothing moves',
    input: { fence: OK, relocationsAvailable: 0 },
    actions: [],
    waiting: { a: 'rate-limit', b: 'policy-keep', c: 'rate-limit' },
  },
  {
    name: 'restart-after-fence on a local disk waits; replace on a local disk moves',
    input: {
      fence: OK,
      vms: [
        vm('a', 'restart-after-fence', { localDisks: ['root'] }),
        vm('c', 'replace', { localDisks: ['root'] }),
      ],
    },
    actions: ['relocate c replace'],
    waiting: { a: 'local-disk' },
  },
  {
    name: 'only a local-disk restart-after-fence VM: the host is not fenced',
    input: { vms: [vm('a', 'restart-after-fence', { localDisks: ['root'] })] },
    actions: [],
    waiting: { a: 'local-disk' },
  },
  {
    name: 'a relocation in flight is never issued twice; a failed one waits for its retry',
    input: {
      fence: OK,
      vms: [
        vm('a', 'restart-after-fence', { relocating: true }),
        vm('c', 'replace', { retryAtMs: 5000 }),
        vm('d', 'replace', { retryAtMs: 1500 }),
      ],
    },
    actions: ['relocate d replace'],
    waiting: { a: 'relocating', c: 'relocate-retry' },
  },
  {
    name: 'a VM being deleted is not moved',
    input: { fence: OK, vms: [vm('a', 'replace', { status: 'deleting' })] },
    actions: [],
    waiting: { a: 'deleting' },
  },
  {
    name: 'host back: fence-failed flags are cleared, nothing moves',
    input: {
      hostState: 'ready',
      fence: FAILED,
      vms: [vm('a', 'restart-after-fence', { flags: [FENCE_FAILED_FLAG] }), vm('b', 'keep')],
    },
    actions: ['unflag a fence-failed'],
    waiting: {},
  },
];

for (const r of rows) {
  t.test(r.name, async (t) => {
    const d = decide({ ...base, ...r.input });
    t.same(
      d.actions.map((a) =>
        a.kind === 'fence'
          ? 'fence'
          : a.kind === 'relocate'
            ? `relocate ${a.vm} ${a.policy}`
            : `${a.kind} ${a.vm} ${a.flag}`,
      ),
      r.actions,
    );
    t.same(Object.fromEntries(d.waiting.map((w) => [w.vm, w.reason])), r.waiting);
  });
}

t.test(
  'the fence-failed flag and its message tell the operator what failed and what to do',
  async (t) => {
    const d = decide({ ...base, fence: FAILED, vms: [vm('a', 'restart-after-fence')] });
    const flag = d.actions.find((a) => a.kind === 'flag');
    t.ok(flag && flag.kind === 'flag');
    if (flag?.kind !== 'flag') return;
    t.match(flag.message, 'PLINTH_E_BMC_UNAVAILABLE: no answer');
    t.match(flag.message, 'plinth host confirm-off h1 --yes');
    t.notMatch(flag.message, 'plinth fence h1', 'an unreachable BMC is not the way out');
    const auth = decide({
      ...base,
      fence: { ...FAILED, code: 'PLINTH_E_BMC_AUTH' },
      vms: [vm('a', 'restart-after-fence')],
    });
    t.match(auth.waiting[0]!.message, 'plinth host bmc set h1');
  },
);

t.test('never a relocation unless the host is down and fenced', async (t) => {
  const states = ['ready', 'suspect', 'down', 'unknown'] as const;
  const fences: FenceState[] = [{ phase: 'none' }, { phase: 'running' }, FAILED, OK];
  let checked = 0;
  for (const hostState of states)
    for (const fence of fences)
      for (const brakeEngaged of [false, true])
        for (const inStartupGrace of [false, true]) {
          const d = decide({ ...base, hostState, fence, brakeEngaged, inStartupGrace });
          const moves = d.actions.some((a) => a.kind === 'relocate');
          const fences = d.actions.some((a) => a.kind === 'fence');
          const allowed =
            hostState === 'down' && fence.phase === 'ok' && !brakeEngaged && !inStartupGrace;
          t.equal(
            moves,
            allowed,
            `${hostState} ${fence.phase} brake=${brakeEngaged} grace=${inStartupGrace}`,
          );
          if (fences) t.ok(hostState === 'down' && !brakeEngaged && !inStartupGrace);
          checked++;
        }
  t.equal(checked, 64);
});
