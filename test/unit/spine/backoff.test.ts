import t from 'tap';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../../../lib/backoff.js';

/** A deterministic "random" source cycling through the given values. */
function seq(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

t.test('defaults are 200 ms doubling to 5 s', async (t) => {
  t.same(DEFAULT_BACKOFF, { initialMs: 200, maxMs: 5000, factor: 2 });
});

t.test('table: attempt and random give the exact delay', async (t) => {
  const p: BackoffPolicy = { initialMs: 100, maxMs: 1000, factor: 2 };
  const cases: [attempt: number, r: number, want: number][] = [
    [0, 0, 50],
    [0, 0.5, 75],
    [0, 0.999999, 100],
    [1, 0, 100],
    [1, 1, 200],
    [2, 0, 200],
    [3, 0, 400],
    [3, 0.5, 600],
    [4, 0, 500], // capped: 1600 -> 1000
    [4, 1, 1000],
    [50, 0.25, 625],
    [-3, 0, 50], // negative attempts count as the first
  ];
  for (const [attempt, r, want] of cases) {
    t.equal(
      backoffDelay(attempt, p, () => r),
      want,
      `attempt ${attempt}, random ${r}`,
    );
  }
});

t.test('never below half, never above max, for many attempts and random draws', async (t) => {
  const policies: BackoffPolicy[] = [
    DEFAULT_BACKOFF,
    { initialMs: 1, maxMs: 60_000, factor: 3 },
    { initialMs: 500, maxMs: 500, factor: 2 },
  ];
  let checked = 0;
  for (const p of policies) {
    for (let attempt = 0; attempt < 40; attempt++) {
      const exp = Math.min(p.maxMs, p.initialMs * Math.pow(p.factor, attempt));
      for (const r of [0, 0.1, 0.5, 0.9, 0.9999999]) {
        const d = backoffDelay(attempt, p, () => r);
        if (d < Math.floor(exp / 2) || d > p.maxMs || d > exp)
          t.fail(`out of bounds: ${JSON.stringify(p)} attempt ${attempt} r ${r} -> ${d}`);
        checked++;
      }
    }
  }
  t.equal(checked, 3 * 40 * 5, 'all combinations checked');
  // With the real Math.random as well.
  for (let i = 0; i < 500; i++) {
    const d = backoffDelay(30);
    if (d < 2500 || d > 5000) t.fail(`default policy at the cap gave ${d}`);
  }
  t.pass('real random stays within [max/2, max]');
});

t.test('grows monotonically with the attempt for a fixed random draw, then plateaus', async (t) => {
  const delays = Array.from({ length: 12 }, (_, a) => backoffDelay(a, DEFAULT_BACKOFF, () => 0.5));
  t.same(delays, [150, 300, 600, 1200, 2400, 3750, 3750, 3750, 3750, 3750, 3750, 3750]);
});

t.test('huge attempt numbers do not overflow past the cap', async (t) => {
  t.equal(
    backoffDelay(10_000, DEFAULT_BACKOFF, () => 1),
    5000,
  );
  t.equal(
    backoffDelay(Number.MAX_SAFE_INTEGER, DEFAULT_BACKOFF, () => 0),
    2500,
  );
});

t.test('the injected random source is used, once per call', async (t) => {
  let calls = 0;
  const r = seq([0, 1]);
  const counted = (): number => {
    calls++;
    return r();
  };
  t.equal(backoffDelay(0, DEFAULT_BACKOFF, counted), 100);
  t.equal(backoffDelay(0, DEFAULT_BACKOFF, counted), 200);
  t.equal(calls, 2);
});

t.test('jitter spreads agents apart', async (t) => {
  const draws = new Set(Array.from({ length: 200 }, () => backoffDelay(5)));
  t.ok(draws.size > 50, `200 draws gave ${draws.size} distinct delays`);
});
