import t from 'tap';
import {
  DEFAULT_LIVENESS,
  livenessState,
  type LivenessConfig,
} from '../../../coordinator/cluster/liveness.js';
import type { HostState } from '../../../lib/model.js';

t.test('defaults match the issue: suspect after 6 s, down after 15 s', async (t) => {
  t.same(DEFAULT_LIVENESS, { suspectAfterMs: 6_000, downAfterMs: 15_000, startupGraceMs: 30_000 });
});

t.test('table: livenessState', async (t) => {
  const cfg: LivenessConfig = DEFAULT_LIVENESS;
  const S = 1_000_000; // coordinator start, monotonic ms
  const late = S + 100_000; // well past the startup grace
  const cases: [name: string, lastSeen: number | undefined, now: number, want: HostState][] = [
    ['just heard', late, late, 'ready'],
    ['5.999 s of silence', late - 5_999, late, 'ready'],
    ['6 s of silence', late - 6_000, late, 'suspect'],
    ['14.999 s of silence', late - 14_999, late, 'suspect'],
    ['15 s of silence', late - 15_000, late, 'down'],
    ['an hour of silence', late - 3_600_000, late, 'down'],
    ['heard "in the future" (clock read order)', late + 5, late, 'ready'],
    // Startup grace: nobody is down before 30 s after start, however long the silence.
    ['in grace, long silence', S, S + 20_000, 'suspect'],
    ['in grace, just before its end', S, S + 29_999, 'suspect'],
    ['grace over', S, S + 30_000, 'down'],
    ['in grace, recent', S + 19_000, S + 20_000, 'ready'],
    // Never seen since this coordinator started: unknown, then down once grace and downAfter passed.
    ['never seen, at start', undefined, S, 'unknown'],
    ['never seen, 10 s', undefined, S + 10_000, 'unknown'],
    ['never seen, 20 s (in grace)', undefined, S + 20_000, 'unknown'],
    ['never seen, 29.999 s', undefined, S + 29_999, 'unknown'],
    ['never seen, 30 s', undefined, S + 30_000, 'down'],
    ['never seen, much later', undefined, late, 'down'],
  ];
  for (const [name, lastSeen, now, want] of cases)
    t.equal(livenessState(lastSeen, now, S, cfg), want, name);
});

t.test('a grace shorter than downAfter does not shorten downAfter', async (t) => {
  const cfg: LivenessConfig = { suspectAfterMs: 100, downAfterMs: 1_000, startupGraceMs: 0 };
  t.equal(livenessState(0, 99, 0, cfg), 'ready');
  t.equal(livenessState(0, 100, 0, cfg), 'suspect');
  t.equal(livenessState(0, 999, 0, cfg), 'suspect');
  t.equal(livenessState(0, 1_000, 0, cfg), 'down');
  t.equal(livenessState(undefined, 500, 0, cfg), 'unknown');
  t.equal(livenessState(undefined, 1_000, 0, cfg), 'down');
});

t.test('states only get worse with silence (monotone in now)', async (t) => {
  const rank: Record<HostState, number> = { ready: 0, unknown: 0, suspect: 1, down: 2 };
  let prev = 0;
  let violations = 0;
  for (let now = 0; now <= 60_000; now += 250) {
    const r = rank[livenessState(0, now, 0, DEFAULT_LIVENESS)];
    if (r < prev) violations++;
    prev = r;
  }
  t.equal(violations, 0);
  t.equal(prev, 2, 'ends down');
});
