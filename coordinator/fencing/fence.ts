import type { Clock } from '../../agent/host/clock.js';
import { ErrorCodes, toPlinthError, type ErrorCode } from '../../lib/errors.js';
import type { BmcPowerClient, FenceAttempt, FenceOutcome, PowerReading } from './types.js';

export interface FenceOptions {
  /** Hard bound for the whole fence, every BMC call included. */
  deadlineMs: number;
  /** Power-off rounds after the first (a round = power-off + read-back). */
  retries: number;
  clock: Clock;
  /** Injected so tests need no real waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Read-back interval (default 250 ms). */
  pollIntervalMs?: number;
  /** Read-backs per round before the power-off is sent again (default 20). */
  pollsPerRound?: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Errors that more attempts cannot fix: a wrong password (and retrying can lock the account). */
function isFinal(code: ErrorCode): boolean {
  return (
    code === ErrorCodes.BMC_AUTH ||
    code === ErrorCodes.INVALID_ARGUMENT ||
    code === ErrorCodes.CONFIG
  );
}

/**
 * Ensure-off: prove the host is powered off. Reads the state first (already off = success,
 * nothing sent), sends power-off, reads back until off; bounded by `retries` rounds and by
 * `deadlineMs` overall (each BMC call is cut off at the deadline). Never throws: the outcome
 * lists every attempt, for the coordinator's events.
 */
export async function fence(client: BmcPowerClient, opts: FenceOptions): Promise<FenceOutcome> {
  const sleep = opts.sleep ?? realSleep;
  const pollMs = opts.pollIntervalMs ?? 250;
  const pollsPerRound = opts.pollsPerRound ?? 20;
  const start = opts.clock.monotonic();
  const elapsed = () => Math.round(opts.clock.monotonic() - start);
  const remaining = () => opts.deadlineMs - (opts.clock.monotonic() - start);
  const attempts: FenceAttempt[] = [];
  let lastState: PowerReading | 'unknown' = 'unknown';
  let lastCode: ErrorCode | undefined;
  let lastMessage = '';
  let saidAlreadyOff = false;

  /** One BMC call, cut off at the deadline whatever the client does. */
  async function call<T>(
    round: number,
    action: FenceAttempt['action'],
    fn: (s: AbortSignal) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; code: ErrorCode }> {
    const at = elapsed();
    const t0 = opts.clock.monotonic();
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const left = Math.max(1, remaining());
    try {
      const value = await Promise.race([
        fn(ac.signal),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            ac.abort();
            reject(
              toPlinthError(
                new Error(`no answer before the fence deadline (${opts.deadlineMs} ms)`),
                ErrorCodes.TIMEOUT,
              ),
            );
          }, left);
        }),
      ]);
      const a: FenceAttempt = {
        round,
        action,
        ok: true,
        atMs: at,
        durationMs: Math.round(opts.clock.monotonic() - t0),
      };
      if (typeof value === 'string') {
        a.powerState = value as PowerReading;
        lastState = value as PowerReading;
      }
      if (typeof value === 'object' && value !== null && 'alreadyInState' in value) {
        a.alreadyOff = Boolean((value as { alreadyInState: boolean }).alreadyInState);
        if (a.alreadyOff) saidAlreadyOff = true;
      }
      attempts.push(a);
      return { ok: true, value };
    } catch (e) {
      const pe = toPlinthError(e, ErrorCodes.BMC_UNAVAILABLE);
      lastCode = pe.code;
      lastMessage = pe.message;
      attempts.push({
        round,
        action,
        ok: false,
        code: pe.code,
        message: pe.message,
        atMs: at,
        durationMs: Math.round(opts.clock.monotonic() - t0),
      });
      return { ok: false, code: pe.code };
    } finally {
      clearTimeout(timer);
    }
  }

  const done = (alreadyOff: boolean, message: string): FenceOutcome => ({
    ok: true,
    alreadyOff,
    powerState: 'off',
    attempts,
    elapsedMs: elapsed(),
    message,
  });
  const failed = (code: ErrorCode, message: string): FenceOutcome => ({
    ok: false,
    alreadyOff: false,
    powerState: lastState,
    attempts,
    elapsedMs: elapsed(),
    code,
    message,
  });

  const first = await call(0, 'status', (s) => client.powerStatus(s));
  if (first.ok && first.value === 'off') return done(true, `${client.describe}: already off`);
  if (!first.ok && isFinal(first.code)) return failed(first.code, lastMessage);

  for (let round = 1; round <= opts.retries + 1 && remaining() > 0; round++) {
    const off = await call(round, 'power-off', (s) => client.powerOff(s));
    if (!off.ok && isFinal(off.code)) return failed(off.code, lastMessage);
    for (let i = 0; i < pollsPerRound && remaining() > 0; i++) {
      const r = await call(round, 'read-back', (s) => client.powerStatus(s));
      if (r.ok && r.value === 'off') {
        return done(
          saidAlreadyOff,
          `${client.describe}: ${saidAlreadyOff ? 'already off' : 'powered off'} (confirmed by read-back)`,
        );
      }
      if (!r.ok && isFinal(r.code)) return failed(r.code, lastMessage);
      if (!off.ok) break; // the command failed: send it again rather than wait for nothing
      if (remaining() <= pollMs) break;
      await sleep(Math.min(pollMs, Math.max(0, remaining())));
    }
    if (remaining() > pollMs) await sleep(Math.min(pollMs, remaining()));
  }
  const why =
    remaining() <= 0
      ? `deadline of ${opts.deadlineMs} ms passed`
      : `${opts.retries + 1} power-off rounds`;
  return failed(
    lastCode === ErrorCodes.BMC_AUTH ? lastCode : ErrorCodes.FENCE_FAILED,
    `${client.describe}: could not confirm power off (${why}; last state ${lastState}${lastMessage ? `; last error: ${lastMessage}` : ''})`,
  );
}
