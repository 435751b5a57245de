import type { JsonObject, JsonValue } from '../../lib/json.js';
import type { HostState } from '../../lib/model.js';
import type { Db } from '../../lib/sqlite.js';
import {
  DEFAULT_POOL,
  LABEL_CPU_RATIO,
  LABEL_POOL,
  LABEL_RACK,
  LABEL_RESERVED_CORES,
  LABEL_RESERVED_MEMORY,
  type NetworkMap,
  type SchedulerConfig,
} from './config.js';
import type { HostCapacity, SchedulerSnapshot } from './types.js';

const MiB = 1024 * 1024;

/** What the coordinator knows about one host, as read from its store and cluster. */
export interface HostFacts {
  id: string;
  labels: Readonly<Record<string, string>>;
  /** hosts.inventory: the wire HostInventory (host driver) with `driversJson.libvirt`. */
  inventory: JsonObject;
  state: HostState;
  cordoned: boolean;
  /** host_sched.maintenance: '' when not in maintenance. */
  maintenance: string;
  /** Observed OVS bridge names (objects of kind ovs.bridge). */
  bridges: readonly string[];
  /** Objects of kind `condition` (data) and `driver` (data.health). */
  conditions: readonly { type: string; status: boolean }[];
  unhealthyDrivers: number;
}

export interface ClaimRow {
  vmName: string;
  hostId: string;
  vcpus: number;
  memoryMiB: number;
  group: string;
}

export interface HostUsage {
  vcpus: number;
  memoryMiB: number;
  groups: Map<string, number>;
}

const obj = (v: JsonValue | undefined): JsonObject =>
  v && typeof v === 'object' && !Array.isArray(v) ? v : {};
const num = (v: JsonValue | undefined): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : 0;
const strs = (v: JsonValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

function libvirtInventory(inv: JsonObject): JsonObject {
  const raw = obj(inv.driversJson).libvirt ?? inv.libvirt;
  if (typeof raw === 'string') {
    try {
      return obj(JSON.parse(raw) as JsonValue);
    } catch {
      return {};
    }
  }
  return obj(raw);
}

/** Pure: CPU threads, memory, domain types and CPU features from a stored inventory. */
export function inventoryFacts(inv: JsonObject): {
  cpuThreads: number;
  memoryMiB: number;
  domainTypes: string[];
  cpuFeatures: Set<string>;
} {
  const cpu = obj(inv.cpu);
  const lv = libvirtInventory(inv);
  const node = obj(lv.node);
  const caps = obj(lv.capabilities);
  const cpuThreads = num(cpu.threads) || num(node.cpus);
  const memoryMiB = Math.floor(num(obj(inv.memory).totalBytes) / MiB) || num(node.memoryMiB);
  const cpuFeatures = new Set([...strs(caps.cpuFeatures), ...strs(cpu.flags)]);
  return { cpuThreads, memoryMiB, domainTypes: strs(caps.domainTypes), cpuFeatures };
}

function labelNumber(labels: Readonly<Record<string, string>>, key: string): number | undefined {
  const v = labels[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

const NO_USAGE: HostUsage = { vcpus: 0, memoryMiB: 0, groups: new Map() };

/** Pure: one host's HostCapacity from its facts, the scheduler config, networks and claims. */
export function hostCapacity(
  f: HostFacts,
  cfg: SchedulerConfig,
  networks: NetworkMap,
  used: HostUsage = NO_USAGE,
): HostCapacity {
  const inv = inventoryFacts(f.inventory);
  const pool = f.labels[LABEL_POOL] || DEFAULT_POOL;
  const ratio = labelNumber(f.labels, LABEL_CPU_RATIO);
  const bridges = new Set(f.bridges);
  const nets = new Set<string>();
  for (const [name, n] of Object.entries(networks)) if (bridges.has(n.bridge)) nets.add(name);
  let degraded = false;
  let warnings = f.unhealthyDrivers;
  for (const c of f.conditions) {
    if (!c.status) continue;
    if (c.type === 'degraded') degraded = true;
    else warnings++;
  }
  return {
    id: f.id,
    state: f.state,
    cordoned: f.cordoned,
    maintenance: f.maintenance !== '',
    degraded,
    warnings,
    labels: f.labels,
    rack: f.labels[LABEL_RACK] ?? '',
    pool,
    domainTypes: inv.domainTypes,
    cpuFeatures: inv.cpuFeatures,
    cpuThreads: inv.cpuThreads,
    memoryMiB: inv.memoryMiB,
    reservedCores: labelNumber(f.labels, LABEL_RESERVED_CORES) ?? cfg.reservedCores,
    reservedMemoryMiB: labelNumber(f.labels, LABEL_RESERVED_MEMORY) ?? cfg.reservedMemoryMiB,
    cpuRatio: ratio && ratio > 0 ? ratio : (cfg.pools[pool]?.cpuRatio ?? cfg.cpuRatio),
    networks: nets,
    usedVcpus: used.vcpus,
    usedMemoryMiB: used.memoryMiB,
    groupMembers: used.groups,
  };
}

/** Pure: claims summed per host. */
export function usageByHost(claims: Iterable<ClaimRow>): Map<string, HostUsage> {
  const out = new Map<string, HostUsage>();
  for (const c of claims) {
    let u = out.get(c.hostId);
    if (!u) out.set(c.hostId, (u = { vcpus: 0, memoryMiB: 0, groups: new Map() }));
    u.vcpus += c.vcpus;
    u.memoryMiB += c.memoryMiB;
    if (c.group) u.groups.set(c.group, (u.groups.get(c.group) ?? 0) + 1);
  }
  return out;
}

export function buildSnapshot(
  facts: readonly HostFacts[],
  usage: ReadonlyMap<string, HostUsage>,
  cfg: SchedulerConfig,
  networks: NetworkMap,
): SchedulerSnapshot {
  return {
    hosts: facts
      .map((f) => hostCapacity(f, cfg, networks, usage.get(f.id)))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    pools: cfg.pools,
    weights: cfg.weights,
  };
}

// ---- the IO shell: SQLite reads ----

export interface Liveness {
  state(hostId: string): HostState;
}

/** Facts of every host (or of one), in a fixed number of queries whatever the host count. */
export function readHostFacts(db: Db, liveness: Liveness, onlyHost?: string): HostFacts[] {
  const where = onlyHost === undefined ? '' : ' AND host_id = @host';
  const args = onlyHost === undefined ? {} : { host: onlyHost };
  const hosts = (
    onlyHost === undefined
      ? db.prepare('SELECT id, labels, inventory FROM hosts ORDER BY id').all()
      : db.prepare('SELECT id, labels, inventory FROM hosts WHERE id = ?').all(onlyHost)
  ) as { id: string; labels: string; inventory: string }[];
  const sched = new Map<string, { cordoned: number; maintenance: string }>();
  for (const r of db
    .prepare(`SELECT host_id, cordoned, maintenance FROM host_sched WHERE 1${where}`)
    .all(args) as { host_id: string; cordoned: number; maintenance: string }[])
    sched.set(r.host_id, r);
  const bridges = new Map<string, string[]>();
  for (const r of db
    .prepare(`SELECT host_id, id FROM objects WHERE kind = 'ovs.bridge'${where}`)
    .all(args) as { host_id: string; id: string }[]) {
    const b = bridges.get(r.host_id);
    if (b) b.push(r.id);
    else bridges.set(r.host_id, [r.id]);
  }
  const conditions = new Map<string, { type: string; status: boolean }[]>();
  const unhealthy = new Map<string, number>();
  for (const r of db
    .prepare(
      `SELECT host_id, kind, data FROM objects WHERE kind IN ('condition', 'driver')${where}`,
    )
    .all(args) as { host_id: string; kind: string; data: string }[]) {
    const d = obj(JSON.parse(r.data) as JsonValue);
    if (r.kind === 'driver') {
      if (d.health === 'unhealthy') unhealthy.set(r.host_id, (unhealthy.get(r.host_id) ?? 0) + 1);
      continue;
    }
    const list = conditions.get(r.host_id) ?? [];
    list.push({ type: String(d.type ?? ''), status: d.status === true });
    conditions.set(r.host_id, list);
  }
  return hosts.map((h) => {
    const s = sched.get(h.id);
    return {
      id: h.id,
      labels: JSON.parse(h.labels) as Record<string, string>,
      inventory: obj(JSON.parse(h.inventory) as JsonValue),
      state: liveness.state(h.id),
      cordoned: s?.cordoned === 1,
      maintenance: s?.maintenance ?? '',
      bridges: bridges.get(h.id) ?? [],
      conditions: conditions.get(h.id) ?? [],
      unhealthyDrivers: unhealthy.get(h.id) ?? 0,
    };
  });
}

export function readClaims(db: Db): ClaimRow[] {
  return (
    db
      .prepare(
        'SELECT vm_name, host_id, vcpus, memory_mib, group_name FROM claims ORDER BY vm_name',
      )
      .all() as {
      vm_name: string;
      host_id: string;
      vcpus: number;
      memory_mib: number;
      group_name: string;
    }[]
  ).map((r) => ({
    vmName: r.vm_name,
    hostId: r.host_id,
    vcpus: r.vcpus,
    memoryMiB: r.memory_mib,
    group: r.group_name,
  }));
}
