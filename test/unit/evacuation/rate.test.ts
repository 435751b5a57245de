import t from 'tap';
import {
  EMPTY_RATE,
  rateAvailable,
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

t.test('old entries are pruned', async (t) => {
  const s = rateTake(rateTake(EMPTY_RATE, 0), 1000);
  t.equal(rateTake(s, 120_000).starts.length, 1);
});
