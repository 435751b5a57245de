import { toPlinthError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/json.js';
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
    const claimed = new Set(
      this.o.drivers.map((d) => d.desiredKey).filter((k): k is string => !!k),
    );
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
    for (const d of this.appliers()) void this.reconcile(d.name);
    this.maybeAck();
    return true;
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
    try {
      await this.reconcileOnce(driver);
    } catch (e) {
      this.o.log.error({ driver, err: toPlinthError(e).message }, 'reconcile failed');
    }
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
    const section = doc.spec[d.desiredKey!];
    try {
      const parsed = d.parseDesired!(section);
      const applied = await withDeadline(`${d.name} apply`, this.o.applyTimeoutMs, (s) =>
        d.apply!(parsed.desired, observed, s),
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
