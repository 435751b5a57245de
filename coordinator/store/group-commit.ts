import type { Db } from '../../lib/sqlite.js';

interface Item {
  work: () => unknown;
  rollback: (() => void) | undefined;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface GroupCommitOptions {
  /** Called after each committed batch (metrics: batch size, seconds). */
  onBatch?: (size: number, seconds: number) => void;
  /** At most this many writes per transaction; the rest go in the next turn (default: all). */
  maxBatch?: number;
  /** What a failed COMMIT rejects every write of the batch with (default: its error). */
  commitError?: (e: unknown, size: number) => unknown;
}

/**
 * Group commit: writes queued during one turn of the event loop are committed in a
 * single transaction, so a thousand agents reconnecting at once cost one fsync per
 * batch instead of one each, with the same durability (synchronous=FULL) before any
 * acknowledgement. Each write runs in its own savepoint: one failing write is
 * rolled back and rejected alone. FIFO, so one session's writes keep their order.
 *
 * A write with in-memory effects (the placement engine's capacity index) passes
 * `rollback`: it is called when that write throws, and for every write of the batch,
 * newest first, when the COMMIT fails — memory never keeps what SQLite did not.
 */
export class GroupCommit {
  private queue: Item[] = [];
  private scheduled = false;
  private readonly runItem: (item: Item) => unknown;
  private readonly runBatch: (batch: Item[], results: { ok: boolean; value: unknown }[]) => void;

  constructor(
    db: Db,
    private readonly opts: GroupCommitOptions = {},
  ) {
    // Built once: a transaction function per call costs more than a small write.
    // Called inside runBatch, runItem is a savepoint.
    this.runItem = db.transaction((item: Item) => item.work());
    this.runBatch = db.transaction((batch: Item[], results: { ok: boolean; value: unknown }[]) => {
      for (const item of batch) {
        try {
          results.push({ ok: true, value: this.runItem(item) });
        } catch (e) {
          item.rollback?.();
          results.push({ ok: false, value: e });
        }
      }
    });
  }

  enqueue<T>(work: () => T, rollback?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, rollback, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commit what is queued now, up to maxBatch (also used on shutdown); the rest go in the next turn. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.opts.maxBatch ?? this.queue.length);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (batch.length === 0) return;
    const results: { ok: boolean; value: unknown }[] = [];
    const t0 = performance.now();
    try {
      this.runBatch(batch, results);
    } catch (e) {
      for (let i = results.length - 1; i >= 0; i--) if (results[i]!.ok) batch[i]!.rollback?.();
      const err = this.opts.commitError ? this.opts.commitError(e, batch.length) : e;
      for (const item of batch) item.reject(err);
      return;
    }
    this.opts.onBatch?.(batch.length, (performance.now() - t0) / 1000);
    batch.forEach((item, i) => {
      const r = results[i]!;
      if (r.ok) item.resolve(r.value);
      else item.reject(r.value);
    });
  }
}
