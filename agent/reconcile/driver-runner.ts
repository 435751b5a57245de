import type { Histogram, Gauge } from 'prom-client';
import { toPlinthError } from '../../lib/errors.js';
import type { Log } from '../../lib/log.js';
import type { Clock } from '../host/clock.js';
import type { Driver, Health, Observation } from '../drivers/driver.js';
import { withDeadline } from './timeout.js';

export interface PassResult {
  health: Health;
  /** Absent when the driver is not healthy: its last objects are kept as they were. */
  observation?: Observation;
  durationMs: number;
}

export interface DriverRunnerOptions {
  driver: Driver;
  intervalMs: number;
  timeoutMs: number;
  /** Coalescing delay after markDirty: a burst of events makes one pass. */
  dirtyDelayMs?: number;
  clock: Clock;
  log: Log;
  upGauge: Gauge;
  observeHistogram: Histogram;
  onPass(result: PassResult): Promise<void> | void;
}

/** Passes abandoned after their deadline and still running: past this, skip passes. */
const MAX_ABANDONED = 3;

/**
 * One loop per driver: a periodic full observe (the safety net) plus passes
 * triggered by markDirty (events). Passes never overlap; a pass that outlives its
 * deadline is abandoned and reported unhealthy, so a hung daemon can only ever
 * hold up its own driver.
 */
export class DriverRunner {
  private timer: NodeJS.Timeout | undefined;
  /** When the scheduled pass is due (monotonic ms). */
  private dueAt = Infinity;
  private running = false;
  /** The pass under way, so stop can wait for it (its results must not land after stop). */
  private current: Promise<void> | undefined;
  private rerun = false;
  private stopped = true;
  private abandoned = 0;
  private lastHealth: Health = { status: 'undetected' };

  constructor(private readonly o: DriverRunnerOptions) {}

  get name(): string {
    return this.o.driver.name;
  }

  health(): Health {
    return this.lastHealth;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Infinity;
  }

  markDirty(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.schedule(this.o.dirtyDelayMs ?? 20);
  }

  /**
   * Schedule the next pass, but never later than one already due: a stream of
   * events (a flapping link) must not postpone observation forever.
   */
  private schedule(delayMs: number, force = false): void {
    if (this.stopped) return;
    const due = this.o.clock.monotonic() + delayMs;
    if (this.timer && !force && due >= this.dueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueAt = Infinity;
      void this.pass();
    }, delayMs);
    this.timer.unref?.();
  }

  private jittered(): number {
    // ±10 % so that many agents restarted together drift apart.
    return Math.round(this.o.intervalMs * (0.9 + Math.random() * 0.2));
  }

  /** Resolves when no pass is under way (bounded by the caller). */
  async idle(): Promise<void> {
    await this.current;
  }

  /** One pass now (tests and the reconciler use it); resolves when done. */
  async pass(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    const done = this.passOnce();
    this.current = done;
    try {
      await done;
    } finally {
      if (this.current === done) this.current = undefined;
    }
  }

  private async passOnce(): Promise<void> {
    const { driver, clock } = this.o;
    const started = clock.monotonic();
    let result: PassResult;
    try {
      if (this.abandoned >= MAX_ABANDONED) {
        result = {
          health: {
            status: 'unhealthy',
            code: 'PLINTH_E_TIMEOUT',
            message: `${this.abandoned} calls are still hung; waiting for them before trying again`,
          },
          durationMs: 0,
        };
      } else {
        result = await this.observeOnce(driver, started);
      }
    } catch (e) {
      const err = toPlinthError(e);
      result = {
        health: { status: 'unhealthy', code: err.code, message: err.message },
        durationMs: clock.monotonic() - started,
      };
    }
    this.lastHealth = result.health;
    this.o.upGauge.set({ driver: driver.name }, result.health.status === 'healthy' ? 1 : 0);
    try {
      await this.o.onPass(result);
    } catch (e) {
      this.o.log.error(
        { driver: driver.name, err: toPlinthError(e).message },
        'recording a driver pass failed',
      );
    }
    this.running = false;
    if (this.rerun) {
      this.rerun = false;
      this.schedule(this.o.dirtyDelayMs ?? 20, true);
    } else {
      this.schedule(this.jittered(), true);
    }
  }

  private async observeOnce(driver: Driver, started: number): Promise<PassResult> {
    const { timeoutMs, clock } = this.o;
    // A call that outlives its deadline keeps running in the background; count it
    // until it settles so a permanently hung daemon cannot pile up calls.
    const tracked = <T>(what: string, fn: (s: AbortSignal) => Promise<T>): Promise<T> => {
      const st = { settled: false, abandoned: false };
      return withDeadline(what, timeoutMs, async (signal) => {
        try {
          return await fn(signal);
        } finally {
          st.settled = true;
          if (st.abandoned) this.abandoned--;
        }
      }).catch((e: unknown) => {
        if (!st.settled) {
          st.abandoned = true;
          this.abandoned++;
        }
        throw e;
      });
    };
    const health = await tracked(`${driver.name} health check`, (s) => driver.health(s));
    if (health.status !== 'healthy') return { health, durationMs: clock.monotonic() - started };
    const end = this.o.observeHistogram.startTimer({ driver: driver.name });
    try {
      const observation = await tracked(`${driver.name} observe`, (s) => driver.observe(s));
      return { health, observation, durationMs: clock.monotonic() - started };
    } finally {
      end();
    }
  }
}
