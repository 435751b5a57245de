import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { VmCore } from './core.js';
import type { PlacementEngine } from './engine.js';
import { restoreOnOldHost } from './moves.js';
import { localDisks, placementRequest } from './spec.js';
import type { DrainRow } from './store.js';
import type { DrainProgress, DrainResult } from './types.js';

const MAX_PARALLEL = 64;
const MAX_DEADLINE_MS = 24 * 3600_000;

export function checkDrainOptions(opts: { deadlineMs: number; parallel: number }): void {
  if (!Number.isInteger(opts.parallel) || opts.parallel < 1 || opts.parallel > MAX_PARALLEL)
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `parallel must be a whole number from 1 to ${MAX_PARALLEL}, got ${opts.parallel}`,
    );
  if (
    !Number.isFinite(opts.deadlineMs) ||
    opts.deadlineMs < 1000 ||
    opts.deadlineMs > MAX_DEADLINE_MS
  )
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `the drain deadline must be between 1 s and 24 h, got ${opts.deadlineMs} ms`,
    );
}

/**
 * Move every VM off a host, `parallel` at a time, until the absolute deadline in the
 * drain row. Per VM: refused when a disk is local to the host; else, when some other
 * host fits, the VM becomes 'migrating' and is stopped on this host; the status loop
 * places it elsewhere once the host reports it stopped, and it is done when the new
 * host reports it running (or stopped, for a VM that was stopped). Everything a
 * restarted coordinator needs is in the VM rows and the drain row.
 */
export async function runDrain(
  core: VmCore,
  engine: PlacementEngine,
  row: DrainRow,
  onProgress: (p: DrainProgress) => void,
): Promise<DrainResult> {
  const host = row.hostId;
  const result: DrainResult = { hostId: host, moved: [], refused: [], failed: [], left: [] };
  const progress = (p: DrainProgress) => {
    try {
      onProgress(p);
    } catch (e) {
      core.log.warn({ err: (e as Error).message }, 'drain progress callback failed');
    }
  };
  const queue = core.vms.onHost(host).map((v) => v.name);
  const one = async (name: string): Promise<void> => {
    const vm = core.vms.get(name);
    if (!vm || (vm.hostId !== host && vm.moveFrom !== host)) return;
    if (vm.status === 'deleting') {
      result.left.push(name);
      progress({ vm: name, step: 'refused', fromHost: host, message: 'being deleted' });
      return;
    }
    const local = localDisks(vm.spec);
    if (local.length > 0 && vm.status !== 'migrating') {
      const reason = `disk${local.length > 1 ? 's' : ''} ${local.join(', ')} ${local.length > 1 ? 'are' : 'is'} local to ${host}: the VM cannot run elsewhere (stop and delete it, or recreate it with shared disks)`;
      result.refused.push({ vm: name, reason });
      progress({ vm: name, step: 'refused', fromHost: host, message: reason });
      return;
    }
    if (vm.status !== 'migrating') {
      const preview = engine.preview(
        placementRequest(vm.spec, core.config.defaultDomainType, [host]),
      );
      if (!preview.ok) {
        result.failed.push({ vm: name, reason: preview.message });
        progress({ vm: name, step: 'failed', fromHost: host, message: preview.message });
        return;
      }
      core.tx((b) => {
        const cur = core.vms.get(name);
        if (!cur || cur.hostId !== host || cur.status === 'deleting' || cur.status === 'migrating')
          return;
        cur.moveFrom = host;
        core.setStatus(b, cur, 'migrating', `draining ${host}: stopping it there`);
        cur.desiredGeneration = core.writeHost(b, host).generation;
        core.vms.update(cur);
      });
      progress({ vm: name, step: 'stopping', fromHost: host, message: `stopping on ${host}` });
    }
    const placed = await core.waitUntil(() => {
      const v = core.vms.get(name);
      return !v || v.hostId !== host || v.status !== 'migrating';
    }, row.deadlineMs);
    const mid = core.vms.get(name);
    if (placed && mid && mid.status === 'migrating' && mid.hostId && mid.hostId !== host)
      progress({
        vm: name,
        step: 'starting',
        fromHost: host,
        toHost: mid.hostId,
        message: `starting on ${mid.hostId}`,
      });
    const finished = await core.waitUntil(() => {
      const v = core.vms.get(name);
      return !v || v.status !== 'migrating';
    }, row.deadlineMs);
    const v = core.vms.get(name);
    if (!v) {
      result.left.push(name);
      progress({ vm: name, step: 'failed', fromHost: host, message: 'deleted while draining' });
    } else if (!finished && v.status === 'migrating' && v.hostId === host && v.moveFrom === host) {
      // The old host never confirmed the stop, so nothing was placed elsewhere: a VM
      // left 'migrating' would refuse stop/start/delete forever. It stays, as it was.
      const reason = `drain deadline reached before ${host} confirmed the stop (${v.reason || 'no report'}): the move is abandoned and it stays on ${host}`;
      restoreOnOldHost(core, name, reason);
      result.left.push(name);
      progress({ vm: name, step: 'failed', fromHost: host, message: reason });
    } else if (!finished) {
      result.left.push(name);
      progress({
        vm: name,
        step: 'failed',
        fromHost: host,
        message: `deadline reached while ${v.reason || v.status}; the move continues in the background`,
      });
    } else if (v.hostId !== host && (v.status === 'running' || v.status === 'stopped')) {
      result.moved.push(name);
      progress({ vm: name, step: 'done', fromHost: host, toHost: v.hostId!, message: v.reason });
    } else {
      result.failed.push({ vm: name, reason: v.reason });
      progress({
        vm: name,
        step: 'failed',
        fromHost: host,
        ...(v.hostId && v.hostId !== host ? { toHost: v.hostId } : {}),
        message: v.reason,
      });
    }
  };
  const workers = Array.from(
    { length: Math.min(row.parallel, Math.max(queue.length, 1)) },
    async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        if (core.closed) return;
        await one(name);
      }
    },
  );
  await Promise.all(workers);
  // VMs that arrived meanwhile or were skipped: whatever is still assigned here is left.
  const accounted = new Set([
    ...result.moved,
    ...result.left,
    ...result.refused.map((r) => r.vm),
    ...result.failed.map((r) => r.vm),
  ]);
  for (const v of core.vms.list({ hostId: host }))
    if (!accounted.has(v.name)) result.left.push(v.name);
  return result;
}
