import { DEFAULT_POOL } from './config.js';
import type { ScoreOrder } from './score-order.js';
import type { HostCapacity, SchedulerSnapshot } from './types.js';

/** Bits of a host's filter mask: a set bit = that filter rejects the host. */
export const F_READY = 1;
export const F_SCHEDULABLE = 2;
export const F_HYPERVISOR = 4;
export const F_VCPUS = 8;
export const F_MEMORY = 16;
export const F_LABELS = 32;
export const F_NETWORKS = 64;
export const F_GROUP = 128;

const ATTR_CACHE_MAX = 512;

/**
 * A snapshot compiled for scanning: one typed-array slot per host (sorted by id), so
 * evaluating 5,000 hosts is a tight numeric loop with no per-host allocation. Used
 * capacity and group members are the only mutable parts (the engine adjusts them on
 * claim and release); everything else is rebuilt from a new snapshot.
 *
 * Capacity: vCPUs = (threads - reserved cores) x ratio (OpenStack Placement's
 * formula: reserved threads are never overcommitted); memory = total - reserved, ratio 1.0.
 */
export class CapacityIndex {
  readonly n: number;
  readonly hosts: HostCapacity[];
  readonly pos = new Map<string, number>();
  /** Host-state bits (ready, schedulable) that do not depend on the request. */
  readonly staticMask: Uint8Array;
  readonly vcpuCap: Float64Array;
  /** A single guest never gets more vCPUs than the host has threads. */
  readonly threads: Float64Array;
  readonly vcpuUsed: Float64Array;
  readonly memCap: Float64Array;
  readonly memUsed: Float64Array;
  readonly warnings: Float64Array;
  /** Derived once per host so the score loop multiplies instead of dividing. */
  readonly invVcpuCap: Float64Array;
  readonly invMemCap: Float64Array;
  readonly warnValue: Float64Array;
  /** Rack number, or -1 for a host without a rack label (it is its own rack). */
  readonly rack: Int32Array;
  readonly rackNames: string[] = [];
  /** Per rack: vCPUs in use and capacity, kept current by adjust() (rack-balance score). */
  rackUsed!: Float64Array;
  rackCap!: Float64Array;
  readonly pack: Uint8Array;
  /** group name -> host index -> members there (sparse: groups are small). */
  readonly groups = new Map<string, Map<number, number>>();
  readonly snapshot: SchedulerSnapshot;
  /** Request attribute (domain type + features, labels, networks) -> pass per host. */
  private readonly attrCache = new Map<string, Uint8Array>();
  /** Request shape -> the hosts failing a static filter, or null when many do (cleared with attrCache). */
  private readonly shapeCache = new Map<string, readonly number[] | null>();
  /** Hosts ordered for the choice without a full scan (score-order.ts); built on first use. */
  order: ScoreOrder | null = null;
  /**
   * The least free room over all hosts: min(vCPU capacity - used, threads) and memory
   * capacity - used. A request within both is rejected by no capacity filter. A claim
   * only lowers it (kept exact); a release or new facts mark it stale (recomputed).
   */
  private roomV = 0;
  private roomM = 0;
  private roomStale = true;
  /** Reused per placement (place() is synchronous): no allocation per call. */
  readonly scratchMask: Uint8Array;
  readonly scratchScore: Float64Array;
  readonly scratchRackA: Float64Array;
  readonly scratchRackB: Float64Array;
  readonly scratchExcluded: Uint8Array;
  readonly scratchGroup: Float64Array;

  constructor(snapshot: SchedulerSnapshot) {
    const hosts = [...snapshot.hosts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.hosts = hosts;
    this.snapshot = { hosts, pools: snapshot.pools, weights: snapshot.weights };
    const n = (this.n = hosts.length);
    this.staticMask = new Uint8Array(n);
    this.vcpuCap = new Float64Array(n);
    this.threads = new Float64Array(n);
    this.vcpuUsed = new Float64Array(n);
    this.memCap = new Float64Array(n);
    this.memUsed = new Float64Array(n);
    this.warnings = new Float64Array(n);
    this.invVcpuCap = new Float64Array(n);
    this.invMemCap = new Float64Array(n);
    this.warnValue = new Float64Array(n);
    this.rack = new Int32Array(n);
    this.pack = new Uint8Array(n);
    this.scratchMask = new Uint8Array(n);
    this.scratchScore = new Float64Array(n);
    this.scratchExcluded = new Uint8Array(n);
    this.scratchGroup = new Float64Array(n);
    const rackNo = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const h = hosts[i]!;
      this.pos.set(h.id, i);
      this.setStatic(i, h);
      this.vcpuUsed[i] = h.usedVcpus;
      this.memUsed[i] = h.usedMemoryMiB;
      if (h.rack) {
        let r = rackNo.get(h.rack);
        if (r === undefined) {
          r = this.rackNames.length;
          rackNo.set(h.rack, r);
          this.rackNames.push(h.rack);
        }
        this.rack[i] = r;
      } else this.rack[i] = -1;
      for (const [g, count] of h.groupMembers) if (count > 0) this.addMembers(g, i, count);
    }
    this.scratchRackA = new Float64Array(this.rackNames.length);
    this.scratchRackB = new Float64Array(this.rackNames.length);
    this.rackUsed = new Float64Array(this.rackNames.length);
    this.rackCap = new Float64Array(this.rackNames.length);
    for (let i = 0; i < n; i++) {
      const r = this.rack[i]!;
      if (r < 0) continue;
      this.rackUsed[r]! += this.vcpuUsed[i]!;
      this.rackCap[r]! += this.vcpuCap[i]!;
    }
  }

  private addMembers(group: string, i: number, delta: number): void {
    let m = this.groups.get(group);
    if (!m) this.groups.set(group, (m = new Map()));
    const next = (m.get(i) ?? 0) + delta;
    if (next > 0) m.set(i, next);
    else m.delete(i);
    if (m.size === 0) this.groups.delete(group);
  }

  /** Add (or, negative, remove) one claim's usage on host i. */
  adjust(i: number, vcpus: number, memoryMiB: number, group: string, sign: 1 | -1): void {
    this.vcpuUsed[i]! += sign * vcpus;
    const r = this.rack[i]!;
    if (r >= 0) this.rackUsed[r]! += sign * vcpus;
    this.memUsed[i]! += sign * memoryMiB;
    if (group) this.addMembers(group, i, sign);
    this.order?.update(i);
    if (sign < 0) this.roomStale = true;
    else if (!this.roomStale) {
      const v = this.vcpuRoom(i);
      const m = this.memCap[i]! - this.memUsed[i]!;
      if (v < this.roomV) this.roomV = v;
      if (m < this.roomM) this.roomM = m;
    }
  }

  /** The filter's vCPU test is `cap - used < need || need > threads`, i.e. need > this. */
  private vcpuRoom(i: number): number {
    const free = this.vcpuCap[i]! - this.vcpuUsed[i]!;
    const t = this.threads[i]!;
    return free < t ? free : t;
  }

  /** Whether some host cannot take needV vCPUs or needM MiB (the vcpus and memory filters). */
  anyLacksRoom(needV: number, needM: number): boolean {
    if (this.roomStale) {
      let v = Infinity;
      let m = Infinity;
      for (let i = 0; i < this.n; i++) {
        const a = this.vcpuRoom(i);
        const b = this.memCap[i]! - this.memUsed[i]!;
        if (a < v) v = a;
        if (b < m) m = b;
      }
      this.roomV = v;
      this.roomM = m;
      this.roomStale = false;
    }
    return needV > this.roomV || needM > this.roomM;
  }

  /** Pass (1) or fail (0) per host for one request attribute, computed once per distinct key. */
  attr(key: string, pass: (h: HostCapacity) => boolean): Uint8Array {
    let a = this.attrCache.get(key);
    if (a) return a;
    a = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) a[i] = pass(this.hosts[i]!) ? 1 : 0;
    if (this.attrCache.size >= ATTR_CACHE_MAX) this.attrCache.clear();
    this.attrCache.set(key, a);
    return a;
  }

  /** The hosts failing a static filter for this request shape (or null: many), once per shape. */
  shapeRejects(key: string, compute: () => readonly number[] | null): readonly number[] | null {
    let v = this.shapeCache.get(key);
    if (v !== undefined) return v;
    v = compute();
    if (this.shapeCache.size >= ATTR_CACHE_MAX) this.shapeCache.clear();
    this.shapeCache.set(key, v);
    return v;
  }

  /**
   * Swap in new static facts for host i in place (the engine's invalidateHost).
   * False when the change needs a rebuild (the host moved to another rack).
   * Usage stays: it comes from claims, not from the host's facts.
   */
  replaceHost(i: number, h: HostCapacity): boolean {
    const old = this.hosts[i]!;
    if (old.id !== h.id || old.rack !== h.rack) return false;
    this.hosts[i] = h;
    const r = this.rack[i]!;
    const wasPack = this.pack[i];
    if (r >= 0) this.rackCap[r]! -= this.vcpuCap[i]!;
    this.setStatic(i, h);
    if (r >= 0) this.rackCap[r]! += this.vcpuCap[i]!;
    this.attrCache.clear();
    this.shapeCache.clear();
    // Same strategy: the host keeps its segment, the order widens its bounds for it.
    if (this.pack[i] === wasPack) this.order?.restat(i);
    else this.order = null;
    this.roomStale = true;
    return true;
  }

  private setStatic(i: number, h: HostCapacity): void {
    this.staticMask[i] = staticBits(h);
    this.vcpuCap[i] = vcpuCapacity(h);
    this.threads[i] = h.cpuThreads;
    this.memCap[i] = Math.max(0, h.memoryMiB - h.reservedMemoryMiB);
    this.warnings[i] = h.warnings;
    this.invVcpuCap[i] = 1 / this.vcpuCap[i]!;
    this.invMemCap[i] = 1 / this.memCap[i]!;
    this.warnValue[i] = 1 / (1 + h.warnings);
    this.pack[i] = this.isPack(h) ? 1 : 0;
  }

  private isPack(h: HostCapacity): boolean {
    const pools = this.snapshot.pools;
    return (pools[h.pool]?.strategy ?? pools[DEFAULT_POOL]?.strategy ?? 'spread') === 'pack';
  }

  /** The host as a HostCapacity with the current usage (for snapshot() and display). */
  current(i: number): HostCapacity {
    const h = this.hosts[i]!;
    const groupMembers = new Map<string, number>();
    for (const [g, m] of this.groups) {
      const c = m.get(i);
      if (c) groupMembers.set(g, c);
    }
    return {
      ...h,
      usedVcpus: this.vcpuUsed[i]!,
      usedMemoryMiB: this.memUsed[i]!,
      groupMembers,
    };
  }
}

function staticBits(h: HostCapacity): number {
  return (
    (h.state === 'ready' ? 0 : F_READY) |
    (h.cordoned || h.maintenance || h.degraded ? F_SCHEDULABLE : 0)
  );
}

export function vcpuCapacity(h: HostCapacity): number {
  return Math.max(0, h.cpuThreads - h.reservedCores) * h.cpuRatio;
}
