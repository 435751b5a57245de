import type { Db } from '../../lib/sqlite.js';

/**
 * What survives a coordinator restart, in the store's `meta` table (migration 3)
 * under keys `evacuation.*`. Which VMs are still on a lost host is NOT kept here:
 * the VM directory is the only truth for that, so a relocation that committed just
 * before a crash is never issued again, and one that did not commit is.
 * Fence results are not trusted across a restart either: the host is fenced again
 * (ensure-off is idempotent, and someone may have powered it on meanwhile).
 */
export interface HostProgress {
  hostId: string;
  /** Wall clock, for people. */
  startedAtMs: number;
  relocated: { vm: string; to: string; atMs: number }[];
  lastFence?: { ok: boolean; atMs: number; code?: string; message: string };
  doneReported: boolean;
}

export interface PersistedBrake {
  engaged: boolean;
  by: 'auto' | 'operator' | null;
  reason: string;
  sinceMs: number;
}

export interface ProgressStore {
  loadHosts(): HostProgress[];
  saveHost(p: HostProgress): void;
  deleteHost(hostId: string): void;
  loadBrake(): PersistedBrake | undefined;
  saveBrake(b: PersistedBrake): void;
}

const HOST = 'evacuation.host.';
const BRAKE = 'evacuation.brake';

/** Small single-row writes; better-sqlite3 commits each at once with the store's synchronous setting. */
export function metaProgressStore(db: Db): ProgressStore {
  const put = db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const get = db.prepare('SELECT value FROM meta WHERE key = ?');
  const del = db.prepare('DELETE FROM meta WHERE key = ?');
  const list = db.prepare('SELECT value FROM meta WHERE key >= ? AND key < ? ORDER BY key');
  return {
    loadHosts() {
      return (list.all(HOST, HOST + '\uffff') as { value: string }[]).map(
        (r) => JSON.parse(r.value) as HostProgress,
      );
    },
    saveHost(p) {
      put.run(HOST + p.hostId, JSON.stringify(p));
    },
    deleteHost(hostId) {
      del.run(HOST + hostId);
    },
    loadBrake() {
      const r = get.get(BRAKE) as { value: string } | undefined;
      return r ? (JSON.parse(r.value) as PersistedBrake) : undefined;
    },
    saveBrake(b) {
      put.run(BRAKE, JSON.stringify(b));
    },
  };
}

/** In memory: for unit tests and for a coordinator without a store. */
export function memoryProgressStore(): ProgressStore & { dump(): Map<string, string> } {
  const m = new Map<string, string>();
  return {
    loadHosts: () =>
      [...m.entries()]
        .filter(([k]) => k.startsWith(HOST))
        .map(([, v]) => JSON.parse(v) as HostProgress),
    saveHost: (p) => void m.set(HOST + p.hostId, JSON.stringify(p)),
    deleteHost: (id) => void m.delete(HOST + id),
    loadBrake: () => {
      const v = m.get(BRAKE);
      return v ? (JSON.parse(v) as PersistedBrake) : undefined;
    },
    saveBrake: (b) => void m.set(BRAKE, JSON.stringify(b)),
    dump: () => m,
  };
}
