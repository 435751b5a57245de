import type { JsonObject } from '../../../lib/json.js';
import type { Condition, ObservedObject, Observation } from '../driver.js';
import type { OsdRunner } from './config.js';
import type { CephDf, CephHealth, CephStatus, OsdDump, OsdPerf, OsdTreeOsd } from './parse.js';

/**
 * Pure: parsed Ceph output + what the driver saw locally -> the observation the
 * agent diffs. Counters (perf, bytes) go to metrics, not into objects.
 */

export interface ClusterSnapshot {
  status: CephStatus;
  dump: OsdDump;
  tree: OsdTreeOsd[];
  /** From `health detail`: the checks with their detail lines. */
  health: CephHealth;
  df?: CephDf;
}

export interface LocalOsd {
  id: number;
  /** The admin socket answered this pass. */
  running: boolean;
  runner?: OsdRunner;
  perf?: OsdPerf;
  slowOps?: number;
}

/** Detail lines per check kept in the object: a 1000-PG cluster can have 1000 lines. */
const MAX_DETAIL = 20;

export function localOsdIds(tree: readonly OsdTreeOsd[], hostBucket: string): number[] {
  return tree.filter((o) => o.host === hostBucket).map((o) => o.id);
}

function clusterObject(s: ClusterSnapshot, hostBucket: string): ObservedObject {
  const checks: JsonObject = {};
  for (const [code, c] of Object.entries(s.health.checks)) {
    const check: JsonObject = {
      severity: c.severity,
      message: c.message,
      count: c.count,
      muted: c.muted,
    };
    if (c.detail) check.detail = c.detail.slice(0, MAX_DETAIL);
    checks[code] = check;
  }
  return {
    kind: 'ceph.cluster',
    id: s.status.fsid,
    data: {
      fsid: s.status.fsid,
      health: s.health.status,
      checks,
      osds: { total: s.status.numOsds, up: s.status.numUpOsds, in: s.status.numInOsds },
      pgs: { total: s.status.numPgs, byState: { ...s.status.pgsByState } },
      pools: s.status.numPools,
      mgrAvailable: s.status.mgrAvailable,
      flags: [...s.dump.flags],
      hostBucket,
      hostFlags: [...(s.dump.crushNodeFlags[hostBucket] ?? [])],
    },
  };
}

function osdObjects(
  s: ClusterSnapshot,
  hostBucket: string,
  local: ReadonlyMap<number, LocalOsd>,
): ObservedObject[] {
  const dumpById = new Map(s.dump.osds.map((o) => [o.id, o]));
  return s.tree.map((t) => {
    const d = dumpById.get(t.id);
    const data: JsonObject = {
      id: t.id,
      // osd dump and osd tree come from the same batch, so the same map epoch.
      up: d ? d.up : t.up,
      in: d ? d.in : t.reweight > 0,
      reweight: t.reweight,
      crushWeight: t.crushWeight,
      deviceClass: t.deviceClass,
      host: t.host ?? null,
      local: t.host === hostBucket,
    };
    const l = local.get(t.id);
    if (l) {
      data.running = l.running;
      if (l.runner) data.runner = l.runner;
      if (l.slowOps !== undefined) data.slowOps = l.slowOps;
    }
    return { kind: 'ceph.osd', id: `osd.${t.id}`, data };
  });
}

function poolObjects(s: ClusterSnapshot): ObservedObject[] {
  const usage = new Map((s.df?.pools ?? []).map((p) => [p.id, p]));
  return s.dump.pools.map((p) => {
    const data: JsonObject = { id: p.id, name: p.name, size: p.size, minSize: p.minSize };
    const u = usage.get(p.id);
    if (u) {
      data.storedBytes = u.storedBytes;
      data.usedBytes = u.usedBytes;
      data.objects = u.objects;
      data.maxAvailBytes = u.maxAvailBytes;
      data.percentUsed = Math.round(u.percentUsed * 1e6) / 1e6;
    }
    return { kind: 'ceph.pool', id: p.name, data };
  });
}

export function buildObservation(
  s: ClusterSnapshot,
  hostBucket: string,
  local: ReadonlyMap<number, LocalOsd>,
): Observation {
  const hostNoout = (s.dump.crushNodeFlags[hostBucket] ?? []).includes('noout');
  const conditions: Condition[] = [
    {
      type: 'ceph.maintenance',
      status: hostNoout,
      reason: hostNoout ? 'HostNoout' : 'NotInMaintenance',
      message: hostNoout
        ? `noout is set on CRUSH host ${hostBucket}`
        : `noout is not set on CRUSH host ${hostBucket}`,
    },
  ];
  return {
    objects: [clusterObject(s, hostBucket), ...osdObjects(s, hostBucket, local), ...poolObjects(s)],
    conditions,
  };
}

/** True when every PG is active+clean (and there is at least one PG, or no pool at all). */
export function allActiveClean(status: CephStatus): boolean {
  const states = Object.entries(status.pgsByState);
  if (status.numPgs === 0) return status.numPools === 0;
  return states.length === 1 && states[0]![0] === 'active+clean' && states[0]![1] === status.numPgs;
}

/** "8 active+clean, 1 active+undersized+degraded": for progress events. */
export function pgSummary(status: CephStatus): string {
  const parts = Object.entries(status.pgsByState)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v} ${k}`);
  return parts.length > 0 ? parts.join(', ') : `${status.numPgs} PGs, no state yet`;
}
