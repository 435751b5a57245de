import type { Log } from '../../lib/log.js';
import type { HostEvent, HostState } from '../../lib/model.js';
import type { SessionHandle } from '../cluster/cluster.js';
import type { Placement } from '../scheduler/types.js';
import type { CoordinatorStore, StoredEvent } from '../store/store.js';
import type { VmsConfig } from './config.js';
import type { DesiredWriter, HostWrite } from './desired.js';
import type { PlacementEngine } from './engine.js';
import type { VmRow, VmStore } from './store.js';
import type { VmRecord, VmStatus } from './types.js';

/** The cluster as the VM service uses it (coordinator/cluster/cluster.ts satisfies it). */
export interface ClusterView {
  readonly sessions: ReadonlyMap<string, SessionHandle>;
  state(hostId: string): HostState;
  publish(events: readonly StoredEvent[]): void;
  /** 'changed' (hostId, what) and 'state' (hostId, next, prev). */
  on(event: 'changed' | 'state', fn: (hostId: string, ...rest: unknown[]) => void): unknown;
  on(event: 'event', fn: (e: StoredEvent) => void): unknown;
  off(event: 'changed' | 'state', fn: (hostId: string, ...rest: unknown[]) => void): unknown;
  off(event: 'event', fn: (e: StoredEvent) => void): unknown;
}

export interface VmServiceDeps {
  store: CoordinatorStore;
  cluster: ClusterView;
  engine: PlacementEngine;
  log: Log;
  now?: () => number;
}

/** Placements stored with a VM keep the chosen host and the closest runners-up, not all hosts. */
export function trimPlacement(p: Placement, keep = 8): Placement {
  return { ...p, hosts: p.hosts.slice(0, keep) };
}

export function toRecord(vm: VmRow): VmRecord {
  const r: VmRecord = {
    name: vm.name,
    uuid: vm.uuid,
    spec: vm.spec,
    status: vm.status,
    reason: vm.reason,
    hostId: vm.hostId,
    power: vm.power,
    fenceToken: vm.fenceToken,
    flags: vm.flags,
    createdMs: vm.createdMs,
    updatedMs: vm.updatedMs,
  };
  if (vm.placement) r.placement = vm.placement;
  return r;
}

/**
 * Shared state of the VM service: records, the desired-state writer, waiters that
 * procedures (delete, drain) park on until an observation moves a VM, and the
 * helpers that record a status change (row + history + event) in one place.
 */
/** Effects of one transaction, released only after it commits. */
export class Batch {
  readonly events: StoredEvent[] = [];
  readonly pushes = new Map<string, HostWrite>();
}

export class VmCore {
  readonly now: () => number;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly deps: VmServiceDeps,
    readonly vms: VmStore,
    readonly writer: DesiredWriter,
    readonly config: VmsConfig,
  ) {
    this.now = deps.now ?? Date.now;
  }

  get log(): Log {
    return this.deps.log;
  }

  /** One transaction; its desired pushes and events go out only after the commit. */
  tx<T>(fn: (b: Batch) => T): T {
    const b = new Batch();
    const v = this.vms.tx(() => fn(b));
    this.flush(b);
    return v;
  }

  /** Set by the status loop: a host whose VMs changed is re-evaluated soon. */
  touched: (hostId: string) => void = () => {};

  flush(b: Batch): void {
    for (const w of b.pushes.values()) {
      if (w.changed) this.deps.cluster.sessions.get(w.hostId)?.sendDesired(w.generation, w.json);
      this.touched(w.hostId);
    }
    if (b.events.length) this.deps.cluster.publish(b.events);
    this.notify();
  }

  /** Recompose a host inside the current transaction; pushed at commit. */
  writeHost(b: Batch, hostId: string, force = false): HostWrite {
    const w = this.writer.write(hostId, { force });
    const prev = b.pushes.get(hostId);
    b.pushes.set(hostId, prev && prev.changed && !w.changed ? prev : w);
    return w;
  }

  /** Change status/reason, append history and an event (inside a transaction). */
  setStatus(
    b: Batch,
    vm: VmRow,
    status: VmStatus,
    reason: string,
    hostId = vm.hostId ?? '',
  ): VmRow {
    const changed = vm.status !== status || vm.reason !== reason;
    vm.status = status;
    vm.reason = reason;
    vm.updatedMs = this.now();
    this.vms.update(vm);
    if (changed) {
      this.vms.addHistory(vm.name, status, hostId, reason);
      this.event(b, hostId, {
        type: 'vm.status',
        severity: status === 'failed' ? 'warning' : 'info',
        message: `vm ${vm.name}: ${status}${hostId ? ` on ${hostId}` : ''}${reason ? ` (${reason})` : ''}`,
        object: { kind: 'vm', id: vm.name },
        data: { vm: vm.name, status, host: hostId },
      });
    }
    return vm;
  }

  event(b: Batch, hostId: string, e: Omit<HostEvent, 'atMs'>): void {
    b.events.push(this.deps.store.addEvent(hostId, e));
  }

  /** Wake procedures waiting on a VM's progress. */
  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolve true once `pred` holds, false at the deadline. Re-checked after every
   * observation pass and every service change, and every second as a safety net.
   */
  waitUntil(pred: () => boolean, deadlineMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false;
      const check = () => {
        if (done) return;
        let ok = false;
        try {
          ok = pred();
        } catch {
          ok = false;
        }
        if (ok || this.closed || this.now() >= deadlineMs) {
          done = true;
          this.waiters.delete(check);
          clearInterval(poll);
          clearTimeout(timer);
          resolve(ok);
        }
      };
      const poll = setInterval(check, 1000);
      const timer = setTimeout(check, Math.max(0, deadlineMs - this.now()) + 5);
      this.waiters.add(check);
      check();
    });
  }

  closed = false;
  close(): void {
    this.closed = true;
    this.notify();
  }
}
