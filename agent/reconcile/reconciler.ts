import { toPlinthError } from '../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../lib/json.js';
import type { Log } from '../../lib/log.js';
import type { ApplyOutcome } from '../../lib/model.js';
import type { Driver, Observation } from '../drivers/driver.js';
import { withDeadline } from './timeout.js';

export interface DesiredDoc {
  generation: number;
  spec: JsonObject;
}

export interface ReconcilerOptions {
  drivers: readonly Driver[];
  log: Log;
  applyTimeoutMs: number;
  lastObservation(driver: string): Observation | undefined;
  /** Called once per generation, when every section has been tried at least once. */
  onApplied(generation: number, results: ApplyOutcome[]): void;
  /** The driver changed something: observe it again soon. */
  markDirty(driver: string): void;
  /** Top-level keys the agent itself handles (not a driver), e.g. `assignments`. */
  agentKeys?: readonly string[];
  /** Results for the agent's own keys, reported with the generation's ack. */
  agentResults?(doc: DesiredDoc): ApplyOutcome[];
  /**
   * Rewrite a driver's section just before it is applied (the conflict rules gate
   * starts this way); called on every apply, so it sees the latest observation.
   */
  transform?(
    driver: Driver,
    section: JsonValue | undefined,
    doc: DesiredDoc,
    observed: Observation,
  ): JsonValue | undefined | Promise<JsonValue | undefined>;
}

/**
 * Level-triggered convergence: after every healthy observe pass of a driver, and
 * whenever desired state arrives, the driver's section is re-applied; the drivers'
 * pure planners make a converged pass a no-op. One apply per driver at a time; the
 * latest desired state wins; a generation older than the one held is ignored.
 */
export class Reconciler {
  private desired: DesiredDoc | undefined;
  private readonly busy = new Set<string>();
  private readonly again = new Set<string>();
  private pendingResults = new Map<string, ApplyOutcome[]>();
  private ackedGeneration = 0;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: ReconcilerOptions) {}

  current(): DesiredDoc | undefined {
    return this.desired;
  }

  /** Returns false (and changes nothing) for a generation not newer than the one held. */
  setDesired(doc: DesiredDoc, alreadyApplied = 0): boolean {
    if (this.desired && doc.generation <= this.desired.generation) return false;
    this.desired = doc;
    this.pendingResults = new Map();
    this.ackedGeneration = Math.max(this.ackedGeneration, alreadyApplied);
    const claimed = new Set([
      ...this.o.drivers.map((d) => d.desiredKey).filter((k): k is string => !!k),
      ...(this.o.agentKeys ?? []),
    ]);
    const unclaimed: ApplyOutcome[] = Object.keys(doc.spec)
      .filter((k) => !claimed.has(k))
      .map((k) => ({
        kind: 'desired',
        id: k,
        ok: false,
        code: 'PLINTH_E_INVALID_ARGUMENT',
        message: `no driver on this host handles "${k}" (enabled drivers: ${this.o.drivers.map((d) => d.name).join(', ') || 'none'})`,
      }));
    this.pendingResults.set('(unclaimed)', unclaimed);
    this.pendingResults.set('(agent)', this.agentResults(doc));
    for (const d of this.appliers()) void this.reconcile(d.name);
    this.maybeAck();
    return true;
  }

  private agentResults(doc: DesiredDoc): ApplyOutcome[] {
    try {
      return this.o.agentResults?.(doc) ?? [];
    } catch (e) {
      const err = toPlinthError(e);
      return [{ kind: 'agent', id: 'desired', ok: false, code: err.code, message: err.message }];
    }
  }

  private appliers(): Driver[] {
    return this.o.drivers.filter((d) => d.apply && d.parseDesired && d.desiredKey);
  }

  /** A driver that cannot run this pass still answers for its section. */
  reportUnavailable(driver: string, message: string, code = 'PLINTH_E_UNAVAILABLE'): void {
    const d = this.appliers().find((x) => x.name === driver);
    if (!d || !this.desired || this.pendingResults.has(driver)) return;
    if (this.desired.spec[d.desiredKey!] === undefined) return;
    this.pendingResults.set(driver, [{ kind: 'driver', id: driver, ok: false, code, message }]);
    this.maybeAck();
  }

  /** Never rejects: a failing callback (say, a full disk under onApplied) is logged, not fatal. */
  async reconcile(driver: string): Promise<void> {
    if (this.stopped) return;
    const run = this.reconcileOnce(driver).catch((e: unknown) => {
      this.o.log.error({ driver, err: toPlinthError(e).message }, 'reconcile failed');
    });
    this.inFlight.add(run);
    try {
      await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  /**
   * No apply starts after this; resolves when the ones under way have returned (or
   * after `waitMs`): a stopped agent must not act on the host any more.
   */
  async stop(waitMs = 10_000): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.inFlight]),
      new Promise((r) => {
        timer = setTimeout(r, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async reconcileOnce(driver: string): Promise<void> {
    const d = this.appliers().find((x) => x.name === driver);
    if (!d || !this.desired) return;
    // A document without this driver's section says nothing about it: never read
    // that as "nothing should exist" (which would remove every owned domain).
    if (this.desired.spec[d.desiredKey!] === undefined) return;
    if (this.busy.has(driver)) {
      this.again.add(driver);
      return;
    }
    this.busy.add(driver);
    try {
      do {
        if (this.stopped) break;
        this.again.delete(driver);
        const doc: DesiredDoc = this.desired;
        const observed = this.o.lastObservation(driver);
        if (!observed) {
          this.reportUnavailable(driver, `${driver} has not been observed successfully yet`);
          break;
        }
        const results = await this.applyOnce(d, doc, observed);
        if (doc === this.desired) {
          this.pendingResults.set(driver, results);
          this.maybeAck();
        }
        if (results.some((r) => r.ok && r.action && r.action !== 'noop')) this.o.markDirty(driver);
      } while (this.again.has(driver));
    } finally {
      this.busy.delete(driver);
    }
  }

  private async applyOnce(
    d: Driver,
    doc: DesiredDoc,
    observed: Observation,
  ): Promise<ApplyOutcome[]> {
    try {
      const raw = doc.spec[d.desiredKey!];
      const section = this.o.transform ? await this.o.transform(d, raw, doc, observed) : raw;
      const parsed = d.parseDesired!(section);
      const applied = await withDeadline(`${d.name} apply`, this.o.applyTimeoutMs, (s) =>
        d.apply!(parsed.desired, observed, s),
      );
      const acted = applied.filter((r) => r.ok && r.action && r.action !== 'noop');
      if (acted.length > 0)
        this.o.log.info(
          {
            driver: d.name,
            generation: doc.generation,
            actions: acted.map((r) => `${r.id}:${r.action}`),
          },
          'converged',
        );
      return [...parsed.errors, ...applied];
    } catch (e) {
      const err = toPlinthError(e);
      this.o.log.warn({ driver: d.name, code: err.code, err: err.message }, 'apply failed');
      return [{ kind: 'driver', id: d.name, ok: false, code: err.code, message: err.message }];
    }
  }

  private maybeAck(): void {
    try {
      this.ackIfComplete();
    } catch (e) {
      this.o.log.error({ err: toPlinthError(e).message }, 'recording an applied generation failed');
    }
  }

  private ackIfComplete(): void {
    if (!this.desired || this.desired.generation <= this.ackedGeneration) return;
    const needed = [
      '(unclaimed)',
      '(agent)',
      ...this.appliers()
        .filter((d) => this.desired!.spec[d.desiredKey!] !== undefined)
        .map((d) => d.name),
    ];
    if (!needed.every((n) => this.pendingResults.has(n))) return;
    this.ackedGeneration = this.desired.generation;
    this.o.onApplied(
      this.desired.generation,
      needed.flatMap((n) => this.pendingResults.get(n) ?? []),
    );
  }
}
