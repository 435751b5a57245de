import { backoffDelay, type BackoffPolicy } from '../../../lib/backoff.js';
import { ErrorCodes, PlinthError, toPlinthError } from '../../../lib/errors.js';
import type { Log } from '../../../lib/log.js';
import type { Clock } from '../../host/clock.js';
import type { OpenRtnetlink, RtnetlinkSocket, RtnlMessage } from '../../host/rtnetlink.js';

/**
 * Keeps one rtnetlink socket open: opened by start(), dropped on any failed request
 * (a dead socket gives no other sign: node-netlink's poller just stops), reopened
 * with jittered backoff. Retries by timer are bounded; after that, each request
 * retries at most once per backoff period. A reopen reports `onReopen` because
 * notifications were lost while the socket was down.
 */

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set(fn, ms) {
    const h = setTimeout(fn, ms);
    h.unref();
    return h;
  },
  clear(h) {
    clearTimeout(h as ReturnType<typeof setTimeout>);
  },
};

export interface NetlinkSessionDeps {
  open: OpenRtnetlink;
  clock: Clock;
  log: Log;
  timers: Timers;
  random?: () => number;
}

export interface NetlinkSessionOptions {
  groups: number;
  timeoutMs: number;
  onNotification(msg: RtnlMessage): void;
  onReopen(): void;
  backoff?: BackoffPolicy;
  /** Reopen attempts driven by the timer after a failure; later ones wait for a request. */
  maxTimerAttempts?: number;
}

export interface NetlinkSession {
  start(): Promise<void>;
  stop(): Promise<void>;
  request(
    type: number,
    payload: Buffer,
    opts: { dump: boolean; signal?: AbortSignal },
  ): Promise<RtnlMessage[]>;
  /** Open and the last request (if any) succeeded. */
  isHealthy(): boolean;
  lastError(): PlinthError | undefined;
}

const DEFAULT_POLICY: BackoffPolicy = { initialMs: 200, maxMs: 30_000, factor: 2 };

export function createNetlinkSession(
  deps: NetlinkSessionDeps,
  opts: NetlinkSessionOptions,
): NetlinkSession {
  const policy = opts.backoff ?? DEFAULT_POLICY;
  const maxTimerAttempts = opts.maxTimerAttempts ?? 10;
  let sock: RtnetlinkSocket | undefined;
  let opening: Promise<RtnetlinkSocket> | undefined;
  let stopped = true;
  let failures = 0;
  let everOpened = false;
  let notBefore = 0;
  let timer: unknown;
  let lastErr: PlinthError | undefined;

  const scheduleRetry = () => {
    if (stopped || timer !== undefined || failures > maxTimerAttempts) return;
    const delay = Math.max(0, notBefore - deps.clock.monotonic());
    timer = deps.timers.set(() => {
      timer = undefined;
      void openNow().catch(() => undefined);
    }, delay);
  };

  const fail = (e: unknown): PlinthError => {
    const err = toPlinthError(e, ErrorCodes.UNAVAILABLE);
    lastErr = err;
    failures++;
    notBefore = deps.clock.monotonic() + backoffDelay(failures - 1, policy, deps.random);
    return err;
  };

  const dropSocket = (s: RtnetlinkSocket) => {
    if (sock !== s) return;
    sock = undefined;
    void s.close().catch(() => undefined);
  };

  const openNow = (): Promise<RtnetlinkSocket> => {
    if (sock) return Promise.resolve(sock);
    if (opening) return opening;
    opening = (async () => {
      try {
        const s = await deps.open({ groups: opts.groups, onNotification: opts.onNotification });
        if (stopped) {
          await s.close().catch(() => undefined);
          throw new PlinthError(ErrorCodes.UNAVAILABLE, 'host driver stopped');
        }
        sock = s;
        // Anything that changed while there was no socket went unnoticed.
        const missedEvents = everOpened || failures > 0;
        everOpened = true;
        if (failures > 0) deps.log.info({ failures }, 'rtnetlink socket reopened');
        failures = 0;
        lastErr = undefined;
        if (missedEvents) opts.onReopen();
        return s;
      } catch (e) {
        const err = fail(e);
        deps.log.warn({ err: err.message, failures }, 'rtnetlink socket open failed');
        scheduleRetry();
        throw err;
      } finally {
        opening = undefined;
      }
    })();
    return opening;
  };

  return {
    async start() {
      stopped = false;
      await openNow().catch(() => undefined);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) deps.timers.clear(timer);
      timer = undefined;
      const s = sock;
      sock = undefined;
      if (s) await s.close().catch(() => undefined);
    },
    async request(type, payload, o) {
      if (stopped) throw new PlinthError(ErrorCodes.UNAVAILABLE, 'host driver is not started');
      if (!sock && !opening && deps.clock.monotonic() < notBefore) {
        throw new PlinthError(
          ErrorCodes.UNAVAILABLE,
          `rtnetlink socket is down (${failures} failures, last: ${lastErr?.message ?? 'none'}); retrying with backoff`,
        );
      }
      const s = await openNow();
      try {
        return await s.request(type, payload, { ...o, timeoutMs: opts.timeoutMs });
      } catch (e) {
        // A caller's abort says nothing about the socket.
        if (o.signal?.aborted) throw toPlinthError(e, ErrorCodes.TIMEOUT);
        const err = fail(e);
        deps.log.warn({ err: err.message }, 'rtnetlink request failed; reopening the socket');
        dropSocket(s);
        scheduleRetry();
        throw err;
      }
    },
    isHealthy() {
      return sock !== undefined && lastErr === undefined;
    },
    lastError() {
      return lastErr;
    },
  };
}
