import { randomUUID } from 'node:crypto';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { Log } from '../../lib/log.js';
import { isValidName } from '../../lib/names.js';
import type { Db } from '../../lib/sqlite.js';
import type { Statement } from 'better-sqlite3';
import { GroupCommit } from '../store/group-commit.js';
import { CapacityIndex } from './capacity-index.js';
import type { NetworkMap, SchedulerConfig } from './config.js';
import { placeIndexed, type PlaceOptions } from './place.js';
import {
  buildSnapshot,
  hostCapacity,
  readClaims,
  readHostFacts,
  usageByHost,
  type ClaimRow,
  type Liveness,
} from './snapshot.js';
import type { HostCapacity, Placement, PlacementRequest, SchedulerSnapshot } from './types.js';

export interface PlacementEngineDeps {
  /** The coordinator's store (CoordinatorStore): its `db` holds hosts, objects, host_sched, claims. */
  store: { readonly db: Db };
  /**
   * Liveness per host (the Cluster). When it is an EventEmitter (Cluster is), the
   * engine listens to its 'state' events and invalidates the host itself.
   */
  liveness: Liveness & {
    on?(event: 'state', fn: (hostId: string) => void): unknown;
    off?(event: 'state', fn: (hostId: string) => void): unknown;
  };
  config: SchedulerConfig;
  networks: NetworkMap;
  /** Wall clock for claims.created_ms. */
  now: () => number;
  log: Log;
  /** Called after each committed batch (metrics: batch size, seconds). */
  onBatch?: (size: number, seconds: number) => void;
  /** At most this many placements per transaction (default 256). */
  maxBatch?: number;
}

export interface PlaceCallOptions {
  /** From preview-time fingerprint(): refuse (PLINTH_E_CONFLICT) if anything changed since. */
  fingerprint?: string;
}

export interface EngineClaim {
  hostId: string;
  vcpus: number;
  memoryMiB: number;
  group: string;
}

type Undo = (() => void)[];

/**
 * The placement engine: a live capacity index in memory (rebuilt from SQLite at
 * start, kept current by claims and by invalidateHost), and placement with its
 * claim in one SQLite transaction. Placements queued in one turn of the event loop
 * commit together (group commit, synchronous=FULL, one fsync per batch); each runs
 * in its own savepoint, in order, against the index as the previous ones left it,
 * so no two can take the same capacity. Each caller is resolved only after the
 * commit; a failed commit rolls the index back too.
 */
export class PlacementEngine {
  private idx!: CapacityIndex;
  private readonly caps = new Map<string, HostCapacity>();
  private readonly claims = new Map<string, EngineClaim>();
  private readonly dirty = new Set<string>();
  private readonly instance = randomUUID().slice(0, 8);
  private version = 0;
  private readonly commits: GroupCommit;
  private readonly onState = (hostId: string) => this.invalidateHost(hostId);
  private readonly stmt: {
    claim: Statement<[string, string, number, number, string, number]>;
    release: Statement<[string]>;
  };

  constructor(private readonly deps: PlacementEngineDeps) {
    const db = deps.store.db;
    this.stmt = {
      claim: db.prepare(
        'INSERT OR REPLACE INTO claims (vm_name, host_id, vcpus, memory_mib, group_name, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      release: db.prepare('DELETE FROM claims WHERE vm_name = ?'),
    };
    this.commits = new GroupCommit(db, {
      maxBatch: deps.maxBatch ?? 256,
      ...(deps.onBatch ? { onBatch: deps.onBatch } : {}),
      commitError: (e, size) => {
        deps.log.error(
          { err: (e as Error).message, batch: size },
          'placement commit failed: claims rolled back',
        );
        return new PlinthError(
          ErrorCodes.STORE,
          `placement commit failed: ${(e as Error).message}`,
          undefined,
          { cause: e },
        );
      },
    });
    this.refresh();
    deps.liveness.on?.('state', this.onState);
  }

  /** Re-read every host and every claim from SQLite (start, or after an outside change). */
  refresh(): void {
    this.caps.clear();
    for (const f of readHostFacts(this.deps.store.db, this.deps.liveness))
      this.caps.set(f.id, hostCapacity(f, this.deps.config, this.deps.networks));
    this.claims.clear();
    for (const c of readClaims(this.deps.store.db))
      this.claims.set(c.vmName, {
        hostId: c.hostId,
        vcpus: c.vcpus,
        memoryMiB: c.memoryMiB,
        group: c.group,
      });
    this.dirty.clear();
    this.version++;
    this.rebuild();
  }

  /**
   * Something that can change a placement may have changed on this host: liveness,
   * labels, inventory, conditions, OVS bridges, cordon/maintenance. Re-read lazily,
   * before the next placement; the fingerprint moves only if the host really changed.
   */
  invalidateHost(hostId: string): void {
    this.dirty.add(hostId);
  }

  /** Changes whenever anything that could change a placement changes (plan/apply). */
  fingerprint(): string {
    this.ensureFresh();
    return `${this.instance}-${this.version}`;
  }

  /** The current snapshot (hosts with their claimed usage). */
  snapshot(): SchedulerSnapshot {
    this.ensureFresh();
    const idx = this.idx;
    return {
      hosts: idx.hosts.map((_, i) => idx.current(i)),
      pools: idx.snapshot.pools,
      weights: idx.snapshot.weights,
    };
  }

  claimOf(vmName: string): EngineClaim | undefined {
    const c = this.claims.get(vmName);
    return c ? { ...c } : undefined;
  }

  /** Claimed vCPUs and memory per host, from memory (tests compare it with SQLite). */
  usage(): Map<string, { vcpus: number; memoryMiB: number }> {
    this.ensureFresh();
    const out = new Map<string, { vcpus: number; memoryMiB: number }>();
    for (let i = 0; i < this.idx.n; i++)
      out.set(this.idx.hosts[i]!.id, {
        vcpus: this.idx.vcpuUsed[i]!,
        memoryMiB: this.idx.memUsed[i]!,
      });
    return out;
  }

  /**
   * Where the request would go now, without claiming anything (plan). A VM that
   * already holds a claim is evaluated as if that claim were released (a move).
   */
  preview(request: PlacementRequest, opts: PlaceOptions = { detail: 'full' }): Placement {
    validate(request);
    this.ensureFresh();
    const old = this.claims.get(request.name);
    if (old) this.adjust(old, -1);
    try {
      return placeIndexed(this.idx, request, opts);
    } finally {
      if (old) this.adjust(old, 1);
    }
  }

  /**
   * Place and claim, durably. `write(placement)` runs inside the same transaction
   * (synchronously; it may use the store, e.g. write the VM row): if it throws, the
   * claim is rolled back and the promise rejects with its error. A VM that already
   * holds a claim moves: the old claim is replaced. A rejection (no host fits)
   * resolves with `ok: false` and the full per-host table; `write` is not called.
   */
  place(
    request: PlacementRequest,
    write?: (p: Placement) => void,
    opts: PlaceCallOptions = {},
  ): Promise<Placement> {
    try {
      validate(request);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue((undo) => {
      // Checked inside the transaction, just before the evaluation: a plan applies
      // exactly as shown or not at all.
      if (opts.fingerprint !== undefined && opts.fingerprint !== this.fingerprint()) {
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          'the cluster changed since the plan was made: make a new plan',
          { planned: opts.fingerprint, now: this.fingerprint() },
        );
      }
      return this.placeNow(request, write, undo);
    });
  }

  /** Drop a VM's claim durably; `write` runs in the same transaction. False when it had none. */
  release(vmName: string, write?: () => void): Promise<boolean> {
    return this.enqueue((undo) => {
      const old = this.claims.get(vmName);
      if (old) {
        this.stmt.release.run(vmName);
        this.adjust(old, -1);
        this.claims.delete(vmName);
        this.version++;
        undo.push(() => {
          this.claims.set(vmName, old);
          this.adjust(old, 1);
          this.version++;
        });
      }
      write?.();
      return old !== undefined;
    });
  }

  /** Commit whatever is queued now, and stop listening (shutdown). */
  close(): void {
    this.flush();
    this.deps.liveness.off?.('state', this.onState);
  }

  private placeNow(q: PlacementRequest, write: ((p: Placement) => void) | undefined, undo: Undo) {
    this.ensureFresh();
    const old = this.claims.get(q.name);
    if (old) this.adjust(old, -1);
    const p = placeIndexed(this.idx, q, { detail: 'summary' });
    if (!p.ok) {
      if (old) this.adjust(old, 1);
      return p;
    }
    const claim: EngineClaim = {
      hostId: p.hostId!,
      vcpus: q.vcpus,
      memoryMiB: q.memoryMiB,
      group: q.group?.name ?? '',
    };
    this.adjust(claim, 1);
    this.claims.set(q.name, claim);
    this.version++;
    undo.push(() => {
      this.adjust(claim, -1);
      if (old) {
        this.adjust(old, 1);
        this.claims.set(q.name, old);
      } else this.claims.delete(q.name);
      this.version++;
    });
    this.stmt.claim.run(
      q.name,
      claim.hostId,
      claim.vcpus,
      claim.memoryMiB,
      claim.group,
      this.deps.now(),
    );
    write?.(p);
    return p;
  }

  /** Usage always goes through the current index by host id: a rebuild in between stays consistent. */
  private adjust(c: EngineClaim, sign: 1 | -1): void {
    const i = this.idx.pos.get(c.hostId);
    if (i !== undefined) this.idx.adjust(i, c.vcpus, c.memoryMiB, c.group, sign);
  }

  private ensureFresh(): void {
    if (this.dirty.size === 0) return;
    let rebuild = false;
    for (const id of this.dirty) {
      const f = readHostFacts(this.deps.store.db, this.deps.liveness, id)[0];
      const i = this.idx.pos.get(id);
      if (!f) {
        if (this.caps.delete(id)) {
          rebuild = true;
          this.version++;
        }
        continue;
      }
      const cap = hostCapacity(f, this.deps.config, this.deps.networks);
      const before = this.caps.get(id);
      // Only a real change moves the fingerprint: a plan survives chatter.
      if (before && staticKey(before) === staticKey(cap)) continue;
      this.caps.set(id, cap);
      this.version++;
      if (i === undefined || !this.idx.replaceHost(i, withUsage(cap, this.idx.current(i))))
        rebuild = true;
    }
    this.dirty.clear();
    if (rebuild) this.rebuild();
  }

  private rebuild(): void {
    const usage = usageByHost(
      [...this.claims].map(([vmName, c]): ClaimRow => ({
        vmName,
        hostId: c.hostId,
        vcpus: c.vcpus,
        memoryMiB: c.memoryMiB,
        group: c.group,
      })),
    );
    const snap = buildSnapshot([], usage, this.deps.config, this.deps.networks);
    const hosts = [...this.caps.values()].map((cap) => {
      const u = usage.get(cap.id);
      return u
        ? { ...cap, usedVcpus: u.vcpus, usedMemoryMiB: u.memoryMiB, groupMembers: u.groups }
        : cap;
    });
    this.idx = new CapacityIndex({ ...snap, hosts });
  }

  /** Run `run` in the next group commit; its index changes are undone if it or the commit fails. */
  private enqueue<T>(run: (undo: Undo) => T): Promise<T> {
    const undo: Undo = [];
    return this.commits.enqueue(
      () => run(undo),
      () => {
        while (undo.length) undo.pop()!();
      },
    );
  }

  /** Commit what is queued now (shutdown, tests). */
  flush(): void {
    this.commits.flush();
  }
}

/** Everything about a host that can change a placement, except its claims. */
function staticKey(h: HostCapacity): string {
  return JSON.stringify([
    h.state,
    h.cordoned,
    h.maintenance,
    h.degraded,
    h.warnings,
    h.labels,
    h.domainTypes,
    [...h.cpuFeatures].sort(),
    h.cpuThreads,
    h.memoryMiB,
    h.reservedCores,
    h.reservedMemoryMiB,
    h.cpuRatio,
    [...h.networks].sort(),
  ]);
}

function withUsage(cap: HostCapacity, used: HostCapacity): HostCapacity {
  return {
    ...cap,
    usedVcpus: used.usedVcpus,
    usedMemoryMiB: used.usedMemoryMiB,
    groupMembers: used.groupMembers,
  };
}

function invalid(msg: string): never {
  throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, msg);
}

/** Names reach SQLite and messages: allow-listed. Numbers must be positive integers. */
function validate(q: PlacementRequest): void {
  if (!isValidName('objectName', q.name)) invalid(`invalid VM name ${JSON.stringify(q.name)}`);
  if (!Number.isInteger(q.vcpus) || q.vcpus < 1)
    invalid(`vcpus must be a positive integer, not ${q.vcpus}`);
  if (!Number.isInteger(q.memoryMiB) || q.memoryMiB < 1)
    invalid(`memoryMiB must be a positive integer, not ${q.memoryMiB}`);
  if (q.group && !isValidName('objectName', q.group.name))
    invalid(`invalid placement group name ${JSON.stringify(q.group.name)}`);
}
