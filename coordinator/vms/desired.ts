import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/json.js';
import type { CoordinatorStore } from '../store/store.js';
import { composeDesired, type ComposeContext, type ComposeVm, type Composed } from './compose.js';
import type { VmRow, VmStore } from './store.js';

export interface HostWrite {
  hostId: string;
  generation: number;
  json: string;
  changed: boolean;
}

/** Effective power of a VM on a host: one being moved off is stopped there first. */
export function powerOn(vm: VmRow, hostId: string): 'running' | 'stopped' {
  return vm.status === 'migrating' && vm.moveFrom === hostId ? 'stopped' : vm.power;
}

/**
 * Writes a host's composed desired document (base + its VMs) as a new generation.
 * Runs inside the caller's transaction; the caller pushes the result to the agent
 * only after the commit, so an agent never sees a generation that was rolled back.
 */
export class DesiredWriter {
  constructor(
    private readonly store: CoordinatorStore,
    private readonly vms: VmStore,
    private readonly ctx: ComposeContext,
  ) {}

  /** The base document: stored, or (before the VM service first wrote this host) what SetDesired stored. */
  base(hostId: string): JsonObject {
    const b = this.vms.getBase(hostId);
    if (b) return b;
    const cur = this.store.getDesired(hostId)?.spec;
    return cur && !('assignments' in cur) ? cur : {};
  }

  compose(hostId: string, base = this.base(hostId)): Composed {
    const current = this.store.getDesired(hostId)?.spec;
    const vms: ComposeVm[] = this.vms
      .list({ hostId })
      .filter((vm) => vm.status !== 'deleting')
      .map((vm) => ({
        name: vm.name,
        uuid: vm.uuid,
        spec: vm.spec,
        power: powerOn(vm, hostId),
        fenceToken: vm.fenceToken,
      }));
    return composeDesired(base, vms, this.ctx, !!current && 'assignments' in current);
  }

  /**
   * Recompose and store. `force` writes a new generation even when nothing changed
   * (an operator's explicit set, or a retry). Problems with a VM's document throw
   * CONFLICT naming the VM, which rolls the caller's transaction back.
   */
  write(hostId: string, opts: { force?: boolean; base?: JsonObject } = {}): HostWrite {
    const base = opts.base ?? this.base(hostId);
    const composed = this.compose(hostId, base);
    if (composed.problems.length > 0) {
      const p = composed.problems[0]!;
      throw new PlinthError(ErrorCodes.CONFLICT, `VM ${p.vm} on host ${hostId}: ${p.reason}`, {
        problems: composed.problems,
      });
    }
    if (!this.vms.getBase(hostId)) this.vms.setBase(hostId, base);
    const json = JSON.stringify(composed.spec);
    const cur = this.store.getDesired(hostId);
    if (!opts.force && cur && JSON.stringify(cur.spec) === json)
      return { hostId, generation: cur.generation, json, changed: false };
    const { generation } = this.store.setDesired(hostId, composed.spec);
    return { hostId, generation, json, changed: true };
  }
}
