import t from 'tap';
import { fence } from '../../../coordinator/fencing/fence.js';
import type { BmcPowerClient, PowerReading } from '../../../coordinator/fencing/types.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';

/** A fake clock that only moves when the code under test sleeps or a fake call "takes time". */
function fakeClock() {
  let now = 0;
  return {
    clock: { now: () => now, monotonic: () => now },
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => (now += ms),
  };
}

type Step = PowerReading | PlinthError | 'hang';

function scriptedClient(
  statuses: Step[],
  offs: (Step | { alreadyInState: boolean })[],
  advance?: (ms: number) => void,
): BmcPowerClient & { offCalls: number; statusCalls: number } {
  const c = {
    describe: 'fake bmc',
    offCalls: 0,
    statusCalls: 0,
    async powerStatus(signal?: AbortSignal): Promise<PowerReading> {
      const s = statuses[Math.min(c.statusCalls++, statuses.length - 1)]!;
      advance?.(10);
      if (s === 'hang')
        return new Promise((_, reject) =>
          signal?.addEventListener('abort', () =>
            reject(new PlinthError(ErrorCodes.TIMEOUT, 'aborted')),
          ),
        );
      if (s instanceof PlinthError) throw s;
      return s;
    },
    async powerOff(signal?: AbortSignal) {
      const s = offs[Math.min(c.offCalls++, offs.length - 1)]!;
      advance?.(10);
      if (s === 'hang')
        return new Promise<never>((_, reject) =>
          signal?.addEventListener('abort', () =>
            reject(new PlinthError(ErrorCodes.TIMEOUT, 'aborted')),
          ),
        );
      if (s instanceof PlinthError) throw s;
      if (typeof s === 'string') throw new Error('bad script');
      return s;
    },
    powerOn: async () => ({ alreadyInState: false }),
    powerCycle: async () => ({ alreadyInState: false }),
    close: async () => {},
  };
  return c;
}

const unavailable = () => new PlinthError(ErrorCodes.BMC_UNAVAILABLE, 'no answer');
const auth = () => new PlinthError(ErrorCodes.BMC_AUTH, 'authentication failed for user "admin"');

t.test('already off: success, nothing sent', async (t) => {
  const f = fakeClock();
  const c = scriptedClient(['off'], []);
  const out = await fence(c, { deadlineMs: 10_000, retries: 3, clock: f.clock, sleep: f.sleep });
  t.match(out, { ok: true, alreadyOff: true, powerState: 'off' });
  t.equal(c.offCalls, 0);
  t.equal(out.attempts.length, 1);
});

t.test('on → power-off → read back until off', async (t) => {
  const f = fakeClock();
  const c = scriptedClient(
    ['on', 'on', 'powering-off', 'off'],
    [{ alreadyInState: false }],
    f.advance,
  );
  const out = await fence(c, {
    deadlineMs: 10_000,
    retries: 3,
    clock: f.clock,
    sleep: f.sleep,
    pollIntervalMs: 100,
  });
  t.match(out, { ok: true, alreadyOff: false, powerState: 'off' });
  t.equal(c.offCalls, 1);
  t.same(
    out.attempts.map((a) => [a.round, a.action, a.powerState ?? a.ok]),
    [
      [0, 'status', 'on'],
      [1, 'power-off', true],
      [1, 'read-back', 'on'],
      [1, 'read-back', 'powering-off'],
      [1, 'read-back', 'off'],
    ],
  );
});

t.test(
  'the BMC says "already off" (Redfish 409) after reading on: success, already off',
  async (t) => {
    const f = fakeClock();
    const c = scriptedClient(['on', 'off'], [{ alreadyInState: true }]);
    const out = await fence(c, { deadlineMs: 10_000, retries: 3, clock: f.clock, sleep: f.sleep });
    t.match(out, { ok: true, alreadyOff: true });
  },
);

t.test('a failed power-off is retried; bounded rounds', async (t) => {
  const f = fakeClock();
  const c = scriptedClient(['on', 'on', 'off'], [unavailable(), { alreadyInState: false }]);
  const out = await fence(c, { deadlineMs: 60_000, retries: 3, clock: f.clock, sleep: f.sleep });
  t.match(out, { ok: true });
  t.equal(c.offCalls, 2);

  const f2 = fakeClock();
  const stuck = scriptedClient(['on'], [{ alreadyInState: false }], f2.advance);
  const out2 = await fence(stuck, {
    deadlineMs: 600_000,
    retries: 2,
    clock: f2.clock,
    sleep: f2.sleep,
    pollsPerRound: 4,
    pollIntervalMs: 50,
  });
  t.match(out2, {
    ok: false,
    code: ErrorCodes.FENCE_FAILED,
    powerState: 'on',
    message: /3 power-off rounds/,
  });
  t.equal(stuck.offCalls, 3, 'retries + 1 rounds');
  t.equal(stuck.statusCalls, 1 + 3 * 4);
});

t.test('a wrong password stops at once (retrying can lock the account)', async (t) => {
  const f = fakeClock();
  const c = scriptedClient([auth()], []);
  const out = await fence(c, { deadlineMs: 10_000, retries: 5, clock: f.clock, sleep: f.sleep });
  t.match(out, { ok: false, code: ErrorCodes.BMC_AUTH, message: /authentication failed/ });
  t.equal(c.offCalls, 0);
  const c2 = scriptedClient(['on'], [auth()]);
  t.match(await fence(c2, { deadlineMs: 10_000, retries: 5, clock: f.clock, sleep: f.sleep }), {
    ok: false,
    code: ErrorCodes.BMC_AUTH,
  });
  t.equal(c2.offCalls, 1);
});

t.test('the deadline bounds a BMC that never answers', async (t) => {
  const c = scriptedClient(['hang'], ['hang']);
  const clock = { now: () => Date.now(), monotonic: () => performance.now() };
  const t0 = performance.now();
  const out = await fence(c, { deadlineMs: 300, retries: 10, clock, pollIntervalMs: 20 });
  const ms = performance.now() - t0;
  t.match(out, { ok: false, code: ErrorCodes.FENCE_FAILED, message: /deadline of 300 ms passed/ });
  t.ok(ms < 800, `returned after ${Math.round(ms)} ms`);
  t.ok(out.attempts.every((a) => !a.ok && a.code === ErrorCodes.TIMEOUT));
});

t.test('an unreachable BMC fails within the deadline with every attempt recorded', async (t) => {
  const f = fakeClock();
  const c = scriptedClient([unavailable()], [unavailable()], (ms) => f.advance(ms * 50));
  const out = await fence(c, {
    deadlineMs: 5000,
    retries: 100,
    clock: f.clock,
    sleep: f.sleep,
    pollIntervalMs: 250,
  });
  t.match(out, { ok: false, code: ErrorCodes.FENCE_FAILED, powerState: 'unknown' });
  t.ok(out.elapsedMs <= 5000 + 500, `elapsed ${out.elapsedMs}`);
  t.ok(out.attempts.length > 2);
  t.ok(out.attempts.every((a) => a.code === ErrorCodes.BMC_UNAVAILABLE));
});
