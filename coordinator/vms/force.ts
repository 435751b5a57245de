import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { HostState } from '../../lib/model.js';
import { Batch, type VmCore } from './core.js';
import type { PlacementEngine } from './engine.js';

/** What a forced delete must know about the VM's host; the API wires it to liveness and evacuation. */
export interface ForceGate {
  hostState(hostId: string): HostState;
  /** Who confirmed the host powered off in its current down episode; undefined when nobody has. */
  fencedBy(hostId: string): string | undefined;
}

export interface ForceDeleteResult {
  name: string;
  /** The host the VM was assigned to ('' when none). */
  hostId: string;
  message: string;
}

/**
 * Why a forced delete is not allowed now, or undefined when it is. Pure. Only a
 * host that is down AND confirmed off can no longer run the domain: forgetting a
 * VM on a merely silent host could leave it running with its claim gone.
 */
export function forceRefusal(
  name: string,
  hostId: string | null,
  gate: ForceGate,
): string | undefined {
  if (!hostId) return undefined;
  const state = gate.hostState(hostId);
  if (state !== 'down')
    return `host ${hostId} is ${state}, not down: --force is only for a VM whose host is down and powered off. Use \`plinth vm delete ${name}\`; the host removes the domain and confirms`;
  if (!gate.fencedBy(hostId))
    return `host ${hostId} is down but not confirmed powered off, so the VM may still run there: fence it (\`plinth fence ${hostId} --yes\`) or, if its BMC is unreachable and you have made sure it is off, \`plinth host confirm-off ${hostId} --yes\`; then retry`;
  return undefined;
}

/**
 * Forget a VM whose host can no longer act on it: release its claim, delete its
 * record and write its host a new desired generation without it, in the engine's
 * transaction. The fence token is not bumped: nothing is started anywhere.
 */
export async function forceDeleteVm(
  core: VmCore,
  engine: PlacementEngine,
  name: string,
  gate: ForceGate,
  who: string,
): Promise<ForceDeleteResult> {
  const vm0 = core.vms.get(name);
  if (!vm0)
    throw new PlinthError(ErrorCodes.NOT_FOUND, `no VM "${name}" (see \`plinth vm list\`)`, {
      vm: name,
    });
  const hostId = vm0.hostId ?? '';
  const refusal = forceRefusal(name, vm0.hostId, gate);
  if (refusal)
    throw new PlinthError(ErrorCodes.CONFLICT, `cannot force-delete VM ${name}: ${refusal}`, {
      vm: name,
      hostId,
    });
  const fencedBy = hostId ? gate.fencedBy(hostId) : undefined;
  const message = hostId
    ? `vm ${name} force-deleted by ${who}: host ${hostId} is down and confirmed off by ${fencedBy}; claim released, removed from its desired state`
    : `vm ${name} force-deleted by ${who}: it had no host; claim released`;
  const b = new Batch();
  let changed = false;
  await engine.release(name, () => {
    const vm = core.vms.get(name);
    // Re-checked in the transaction: it may have moved or gone since the gate.
    if (!vm || (vm.hostId ?? '') !== hostId) return;
    core.vms.remove(name);
    if (hostId) core.writeHost(b, hostId, true);
    core.event(b, hostId, {
      type: 'vm.deleted',
      severity: 'warning',
      message,
      object: { kind: 'vm', id: name },
      data: { vm: name, host: hostId, forced: true, by: who, fencedBy: fencedBy ?? '' },
    });
    changed = true;
  });
  core.flush(b);
  if (!changed)
    throw new PlinthError(
      ErrorCodes.CONFLICT,
      `VM ${name} changed while it was being force-deleted (moved or deleted): nothing was done; look at \`plinth vm show ${name}\``,
      { vm: name },
    );
  return { name, hostId, message };
}
