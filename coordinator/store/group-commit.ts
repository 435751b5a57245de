import type { Db } from '../../lib/sqlite.js';

interface Item {
  work: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: writes queued during one turn of the event loop are committed in a
 * single transaction, so a thousand agents reconnecting at once cost one fsync per
 * batch instead of one each, with the same durability (synchronous=FULL) before any
 * acknowledgement. Each write runs as its own savepoint: one failing write is
 * rolled back and rejected alone. FIFO, so one session's writes keep their order.
 */
export class GroupCommit {
  private queue: Item[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly onBatch?: (size: number, seconds: number) => void,
  ) {}

  enqueue<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commit everything queued now (also used on shutdown). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const results: { ok: boolean; value: unknown }[] = [];
    const t0 = performance.now();
    try {
      this.db.transaction(() => {
        for (const item of batch) {
          try {
            // Store methods open their own (nested) transaction: a savepoint here.
            results.push({ ok: true, value: item.work() });
          } catch (e) {
            results.push({ ok: false, value: e });
          }
        }
      })();
    } catch (e) {
      for (const item of batch) item.reject(e);
      return;
    }
    this.onBatch?.(batch.length, (performance.now() - t0) / 1000);
    batch.forEach((item, i) => {
      const r = results[i]!;
      if (r.ok) item.resolve(r.value);
      else item.reject(r.value);
    });
  }
}
