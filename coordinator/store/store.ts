import type { Histogram } from 'prom-client';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/json.js';
import type { Log } from '../../lib/log.js';
import type { ApplyOutcome, HostEvent, HostState, ObjectChange } from '../../lib/model.js';
import { openDatabase, type Db } from '../../lib/sqlite.js';
import { coordinatorMigrations } from './migrations.js';

export interface HostRow {
  id: string;
  labels: Record<string, string>;
  inventory: JsonObject;
  version: string;
  incarnation: string;
  ackedSeq: number;
  appliedGeneration: number;
  appliedResults: ApplyOutcome[];
  firstSeenMs: number;
  lastHelloMs: number;
  lastState: HostState;
  stateSinceMs: number;
}

export interface StoredEvent extends HostEvent {
  id: number;
  hostId: string;
}

export interface StoredObject {
  kind: string;
  id: string;
  data: JsonObject;
}

interface RawHost {
  id: string;
  labels: string;
  inventory: string;
  version: string;
  incarnation: string;
  acked_seq: number;
  applied_generation: number;
  applied_results: string;
  first_seen_ms: number;
  last_hello_ms: number;
  last_state: string;
  state_since_ms: number;
}

function toHost(r: RawHost): HostRow {
  return {
    id: r.id,
    labels: JSON.parse(r.labels) as Record<string, string>,
    inventory: JSON.parse(r.inventory) as JsonObject,
    version: r.version,
    incarnation: r.incarnation,
    ackedSeq: r.acked_seq,
    appliedGeneration: r.applied_generation,
    appliedResults: JSON.parse(r.applied_results) as ApplyOutcome[],
    firstSeenMs: r.first_seen_ms,
    lastHelloMs: r.last_hello_ms,
    lastState: r.last_state as HostState,
    stateSinceMs: r.state_since_ms,
  };
}

function noHost(id: string): PlinthError {
  return new PlinthError(
    ErrorCodes.NOT_FOUND,
    `no host "${id}": it has never connected (see \`plinth hosts\`)`,
    { host: id },
  );
}

/**
 * The coordinator's record of the cluster. Every write that is acknowledged to an
 * agent or an operator commits with synchronous=FULL before the ack is sent.
 * Heartbeats never touch it.
 */
export class CoordinatorStore {
  readonly db: Db;

  constructor(
    path: string,
    log: Log,
    private readonly now: () => number,
    private readonly commitSeconds?: Histogram,
    private readonly maxEvents = 200_000,
  ) {
    this.db = openDatabase({ path, migrations: coordinatorMigrations, log, onCorrupt: 'refuse' });
  }

  private tx<T>(fn: () => T): T {
    const end = this.commitSeconds?.startTimer();
    try {
      return this.db.transaction(fn)();
    } finally {
      end?.();
    }
  }

  listHosts(): HostRow[] {
    return (this.db.prepare('SELECT * FROM hosts ORDER BY id').all() as RawHost[]).map(toHost);
  }

  getHost(id: string): HostRow | undefined {
    const r = this.db.prepare('SELECT * FROM hosts WHERE id = ?').get(id) as RawHost | undefined;
    return r ? toHost(r) : undefined;
  }

  requireHost(id: string): HostRow {
    const h = this.getHost(id);
    if (!h) throw noHost(id);
    return h;
  }

  /** requireHost without reading the row (its inventory is the largest JSON we keep). */
  requireHostId(id: string): void {
    if (this.db.prepare('SELECT 1 FROM hosts WHERE id = ?').get(id) === undefined) throw noHost(id);
  }

  /**
   * The host's current desired generation (0: none yet), checked against what the
   * writer last read when it says so (`expect` > 0): optimistic concurrency.
   */
  desiredGeneration(hostId: string, expect = 0): number {
    this.requireHostId(hostId);
    const r = this.db.prepare('SELECT generation FROM desired WHERE host_id = ?').get(hostId) as
      { generation: number } | undefined;
    const cur = r?.generation ?? 0;
    if (expect && expect !== cur)
      throw new PlinthError(
        ErrorCodes.CONFLICT,
        `host ${hostId} is at desired generation ${cur}, not ${expect}: re-read it and retry`,
        { current: cur },
      );
    return cur;
  }

  /**
   * A Hello: record the host and replace its objects with the snapshot. Returns the
   * seq the coordinator has committed for this incarnation (0 for a new one), so
   * the agent resends only what is missing.
   */
  recordHello(
    hostId: string,
    h: { version: string; incarnation: string; inventory: JsonObject; appliedGeneration: number },
    objects: readonly ObjectChange[],
  ): { ackedSeq: number } {
    return this.tx(() => {
      const now = this.now();
      const prev = this.getHost(hostId);
      const ackedSeq = prev && prev.incarnation === h.incarnation ? prev.ackedSeq : 0;
      this.db
        .prepare(
          `INSERT INTO hosts (id, inventory, version, incarnation, acked_seq, applied_generation, first_seen_ms, last_hello_ms, state_since_ms)
           VALUES (@id, @inventory, @version, @incarnation, @acked, @applied, @now, @now, @now)
           ON CONFLICT(id) DO UPDATE SET inventory = excluded.inventory, version = excluded.version,
             incarnation = excluded.incarnation, acked_seq = excluded.acked_seq,
             applied_generation = excluded.applied_generation, last_hello_ms = excluded.last_hello_ms`,
        )
        .run({
          id: hostId,
          inventory: JSON.stringify(h.inventory),
          version: h.version,
          incarnation: h.incarnation,
          acked: ackedSeq,
          applied: h.appliedGeneration,
          now,
        });
      this.replaceObjects(hostId, objects);
      return { ackedSeq };
    });
  }

  private replaceObjects(hostId: string, objects: readonly ObjectChange[]): void {
    this.db.prepare('DELETE FROM objects WHERE host_id = ?').run(hostId);
    const ins = this.db.prepare(
      'INSERT OR REPLACE INTO objects (host_id, kind, id, data) VALUES (?, ?, ?, ?)',
    );
    for (const o of objects)
      if (!o.deleted) ins.run(hostId, o.kind, o.id, JSON.stringify(o.data ?? {}));
  }

  /** A Resync snapshot: objects replaced, seq committed. */
  recordSnapshot(hostId: string, seq: number, objects: readonly ObjectChange[]): void {
    this.tx(() => {
      this.replaceObjects(hostId, objects);
      this.db.prepare('UPDATE hosts SET acked_seq = ? WHERE id = ?').run(seq, hostId);
    });
  }

  /**
   * One delta, atomically. Object changes are applied only when newer than the
   * state the last snapshot described (`stateSeq`): a replayed old delta still
   * delivers its events but cannot roll objects back.
   */
  recordDelta(
    hostId: string,
    seq: number,
    stateSeq: number,
    changes: readonly ObjectChange[],
    events: readonly HostEvent[],
  ): StoredEvent[] {
    return this.tx(() => {
      if (seq > stateSeq) {
        const up = this.db.prepare(
          'INSERT OR REPLACE INTO objects (host_id, kind, id, data) VALUES (?, ?, ?, ?)',
        );
        const del = this.db.prepare(
          'DELETE FROM objects WHERE host_id = ? AND kind = ? AND id = ?',
        );
        for (const c of changes) {
          if (c.deleted) del.run(hostId, c.kind, c.id);
          else up.run(hostId, c.kind, c.id, JSON.stringify(c.data ?? {}));
        }
      }
      const stored = events.map((e) => this.insertEvent(hostId, e));
      this.db.prepare('UPDATE hosts SET acked_seq = ? WHERE id = ?').run(seq, hostId);
      return stored;
    });
  }

  private insertEvent(hostId: string, e: HostEvent): StoredEvent {
    const info = this.db
      .prepare(
        'INSERT INTO events (host_id, at_ms, type, severity, message, object_kind, object_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        hostId,
        e.atMs,
        e.type,
        e.severity,
        e.message,
        e.object?.kind ?? '',
        e.object?.id ?? '',
        e.data ? JSON.stringify(e.data) : '',
      );
    return { ...e, id: Number(info.lastInsertRowid), hostId };
  }

  addEvent(hostId: string, e: Omit<HostEvent, 'atMs'> & { atMs?: number }): StoredEvent {
    return this.tx(() => this.insertEvent(hostId, { ...e, atMs: e.atMs ?? this.now() }));
  }

  /** Keep the event log bounded; the oldest go first. */
  pruneEvents(): number {
    const row = this.db.prepare('SELECT MAX(id) AS maxId FROM events').get() as {
      maxId: number | null;
    };
    if (!row.maxId || row.maxId <= this.maxEvents) return 0;
    return this.db.prepare('DELETE FROM events WHERE id <= ?').run(row.maxId - this.maxEvents)
      .changes;
  }

  listEvents(afterId: number, limit: number, hostId?: string): StoredEvent[] {
    const rows = (
      hostId
        ? this.db
            .prepare('SELECT * FROM events WHERE id > ? AND host_id = ? ORDER BY id LIMIT ?')
            .all(afterId, hostId, limit)
        : this.db
            .prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?')
            .all(afterId, limit)
    ) as {
      id: number;
      host_id: string;
      at_ms: number;
      type: string;
      severity: string;
      message: string;
      object_kind: string;
      object_id: string;
      data: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      hostId: r.host_id,
      atMs: r.at_ms,
      type: r.type,
      severity: r.severity as HostEvent['severity'],
      message: r.message,
      ...(r.object_kind ? { object: { kind: r.object_kind, id: r.object_id } } : {}),
      ...(r.data ? { data: JSON.parse(r.data) as JsonObject } : {}),
    }));
  }

  /** The newest `limit` events, oldest first (for `plinth events` without --after). */
  tailEvents(limit: number, hostId?: string): StoredEvent[] {
    const row = (
      hostId
        ? this.db
            .prepare('SELECT id FROM events WHERE host_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?')
            .get(hostId, limit)
        : this.db.prepare('SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?').get(limit)
    ) as { id: number } | undefined;
    return this.listEvents(row?.id ?? 0, limit, hostId);
  }

  objects(hostId: string): StoredObject[] {
    const rows = this.db
      .prepare('SELECT kind, id, data FROM objects WHERE host_id = ? ORDER BY kind, id')
      .all(hostId) as {
      kind: string;
      id: string;
      data: string;
    }[];
    return rows.map((r) => ({ kind: r.kind, id: r.id, data: JSON.parse(r.data) as JsonObject }));
  }

  objectsOfKind(hostId: string, kind: string): StoredObject[] {
    const rows = this.db
      .prepare('SELECT kind, id, data FROM objects WHERE host_id = ? AND kind = ? ORDER BY id')
      .all(hostId, kind) as {
      kind: string;
      id: string;
      data: string;
    }[];
    return rows.map((r) => ({ kind: r.kind, id: r.id, data: JSON.parse(r.data) as JsonObject }));
  }

  setLabels(hostId: string, set: Record<string, string>, remove: readonly string[]): HostRow {
    return this.tx(() => {
      const h = this.requireHost(hostId);
      const labels = { ...h.labels, ...set };
      for (const k of remove) delete labels[k];
      this.db
        .prepare('UPDATE hosts SET labels = ? WHERE id = ?')
        .run(JSON.stringify(labels), hostId);
      return { ...h, labels };
    });
  }

  setState(hostId: string, state: HostState, sinceMs: number): void {
    this.db
      .prepare('UPDATE hosts SET last_state = ?, state_since_ms = ? WHERE id = ?')
      .run(state, sinceMs, hostId);
  }

  setDesired(hostId: string, spec: JsonObject, expectGeneration = 0): { generation: number } {
    return this.tx(() => {
      const generation = this.desiredGeneration(hostId, expectGeneration) + 1;
      this.putDesired(hostId, generation, JSON.stringify(spec));
      return { generation };
    });
  }

  /** Store a generation as is: the caller, in its transaction, has read the one before. */
  putDesired(hostId: string, generation: number, specJson: string): void {
    if (!this.db.inTransaction)
      throw new PlinthError(ErrorCodes.INTERNAL, 'putDesired outside a transaction');
    this.db
      .prepare(
        'INSERT INTO desired (host_id, generation, spec, updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT(host_id) DO UPDATE SET generation = excluded.generation, spec = excluded.spec, updated_ms = excluded.updated_ms',
      )
      .run(hostId, generation, specJson, this.now());
  }

  getDesired(hostId: string): { generation: number; spec: JsonObject } | undefined {
    const r = this.db
      .prepare('SELECT generation, spec FROM desired WHERE host_id = ?')
      .get(hostId) as { generation: number; spec: string } | undefined;
    return r ? { generation: r.generation, spec: JSON.parse(r.spec) as JsonObject } : undefined;
  }

  recordApplied(hostId: string, generation: number, results: readonly ApplyOutcome[]): void {
    this.tx(() => {
      this.db
        .prepare(
          'UPDATE hosts SET applied_generation = ?, applied_results = ? WHERE id = ? AND applied_generation <= ?',
        )
        .run(generation, JSON.stringify(results), hostId, generation);
    });
  }

  setBmc(r: BmcRow): void {
    this.tx(() => {
      this.requireHost(r.hostId);
      this.db
        .prepare(
          `INSERT INTO bmc (host_id, protocol, address, user, secret, ca_pem, pinned_sha256, insecure, cipher_suite, updated_ms)
           VALUES (@hostId, @protocol, @address, @user, @secret, @caPem, @pinnedSha256, @insecure, @cipherSuite, @updatedMs)
           ON CONFLICT(host_id) DO UPDATE SET protocol = excluded.protocol, address = excluded.address, user = excluded.user,
             secret = excluded.secret, ca_pem = excluded.ca_pem, pinned_sha256 = excluded.pinned_sha256,
             insecure = excluded.insecure, cipher_suite = excluded.cipher_suite, updated_ms = excluded.updated_ms`,
        )
        .run({ ...r, insecure: r.insecure ? 1 : 0 });
    });
  }

  getBmc(hostId: string): BmcRow | undefined {
    const r = this.db.prepare('SELECT * FROM bmc WHERE host_id = ?').get(hostId) as
      | {
          host_id: string;
          protocol: 'ipmi' | 'redfish';
          address: string;
          user: string;
          secret: string;
          ca_pem: string;
          pinned_sha256: string;
          insecure: number;
          cipher_suite: number;
          updated_ms: number;
        }
      | undefined;
    return r
      ? {
          hostId: r.host_id,
          protocol: r.protocol,
          address: r.address,
          user: r.user,
          secret: r.secret,
          caPem: r.ca_pem,
          pinnedSha256: r.pinned_sha256,
          insecure: r.insecure === 1,
          cipherSuite: r.cipher_suite,
          updatedMs: r.updated_ms,
        }
      : undefined;
  }

  close(): void {
    this.db.close();
  }
}

/** A host's BMC access as stored: the secret is ciphertext only. */
export interface BmcRow {
  hostId: string;
  protocol: 'ipmi' | 'redfish';
  address: string;
  user: string;
  secret: string;
  caPem: string;
  pinnedSha256: string;
  insecure: boolean;
  cipherSuite: number;
  updatedMs: number;
}
