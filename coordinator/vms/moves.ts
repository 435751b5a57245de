import { ErrorCodes, PlinthError, toPlinthError } from '../../lib/errors.js';
import type { Placement } from '../scheduler/types.js';
import { Batch, trimPlacement, type VmCore } from './core.js';
import type { PlacementEngine } from './engine.js';
import { placementRequest } from './spec.js';

export interface PlaceResult {
  ok: boolean;
  hostId?: string;
  message: string;
  placement?: Placement;
}

/**
 * Place an existing VM on another host: new claim (the engine moves it), new fence
 * token, the new host's document with the VM and the old host's without it — all in
 * the engine's transaction. `migrate` keeps the status 'migrating' until the new host
 * reports it (a drain); `relocate` starts over at 'placed' (evacuation of a fenced host).
 */
export async function placeElsewhere(
  core: VmCore,
  engine: PlacementEngine,
  name: string,
  opts: { excludeHosts: readonly string[]; reason: string; mode: 'migrate' | 'relocate' },
): Promise<PlaceResult> {
  const before = core.vms.get(name);
  if (!before) return { ok: false, message: `no VM ${name}` };
  const expectStatus = before.status;
  const from = before.hostId;
  const exclude = [...new Set([...opts.excludeHosts, ...(from ? [from] : [])])];
  const req = placementRequest(before.spec, core.config.defaultDomainType, exclude);
  const b = new Batch();
  let placement: Placement;
  try {
    placement = await engine.place(req, (p) => {
      if (!p.ok || !p.hostId) return;
      const vm = core.vms.get(name);
      if (!vm || vm.status !== expectStatus || vm.hostId !== from)
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          `VM ${name} changed while it was being placed (now ${vm ? vm.status : 'deleted'}); nothing moved`,
        );
      if (opts.mode === 'relocate' && from) relocatable(core, name, from);
      vm.hostId = p.hostId;
      vm.fenceToken = core.vms.allocFenceToken();
      vm.placement = trimPlacement(p);
      if (opts.mode === 'relocate') vm.moveFrom = '';
      const status = opts.mode === 'migrate' ? 'migrating' : 'placed';
      core.setStatus(
        b,
        vm,
        status,
        `${opts.reason}: placed on ${p.hostId}${from ? ` (was ${from})` : ''}, fence token ${vm.fenceToken}`,
        p.hostId,
      );
      if (from && from !== p.hostId) core.writeHost(b, from);
      vm.desiredGeneration = core.writeHost(b, p.hostId, true).generation;
      core.vms.update(vm);
    });
  } catch (e) {
    return { ok: false, message: toPlinthError(e).message };
  }
  if (!placement.ok || !placement.hostId)
    return { ok: false, message: placement.message, placement };
  core.flush(b);
  return { ok: true, hostId: placement.hostId, message: placement.message, placement };
}

/**
 * A relocation starts the VM elsewhere without the old host's word that its copy
 * stopped: it rests on the old host being dead and fenced. Re-checked inside the
 * claim's transaction, so a host that came back (or reconnected) between the
 * evacuation's decision and this commit rolls the placement back; the evacuation
 * controller re-decides on its next pass.
 */
function relocatable(core: VmCore, name: string, from: string): void {
  const { cluster } = core.deps;
  const state = cluster.state(from);
  const connected = cluster.sessions.has(from);
  if (state === 'down' && !connected) return;
  throw new PlinthError(
    ErrorCodes.CONFLICT,
    `not relocating VM ${name}: its host ${from} is ${state}${connected ? ' and connected' : ''}, no longer down and disconnected; nothing moved (the evacuation re-decides on its next pass)`,
    { vm: name, host: from, state, connected },
  );
}

/** A move that found no host: run the VM on its old host again. */
export function restoreOnOldHost(core: VmCore, name: string, reason: string): void {
  core.tx((b) => {
    const vm = core.vms.get(name);
    if (!vm || vm.status !== 'migrating' || vm.hostId !== vm.moveFrom) return;
    vm.moveFrom = '';
    core.setStatus(b, vm, 'starting', reason);
    vm.desiredGeneration = core.writeHost(b, vm.hostId!, true).generation;
    core.vms.update(vm);
  });
}
