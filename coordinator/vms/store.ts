import type { JsonObject } from '../../lib/json.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../lib/sqlite.js';
import type { Placement } from '../scheduler/types.js';
import type { VmHistoryEntry, VmRecord, VmSpec, VmStatus } from './types.js';

/** A VM row: the contract's record plus what the service needs to drive it. */
export interface VmRow extends VmRecord {
  /** The host desired generation that first carried this VM's current entry. */
  desiredGeneration: number;
  /** Set while the VM is being moved off this host (status 'migrating'). */
  moveFrom: string;
}

interface RawVm {
  name: string;
  uuid: string;
  spec: string;
  status: string;
  reason: string;
  host_id: string | null;
  power: string;
  fence_token: number;
  flags: string;
  placement: string;
  created_ms: number;
  updated_ms: number;
  desired_generation: number;
  move_from: string;
}

function toVm(r: RawVm): VmRow {
  const vm: VmRow = {
    name: r.name,
    uuid: r.uuid,
    spec: JSON.parse(r.spec) as VmSpec,
    status: r.status as VmStatus,
    reason: r.reason,
    hostId: r.host_id,
    power: r.power as 'running' | 'stopped',
    fenceToken: r.fence_token,
    flags: JSON.parse(r.flags) as string[],
    createdMs: r.created_ms,
    updatedMs: r.updated_ms,
    desiredGeneration: r.desired_generation,
    moveFrom: r.move_from,
  };
  if (r.placement) vm.placement = JSON.parse(r.placement) as Placement;
  return vm;
}

export interface HostSched {
  hostId: string;
  cordoned: boolean;
  /** '' | 'entering' | 'in' | 'exiting': any non-empty value keeps the scheduler away. */
  maintenance: string;
  reason: string;
  updatedMs: number;
}

export interface PlanRow {
  token: string;
  spec: VmSpec;
  fingerprint: string;
  createdMs: number;
  expiresMs: number;
}

export interface DrainRow {
  hostId: string;
  purpose: 'drain' | 'maintenance';
  deadlineMs: number;
  parallel: number;
  startedMs: number;
}

const FENCE_KEY = 'next_fence_token';

/**
 * The VM service's records, on the coordinator's SQLite database (migrations 3 and 4).
 * Methods are synchronous and open no transaction of their own: the service groups
 * them (with the placement engine's claim and the host's desired document) into one.
 */
export class VmStore {
  private hasVmsStmt: Statement<[string, string]> | undefined;

  constructor(
    readonly db: Db,
    private readonly now: () => number,
  ) {}

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get(name: string): VmRow | undefined {
    const r = this.db.prepare('SELECT * FROM vms WHERE name = ?').get(name) as RawVm | undefined;
    return r ? toVm(r) : undefined;
  }

  /** The VM record a desired `domains` entry would collide with (same name or same uuid). */
  ownerOf(entry: { name?: string; uuid?: string }): string | undefined {
    if (entry.name === undefined && entry.uuid === undefined) return undefined;
    const r = this.db
      .prepare('SELECT name FROM vms WHERE name = ? OR uuid = ? LIMIT 1')
      .get(entry.name ?? null, entry.uuid?.toLowerCase() ?? null) as { name: string } | undefined;
    return r?.name;
  }

  list(filter: { hostId?: string; status?: VmStatus } = {}): VmRow[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.hostId) {
      where.push('host_id = ?');
      args.push(filter.hostId);
    }
    if (filter.status) {
      where.push('status = ?');
      args.push(filter.status);
    }
    const sql = `SELECT * FROM vms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name`;
    return (this.db.prepare(sql).all(...args) as RawVm[]).map(toVm);
  }

  /** VMs assigned to a host, and those being moved off it. */
  onHost(hostId: string): VmRow[] {
    return (
      this.db
        .prepare('SELECT * FROM vms WHERE host_id = ? OR move_from = ? ORDER BY name')
        .all(hostId, hostId) as RawVm[]
    ).map(toVm);
  }

  /** Cheap check for the status loop: most hosts' deltas concern no VM at all. */
  hasVms(hostId: string): boolean {
    this.hasVmsStmt ??= this.db.prepare<[string, string]>(
      'SELECT 1 FROM vms WHERE host_id = ? UNION ALL SELECT 1 FROM vms WHERE move_from = ? LIMIT 1',
    );
    return this.hasVmsStmt.get(hostId, hostId) !== undefined;
  }

  hostsWithVms(): string[] {
    return (
      this.db
        .prepare(
          "SELECT DISTINCT host_id AS h FROM vms WHERE host_id IS NOT NULL UNION SELECT DISTINCT move_from FROM vms WHERE move_from != ''",
        )
        .all() as { h: string }[]
    ).map((r) => r.h);
  }

  insert(vm: VmRow): void {
    this.db
      .prepare(
        `INSERT INTO vms (name, uuid, spec, status, reason, host_id, power, fence_token, flags, placement, created_ms, updated_ms, desired_generation, move_from)
         VALUES (@name, @uuid, @spec, @status, @reason, @hostId, @power, @fenceToken, @flags, @placement, @createdMs, @updatedMs, @desiredGeneration, @moveFrom)`,
      )
      .run(this.params(vm));
  }

  update(vm: VmRow): void {
    this.db
      .prepare(
        `UPDATE vms SET spec = @spec, status = @status, reason = @reason, host_id = @hostId, power = @power,
           fence_token = @fenceToken, flags = @flags, placement = @placement, updated_ms = @updatedMs,
           desired_generation = @desiredGeneration, move_from = @moveFrom WHERE name = @name`,
      )
      .run(this.params(vm));
  }

  private params(vm: VmRow) {
    return {
      name: vm.name,
      uuid: vm.uuid,
      spec: JSON.stringify(vm.spec),
      status: vm.status,
      reason: vm.reason,
      hostId: vm.hostId,
      power: vm.power,
      fenceToken: vm.fenceToken,
      flags: JSON.stringify(vm.flags),
      placement: vm.placement ? JSON.stringify(vm.placement) : '',
      createdMs: vm.createdMs,
      updatedMs: vm.updatedMs,
      desiredGeneration: vm.desiredGeneration,
      moveFrom: vm.moveFrom,
    };
  }

  remove(name: string): void {
    this.db.prepare('DELETE FROM vms WHERE name = ?').run(name);
    this.db.prepare('DELETE FROM vm_history WHERE vm_name = ?').run(name);
  }

  addHistory(name: string, status: VmStatus, hostId: string, message: string): void {
    this.db
      .prepare(
        'INSERT INTO vm_history (vm_name, at_ms, status, host_id, message) VALUES (?, ?, ?, ?, ?)',
      )
      .run(name, this.now(), status, hostId, message.slice(0, 2000));
  }

  history(name: string, limit = 1000): VmHistoryEntry[] {
    const rows = this.db
      .prepare(
        'SELECT at_ms, status, host_id, message FROM (SELECT * FROM vm_history WHERE vm_name = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
      )
      .all(name, limit) as { at_ms: number; status: string; host_id: string; message: string }[];
    return rows.map((r) => ({
      atMs: r.at_ms,
      status: r.status as VmStatus,
      hostId: r.host_id,
      message: r.message,
    }));
  }

  /** The next fence token; call inside the transaction that writes the assignment. */
  allocFenceToken(): number {
    const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(FENCE_KEY) as
      { value: string } | undefined;
    const token = r ? Number(r.value) : 1;
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(FENCE_KEY, String(token + 1));
    return token;
  }

  sched(hostId: string): HostSched {
    const r = this.db.prepare('SELECT * FROM host_sched WHERE host_id = ?').get(hostId) as
      | {
          host_id: string;
          cordoned: number;
          maintenance: string;
          reason: string;
          updated_ms: number;
        }
      | undefined;
    return r
      ? {
          hostId,
          cordoned: r.cordoned === 1,
          maintenance: r.maintenance,
          reason: r.reason,
          updatedMs: r.updated_ms,
        }
      : { hostId, cordoned: false, maintenance: '', reason: '', updatedMs: 0 };
  }

  setSched(s: Omit<HostSched, 'updatedMs'>): void {
    this.db
      .prepare(
        `INSERT INTO host_sched (host_id, cordoned, maintenance, reason, updated_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(host_id) DO UPDATE SET cordoned = excluded.cordoned, maintenance = excluded.maintenance,
           reason = excluded.reason, updated_ms = excluded.updated_ms`,
      )
      .run(s.hostId, s.cordoned ? 1 : 0, s.maintenance, s.reason, this.now());
  }

  insertPlan(p: PlanRow): void {
    this.db
      .prepare(
        'INSERT INTO plans (token, request, fingerprint, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)',
      )
      .run(p.token, JSON.stringify(p.spec), p.fingerprint, p.createdMs, p.expiresMs);
  }

  getPlan(token: string): PlanRow | undefined {
    const r = this.db.prepare('SELECT * FROM plans WHERE token = ?').get(token) as
      | {
          token: string;
          request: string;
          fingerprint: string;
          created_ms: number;
          expires_ms: number;
        }
      | undefined;
    return r
      ? {
          token: r.token,
          spec: JSON.parse(r.request) as VmSpec,
          fingerprint: r.fingerprint,
          createdMs: r.created_ms,
          expiresMs: r.expires_ms,
        }
      : undefined;
  }

  deletePlan(token: string): void {
    this.db.prepare('DELETE FROM plans WHERE token = ?').run(token);
  }

  prunePlans(nowMs: number): number {
    return this.db.prepare('DELETE FROM plans WHERE expires_ms < ?').run(nowMs).changes;
  }

  getBase(hostId: string): JsonObject | undefined {
    const r = this.db.prepare('SELECT spec FROM desired_base WHERE host_id = ?').get(hostId) as
      { spec: string } | undefined;
    return r ? (JSON.parse(r.spec) as JsonObject) : undefined;
  }

  setBase(hostId: string, spec: JsonObject): void {
    this.db
      .prepare(
        'INSERT INTO desired_base (host_id, spec, updated_ms) VALUES (?, ?, ?) ON CONFLICT(host_id) DO UPDATE SET spec = excluded.spec, updated_ms = excluded.updated_ms',
      )
      .run(hostId, JSON.stringify(spec), this.now());
  }

  putDrain(d: DrainRow): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO drains (host_id, purpose, deadline_ms, parallel, started_ms) VALUES (?, ?, ?, ?, ?)',
      )
      .run(d.hostId, d.purpose, d.deadlineMs, d.parallel, d.startedMs);
  }

  drains(): DrainRow[] {
    return (
      this.db.prepare('SELECT * FROM drains ORDER BY host_id').all() as {
        host_id: string;
        purpose: 'drain' | 'maintenance';
        deadline_ms: number;
        parallel: number;
        started_ms: number;
      }[]
    ).map((r) => ({
      hostId: r.host_id,
      purpose: r.purpose,
      deadlineMs: r.deadline_ms,
      parallel: r.parallel,
      startedMs: r.started_ms,
    }));
  }

  deleteDrain(hostId: string): void {
    this.db.prepare('DELETE FROM drains WHERE host_id = ?').run(hostId);
  }
}
