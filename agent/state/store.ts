import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../lib/json.js';
import type { Log } from '../../lib/log.js';
import { openDatabase, type Db, type Migration } from '../../lib/sqlite.js';
import type { ApplyOutcome, DeltaRecord, HostEvent, ObjectChange } from '../../lib/model.js';
import type { Policy, TokenRecord } from '../assignments/types.js';

/**
 * The agent's local snapshot: what it last observed, the desired state it holds
 * (so it keeps enforcing it while cut off, across restarts), and the outbox of
 * deltas the coordinator has not acknowledged yet. Every write is one transaction
 * with synchronous=FULL: kill -9 or power loss loses nothing acknowledged.
 */
const migrations: Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE observed (
        kind TEXT NOT NULL, id TEXT NOT NULL, driver TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (kind, id)
      );
      CREATE TABLE outbox (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, created_ms INTEGER NOT NULL);
      CREATE TABLE desired (
        one INTEGER PRIMARY KEY CHECK (one = 1), generation INTEGER NOT NULL, spec TEXT NOT NULL, received_ms INTEGER NOT NULL
      );
      CREATE TABLE applied (
        one INTEGER PRIMARY KEY CHECK (one = 1), generation INTEGER NOT NULL, results TEXT NOT NULL, applied_ms INTEGER NOT NULL
      );
      CREATE TABLE inventory (one INTEGER PRIMARY KEY CHECK (one = 1), body TEXT NOT NULL, updated_ms INTEGER NOT NULL);
    `);
  },
  // Fencing tokens (issue 10): the highest token seen per VM, never lowered, and the
  // domain entry accepted with it. Kept after the VM leaves (a stale re-assignment
  // must still be refused).
  (db) => {
    db.exec(`
      CREATE TABLE assignments (
        uuid TEXT PRIMARY KEY, name TEXT NOT NULL, token INTEGER NOT NULL, policy TEXT NOT NULL,
        assigned INTEGER NOT NULL, domain TEXT, updated_ms INTEGER NOT NULL
      );
    `);
  },
];

export interface StoredObject {
  kind: string;
  id: string;
  driver: string;
  data: JsonObject;
}

export interface AgentStoreOptions {
  path: string;
  log: Log;
  now: () => number;
  /** Outbox entries kept at most; beyond it the oldest go and the coordinator resyncs. */
  maxOutbox?: number;
}

export class AgentStore {
  readonly db: Db;
  readonly incarnation: string;
  private lastSeqValue: number;
  private readonly now: () => number;
  private readonly maxOutbox: number;
  private droppedFromOutbox = 0;

  constructor(opts: AgentStoreOptions) {
    this.now = opts.now;
    this.maxOutbox = opts.maxOutbox ?? 100_000;
    this.db = openDatabase({
      path: opts.path,
      migrations,
      log: opts.log,
      onCorrupt: 'move-aside',
      now: opts.now,
    });
    let inc = this.getMeta('incarnation');
    if (!inc) {
      inc = randomUUID();
      this.setMeta('incarnation', inc);
    }
    this.incarnation = inc;
    this.lastSeqValue = Number(this.getMeta('last_seq') ?? '0');
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  lastSeq(): number {
    return this.lastSeqValue;
  }

  loadObserved(): StoredObject[] {
    const rows = this.db.prepare('SELECT kind, id, driver, data FROM observed').all() as {
      kind: string;
      id: string;
      driver: string;
      data: string;
    }[];
    return rows.map((r) => ({
      kind: r.kind,
      id: r.id,
      driver: r.driver,
      data: JSON.parse(r.data) as JsonObject,
    }));
  }

  /**
   * Record changes (and events) as the next delta: the observed table and the
   * outbox move together in one transaction, so the snapshot and the outbox never
   * disagree after a crash. Returns the delta with its sequence number.
   */
  recordDelta(driver: string, changes: ObjectChange[], events: HostEvent[]): DeltaRecord {
    const upsert = this.db.prepare(
      'INSERT INTO observed (kind, id, driver, data) VALUES (?, ?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET driver = excluded.driver, data = excluded.data',
    );
    const del = this.db.prepare('DELETE FROM observed WHERE kind = ? AND id = ?');
    const insOutbox = this.db.prepare(
      'INSERT INTO outbox (seq, body, created_ms) VALUES (?, ?, ?)',
    );
    const setSeq = this.db.prepare(
      "INSERT INTO meta (key, value) VALUES ('last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    const seq = this.lastSeqValue + 1;
    const record: DeltaRecord = { seq, changes, events };
    this.db.transaction(() => {
      for (const c of changes) {
        if (c.deleted) del.run(c.kind, c.id);
        else upsert.run(c.kind, c.id, driver, JSON.stringify(c.data ?? {}));
      }
      insOutbox.run(seq, JSON.stringify({ changes, events }), this.now());
      setSeq.run(String(seq));
    })();
    this.lastSeqValue = seq;
    this.enforceOutboxBound();
    return record;
  }

  private enforceOutboxBound(): void {
    const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number };
    if (n <= this.maxOutbox) return;
    const excess = n - this.maxOutbox;
    this.db
      .prepare('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)')
      .run(excess);
    this.droppedFromOutbox += excess;
  }

  /** Deltas dropped because the outbox was full (the coordinator resyncs from a snapshot). */
  droppedDeltas(): number {
    return this.droppedFromOutbox;
  }

  outboxAfter(seq: number, limit = 1000): DeltaRecord[] {
    const rows = this.db
      .prepare('SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(seq, limit) as {
      seq: number;
      body: string;
    }[];
    return rows.map((r) => ({ seq: r.seq, ...(JSON.parse(r.body) as Omit<DeltaRecord, 'seq'>) }));
  }

  outboxDepth(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  }

  /** The coordinator committed everything up to `seq`. */
  trimOutbox(seq: number): void {
    this.db.prepare('DELETE FROM outbox WHERE seq <= ?').run(seq);
  }

  saveDesired(generation: number, spec: JsonObject): void {
    this.db
      .prepare(
        'INSERT INTO desired (one, generation, spec, received_ms) VALUES (1, ?, ?, ?) ON CONFLICT(one) DO UPDATE SET generation = excluded.generation, spec = excluded.spec, received_ms = excluded.received_ms',
      )
      .run(generation, JSON.stringify(spec), this.now());
  }

  /**
   * Accept a newer desired document and the fencing tokens it raises, in one
   * transaction: a crash never leaves a held document whose tokens were not persisted.
   */
  acceptDesired(
    generation: number,
    spec: JsonObject,
    records: ReadonlyMap<string, TokenRecord>,
  ): void {
    const up = this.db.prepare(
      `INSERT INTO assignments (uuid, name, token, policy, assigned, domain, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(uuid) DO UPDATE SET name = excluded.name, token = MAX(assignments.token, excluded.token),
         policy = excluded.policy, assigned = excluded.assigned, domain = excluded.domain, updated_ms = excluded.updated_ms`,
    );
    this.db.transaction(() => {
      this.saveDesired(generation, spec);
      const now = this.now();
      for (const r of records.values()) {
        up.run(
          r.uuid,
          r.name,
          r.token,
          r.policy,
          r.assigned ? 1 : 0,
          r.domain ? JSON.stringify(r.domain) : null,
          now,
        );
      }
    })();
  }

  loadAssignments(): Map<string, TokenRecord> {
    const rows = this.db
      .prepare('SELECT uuid, name, token, policy, assigned, domain FROM assignments')
      .all() as {
      uuid: string;
      name: string;
      token: number;
      policy: string;
      assigned: number;
      domain: string | null;
    }[];
    return new Map(
      rows.map((r) => [
        r.uuid,
        {
          uuid: r.uuid,
          name: r.name,
          token: r.token,
          policy: r.policy as Policy,
          assigned: r.assigned === 1,
          ...(r.domain ? { domain: JSON.parse(r.domain) as JsonObject } : {}),
        },
      ]),
    );
  }

  loadDesired(): { generation: number; spec: JsonObject } | undefined {
    const row = this.db.prepare('SELECT generation, spec FROM desired WHERE one = 1').get() as
      { generation: number; spec: string } | undefined;
    return row
      ? { generation: row.generation, spec: JSON.parse(row.spec) as JsonObject }
      : undefined;
  }

  saveApplied(generation: number, results: ApplyOutcome[]): void {
    this.db
      .prepare(
        'INSERT INTO applied (one, generation, results, applied_ms) VALUES (1, ?, ?, ?) ON CONFLICT(one) DO UPDATE SET generation = excluded.generation, results = excluded.results, applied_ms = excluded.applied_ms',
      )
      .run(generation, JSON.stringify(results), this.now());
  }

  loadApplied(): { generation: number; results: ApplyOutcome[] } {
    const row = this.db.prepare('SELECT generation, results FROM applied WHERE one = 1').get() as
      { generation: number; results: string } | undefined;
    return row
      ? { generation: row.generation, results: JSON.parse(row.results) as ApplyOutcome[] }
      : { generation: 0, results: [] };
  }

  saveInventory(body: JsonObject): void {
    this.db
      .prepare(
        'INSERT INTO inventory (one, body, updated_ms) VALUES (1, ?, ?) ON CONFLICT(one) DO UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms',
      )
      .run(JSON.stringify(body), this.now());
  }

  loadInventory(): JsonObject | undefined {
    const row = this.db.prepare('SELECT body FROM inventory WHERE one = 1').get() as
      { body: string } | undefined;
    return row ? (JSON.parse(row.body) as JsonObject) : undefined;
  }

  close(): void {
    this.db.close();
  }
}
