import t from 'tap';
import {
  brakeStep,
  operatorBrake,
  RELEASED,
  type BrakeConfig,
  type BrakeInput,
  type BrakeState,
} from '../../../coordinator/evacuation/brake.js';

const cfg: BrakeConfig = { threshold: 0.3, windowMs: 60_000, minHosts: 2, autoRelease: true };

/** Run a script of inputs; return the change (if any) at each step. */
function run(
  steps: BrakeInput[],
  c: BrakeConfig = cfg,
  start: BrakeState = RELEASED,
): { changes: (string | undefined)[]; state: BrakeState } {
  let s = start;
  const changes: (string | undefined)[] = [];
  for (const i of steps) {
    const r = brakeStep(s, i, c);
    s = r.state;
    changes.push(r.change);
  }
  return { changes, state: s };
}

t.test('engage', async (t) => {
  const rows: {
    name: string;
    steps: BrakeInput[];
    c?: BrakeConfig;
    want: (string | undefined)[];
  }[] = [
    {
      name: 'one host of 3 lost (33 %): below minHosts, no brake',
      steps: [{ nowMs: 0, totalHosts: 3, outHosts: 1, lost: ['h1'] }],
      want: [undefined],
    },
    {
      name: '2 of 3 lost at once: engaged',
      steps: [{ nowMs: 0, totalHosts: 3, outHosts: 2, lost: ['h1', 'h2'] }],
      want: ['engaged'],
    },
    {
      name: '2 of 3 lost 30 s apart (inside the window): engaged on the second',
      steps: [
        { nowMs: 0, totalHosts: 3, outHosts: 1, lost: ['h1'] },
        { nowMs: 30_000, totalHosts: 3, outHosts: 2, lost: ['h2'] },
      ],
      want: [undefined, 'engaged'],
    },
    {
      name: '2 of 3 lost 61 s apart (outside the window): two single failures',
      steps: [
        { nowMs: 0, totalHosts: 3, outHosts: 1, lost: ['h1'] },
        { nowMs: 61_000, totalHosts: 3, outHosts: 2, lost: ['h2'] },
      ],
      want: [undefined, undefined],
    },
    {
      name: '3 of 10 lost (30 %): not MORE than the threshold',
      steps: [{ nowMs: 0, totalHosts: 10, outHosts: 3, lost: ['a', 'b', 'c'] }],
      want: [undefined],
    },
    {
      name: '4 of 10 lost (40 %): engaged',
      steps: [{ nowMs: 0, totalHosts: 10, outHosts: 4, lost: ['a', 'b', 'c', 'd'] }],
      want: ['engaged'],
    },
    {
      name: 'the same host flapping counts once',
      steps: [
        { nowMs: 0, totalHosts: 5, outHosts: 1, lost: ['a'] },
        { nowMs: 1000, totalHosts: 5, outHosts: 1, lost: ['a'] },
        { nowMs: 2000, totalHosts: 5, outHosts: 1, lost: ['a'] },
      ],
      want: [undefined, undefined, undefined],
    },
    {
      name: 'minHosts 1: one host of 2 (50 %) engages',
      c: { ...cfg, minHosts: 1 },
      steps: [{ nowMs: 0, totalHosts: 2, outHosts: 1, lost: ['a'] }],
      want: ['engaged'],
    },
    {
      name: 'no hosts known: never',
      steps: [{ nowMs: 0, totalHosts: 0, outHosts: 0, lost: [] }],
      want: [undefined],
    },
  ];
  for (const r of rows) t.same(run(r.steps, r.c).changes, r.want, r.name);
});

t.test('engaged: the event names the count, the share and the hosts', async (t) => {
  const r = brakeStep(RELEASED, { nowMs: 0, totalHosts: 3, outHosts: 2, lost: ['h2', 'h1'] }, cfg);
  t.match(r.message, '2 of 3 hosts (66.7 %) lost contact within 60 s');
  t.match(r.message, 'hosts: h1, h2');
  t.equal(r.state.by, 'auto');
});

t.test('automatic release', async (t) => {
  const engaged = run([{ nowMs: 0, totalHosts: 3, outHosts: 2, lost: ['h1', 'h2'] }]).state;
  const rows: {
    name: string;
    steps: BrakeInput[];
    want: (string | undefined)[];
    c?: BrakeConfig;
  }[] = [
    {
      name: 'the hosts stay out: it holds, however long',
      steps: [
        { nowMs: 61_000, totalHosts: 3, outHosts: 2 },
        { nowMs: 600_000, totalHosts: 3, outHosts: 2 },
      ],
      want: [undefined, undefined],
    },
    {
      name: 'both back: released after a calm window',
      steps: [
        { nowMs: 10_000, totalHosts: 3, outHosts: 0 },
        { nowMs: 69_000, totalHosts: 3, outHosts: 0 },
        { nowMs: 70_000, totalHosts: 3, outHosts: 0 },
      ],
      want: [undefined, undefined, 'released'],
    },
    {
      name: 'one back, one still down (a single failure now): released after the calm window',
      steps: [
        { nowMs: 10_000, totalHosts: 3, outHosts: 1 },
        { nowMs: 70_000, totalHosts: 3, outHosts: 1 },
      ],
      want: [undefined, 'released'],
    },
    {
      name: 'calm interrupted: the window starts again',
      steps: [
        { nowMs: 10_000, totalHosts: 3, outHosts: 0 },
        { nowMs: 50_000, totalHosts: 3, outHosts: 2 },
        { nowMs: 71_000, totalHosts: 3, outHosts: 0 },
        { nowMs: 130_000, totalHosts: 3, outHosts: 0 },
        { nowMs: 131_000, totalHosts: 3, outHosts: 0 },
      ],
      want: [undefined, undefined, undefined, undefined, 'released'],
    },
    {
      name: 'during the startup grace: never released',
      steps: [
        { nowMs: 10_000, totalHosts: 3, outHosts: 0, holdRelease: true },
        { nowMs: 100_000, totalHosts: 3, outHosts: 0, holdRelease: true },
      ],
      want: [undefined, undefined],
    },
    {
      name: 'autoRelease off: only an operator releases',
      c: { ...cfg, autoRelease: false },
      steps: [
        { nowMs: 10_000, totalHosts: 3, outHosts: 0 },
        { nowMs: 100_000, totalHosts: 3, outHosts: 0 },
      ],
      want: [undefined, undefined],
    },
  ];
  for (const r of rows) t.same(run(r.steps, r.c, engaged).changes, r.want, r.name);
});

t.test('operator hold and release', async (t) => {
  const held = operatorBrake(RELEASED, 'engage', 'alice');
  t.equal(held.change, 'engaged');
  t.equal(held.state.by, 'operator');
  t.same(
    run(
      [
        { nowMs: 0, totalHosts: 3, outHosts: 0 },
        { nowMs: 1_000_000, totalHosts: 3, outHosts: 0 },
      ],
      cfg,
      held.state,
    ).changes,
    [undefined, undefined],
    'an operator hold never releases by itself',
  );
  const auto = run([{ nowMs: 0, totalHosts: 3, outHosts: 2, lost: ['h1', 'h2'] }]).state;
  const rel = operatorBrake(auto, 'release', 'bob');
  t.equal(rel.change, 'released');
  t.match(rel.message, 'released by bob');
  t.same(
    run([{ nowMs: 1000, totalHosts: 3, outHosts: 2 }], cfg, rel.state).changes,
    [undefined],
    'the losses that engaged it are forgotten: it does not re-engage at once',
  );
  t.equal(
    operatorBrake(RELEASED, 'release', 'bob').change,
    undefined,
    'releasing a released brake',
  );
});
