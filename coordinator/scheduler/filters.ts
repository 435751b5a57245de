import {
  F_GROUP,
  F_HYPERVISOR,
  F_LABELS,
  F_MEMORY,
  F_NETWORKS,
  F_READY,
  F_SCHEDULABLE,
  F_VCPUS,
  type CapacityIndex,
} from './capacity-index.js';
import type { FilterName, FilterVerdict, HostCapacity, PlacementRequest } from './types.js';

/** Filter order: the order of the table's columns and of the rejection message. */
export const FILTERS: readonly { name: FilterName; bit: number }[] = [
  { name: 'ready', bit: F_READY },
  { name: 'schedulable', bit: F_SCHEDULABLE },
  { name: 'hypervisor', bit: F_HYPERVISOR },
  { name: 'vcpus', bit: F_VCPUS },
  { name: 'memory', bit: F_MEMORY },
  { name: 'labels', bit: F_LABELS },
  { name: 'networks', bit: F_NETWORKS },
  { name: 'group', bit: F_GROUP },
];

// ---- predicates on a host's static facts (cached per index and request attribute) ----

export function hypervisorOk(h: HostCapacity, q: PlacementRequest): boolean {
  if (q.domainType && !h.domainTypes.includes(q.domainType)) return false;
  for (const f of q.cpuFeatures) if (!h.cpuFeatures.has(f)) return false;
  return true;
}

export function labelsOk(h: HostCapacity, q: PlacementRequest): boolean {
  for (const k in q.requiredLabels) if (h.labels[k] !== q.requiredLabels[k]) return false;
  return true;
}

export function networksOk(h: HostCapacity, q: PlacementRequest): boolean {
  for (const n of q.networks) if (!h.networks.has(n)) return false;
  return true;
}

/**
 * Everything one placement needs, prepared once per request: attribute pass
 * arrays (from the index's cache), the group's members in scope per host. The
 * per-host checks below read only typed arrays. It points into the index's scratch
 * arrays: valid until the next prepare() on the same index (place() is synchronous).
 */
export interface PlaceContext {
  idx: CapacityIndex;
  q: PlacementRequest;
  needV: number;
  needM: number;
  hyp: Uint8Array;
  labels: Uint8Array | null;
  nets: Uint8Array | null;
  hasExcluded: boolean;
  /** Members of the request's group in scope (this host, or its rack) per host; null without a group. */
  groupCount: Float64Array | null;
  groupTotal: number;
  groupHard: boolean;
  /** The request's static attributes (domain type, CPU features, labels, networks) as one key. */
  shape: string;
}

export function prepare(idx: CapacityIndex, q: PlacementRequest): PlaceContext {
  const hypKey = `h\0${q.domainType}\0${q.cpuFeatures.join(',')}`;
  const hyp = idx.attr(hypKey, (h) => hypervisorOk(h, q));
  let labelKey = '';
  for (const k in q.requiredLabels) labelKey += `${k}=${q.requiredLabels[k]}\0`;
  const labels = labelKey ? idx.attr(`l\0${labelKey}`, (h) => labelsOk(h, q)) : null;
  const netKey = q.networks.join('\0');
  const nets = q.networks.length ? idx.attr(`n\0${netKey}`, (h) => networksOk(h, q)) : null;
  const excl = q.excludeHosts ?? [];
  if (excl.length) {
    idx.scratchExcluded.fill(0);
    for (const id of excl) {
      const i = idx.pos.get(id);
      if (i !== undefined) idx.scratchExcluded[i] = 1;
    }
  }
  let groupCount: Float64Array | null = null;
  let groupTotal = 0;
  if (q.group) {
    groupCount = idx.scratchGroup;
    groupCount.fill(0);
    const members = idx.groups.get(q.group.name);
    if (members) {
      for (const [i, c] of members) {
        groupCount[i] = c;
        groupTotal += c;
      }
      if (q.group.scope === 'rack' && idx.rackNames.length) {
        const perRack = idx.scratchRackB;
        perRack.fill(0);
        for (const [i, c] of members) if (idx.rack[i]! >= 0) perRack[idx.rack[i]!]! += c;
        for (let i = 0; i < idx.n; i++) {
          const r = idx.rack[i]!;
          if (r >= 0) groupCount[i] = perRack[r]!;
        }
      }
    }
  }
  return {
    idx,
    q,
    needV: q.vcpus,
    needM: q.memoryMiB,
    hyp,
    labels,
    nets,
    hasExcluded: excl.length > 0,
    groupCount,
    groupTotal,
    groupHard: q.group?.hard === true,
    shape: `${hypKey}\x01${labelKey}\x01${netKey}`,
  };
}

/**
 * The one implementation of every filter: writes each host's mask (bit set =
 * rejected) for hosts [from, to) into out[0 .. to - from), and returns how many were
 * rejected. The hot path runs it over all hosts; the explanation of one host runs it
 * over that host alone, so the two cannot disagree. Locals are hoisted so the loop
 * reads typed arrays only.
 */
export function maskHosts(c: PlaceContext, from: number, to: number, out: Uint8Array): number {
  const x = c.idx;
  const staticMask = x.staticMask;
  const vcpuCap = x.vcpuCap;
  const vcpuUsed = x.vcpuUsed;
  const threads = x.threads;
  const memCap = x.memCap;
  const memUsed = x.memUsed;
  const hyp = c.hyp;
  const labels = c.labels;
  const nets = c.nets;
  const excluded = c.hasExcluded ? x.scratchExcluded : null;
  const needV = c.needV;
  const needM = c.needM;
  const group = c.groupHard ? c.groupCount : null;
  const anti = c.q.group?.policy === 'anti-affinity';
  const groupEmpty = c.groupTotal === 0;
  let rejected = 0;
  for (let i = from; i < to; i++) {
    let m = staticMask[i]!;
    if (excluded !== null && excluded[i] === 1) m |= F_SCHEDULABLE;
    if (hyp[i] === 0) m |= F_HYPERVISOR;
    if (vcpuCap[i]! - vcpuUsed[i]! < needV || needV > threads[i]!) m |= F_VCPUS;
    if (memCap[i]! - memUsed[i]! < needM) m |= F_MEMORY;
    if (labels !== null && labels[i] === 0) m |= F_LABELS;
    if (nets !== null && nets[i] === 0) m |= F_NETWORKS;
    if (group !== null) {
      const n = group[i]!;
      if (anti ? n !== 0 : !groupEmpty && n === 0) m |= F_GROUP;
    }
    out[i - from] = m;
    if (m !== 0) rejected++;
  }
  return rejected;
}

// Scratch for hostMask: filtering is synchronous, so one serves every call.
const ONE_MASK = new Uint8Array(1);

/** One host's mask (explanations; same code as the hot path). */
export function hostMask(c: PlaceContext, i: number): number {
  maskHosts(c, i, i + 1, ONE_MASK);
  return ONE_MASK[0]!;
}

// ---- explanation: numbers and reasons, built only for display and for rejected hosts ----

export function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function fmtRatio(r: number): string {
  return Number.isInteger(r * 10) ? r.toFixed(1) : String(r);
}

function scopeText(c: PlaceContext, i: number): string {
  const h = c.idx.hosts[i]!;
  return c.q.group!.scope === 'rack' && h.rack ? `in rack ${h.rack}` : 'on this host';
}

/** One short clause for filter `bit` on host i; `pass` comes from hostMask. */
export function filterReason(c: PlaceContext, i: number, bit: number, pass: boolean): string {
  const x = c.idx;
  const h = x.hosts[i]!;
  switch (bit) {
    case F_READY:
      return pass ? 'ready' : `host is ${h.state}`;
    case F_SCHEDULABLE: {
      if (pass) return 'schedulable';
      const why: string[] = [];
      if (h.cordoned) why.push('cordoned');
      if (h.maintenance) why.push('in maintenance');
      if (h.degraded) why.push('degraded');
      if (c.hasExcluded && x.scratchExcluded[i] === 1) why.push('excluded by the request');
      return why.join(', ');
    }
    case F_HYPERVISOR: {
      const want = c.q.domainType || 'any';
      if (pass) return want;
      if (h.domainTypes.length === 0) return 'no hypervisor (libvirt) on the host';
      if (c.q.domainType && !h.domainTypes.includes(c.q.domainType))
        return `no domain type ${c.q.domainType} (has ${h.domainTypes.join(', ')})`;
      const missing = c.q.cpuFeatures.filter((f) => !h.cpuFeatures.has(f));
      return `missing CPU features ${missing.join(', ')}`;
    }
    case F_VCPUS: {
      const free = x.vcpuCap[i]! - x.vcpuUsed[i]!;
      if (h.cpuThreads === 0) return 'host reports no CPU inventory';
      if (c.needV > x.threads[i]!) return `needs ${c.needV}, host has ${h.cpuThreads} threads`;
      return `needs ${c.needV}, free ${fmtNum(free)} at ratio ${fmtRatio(h.cpuRatio)}`;
    }
    case F_MEMORY: {
      if (h.memoryMiB === 0) return 'host reports no memory inventory';
      const free = x.memCap[i]! - x.memUsed[i]!;
      return `needs ${c.needM} MiB, free ${fmtNum(free)} MiB`;
    }
    case F_LABELS: {
      const want = Object.entries(c.q.requiredLabels);
      if (want.length === 0) return 'none required';
      if (pass) return want.map(([k, v]) => `${k}=${v}`).join(', ');
      return want
        .filter(([k, v]) => h.labels[k] !== v)
        .map(([k, v]) => (h.labels[k] === undefined ? `no ${k}` : `${k}=${h.labels[k]} not ${v}`))
        .join(', ');
    }
    case F_NETWORKS: {
      if (c.q.networks.length === 0) return 'none required';
      if (pass) return c.q.networks.join(', ');
      return `missing ${c.q.networks.filter((n) => !h.networks.has(n)).join(', ')}`;
    }
    case F_GROUP: {
      const g = c.q.group;
      if (!g) return 'no group';
      const n = c.groupCount![i]!;
      const kind = `${g.hard ? 'hard' : 'soft'} ${g.policy} ${g.name}`;
      if (!g.hard) return `${kind}: scored`;
      if (g.policy === 'anti-affinity')
        return pass
          ? `${kind}: none ${scopeText(c, i)}`
          : `${kind}: ${n} ${n === 1 ? 'member' : 'members'} ${scopeText(c, i)}`;
      if (c.groupTotal === 0) return `${kind}: first member`;
      return pass ? `${kind}: ${n} ${scopeText(c, i)}` : `${kind}: members are elsewhere`;
    }
    default:
      return '';
  }
}

/** Every filter's verdict for host i, from the same mask the hot path computed. */
export function filterVerdicts(c: PlaceContext, i: number, mask = hostMask(c, i)): FilterVerdict[] {
  const x = c.idx;
  return FILTERS.map(({ name, bit }) => {
    const pass = (mask & bit) === 0;
    const v: FilterVerdict = { filter: name, pass, reason: filterReason(c, i, bit, pass) };
    if (bit === F_VCPUS) {
      v.needed = c.needV;
      v.free = x.vcpuCap[i]! - x.vcpuUsed[i]!;
      v.ratio = x.hosts[i]!.cpuRatio;
    } else if (bit === F_MEMORY) {
      v.needed = c.needM;
      v.free = x.memCap[i]! - x.memUsed[i]!;
    }
    return v;
  });
}
