import t from 'tap';
import {
  EMPTY_RATE,
  rateAvailable,
  rateNextFreeMs,
  rateTake,
  type RateState,
} from '../../../coordinator/evacuation/rate.js';

t.test('at most perMinute in any 60 s', async (t) => {
  let s: RateState = EMPTY_RATE;
  const rows: { at: number; take: boolean; available: number }[] = [
    { at: 0, take: false, available: 3 },
    { at: 0, take: true, available: 2 },
    { at: 10_000, take: true, available: 1 },
    { at: 20_000, take: true, available: 0 },
    { at: 59_999, take: false, available: 0 },
    { at: 60_000, take: false, available: 1 }, // the one at 0 left the window
    { at: 70_000, take: false, available: 2 },
    { at: 70_000, take: true, available: 1 },
    { at: 200_000, take: false, available: 3 },
  ];
  for (const r of rows) {
    if (r.take) s = rateTake(s, r.at);
    t.equal(rateAvailable(s, r.at, 3), r.available, `t=${r.at}${r.take ? ' after a take' : ''}`);
  }
});

t.test('next free slot', async (t) => {
  let s: RateState = EMPTY_RATE;
  t.equal(rateNextFreeMs(s, 5, 2), 5);
  s = rateTake(rateTake(s, 0), 1000);
  t.equal(rateNextFreeMs(s, 2000, 2), 60_000);
  t.equal(rateNextFreeMs(s, 2000, 3), 2000);
  t.equal(rateTake(s, 120_000).starts.length, 1, 'old entries are pruned');
});
