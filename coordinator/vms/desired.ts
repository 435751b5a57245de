import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/json.js';
import type { CoordinatorStore } from '../store/store.js';
import {
  composeDesired,
  splitBase,
  vmDomain,
  type ComposeContext,
  type ComposeVm,
  type Composed,
} from './compose.js';
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
    return this.vms.getBase(hostId) ?? adoptedBase(this.store.getDesired(hostId)?.spec);
  }

  compose(
    hostId: string,
    base = this.base(hostId),
    current = this.store.getDesired(hostId)?.spec,
  ): Composed {
    const vms: ComposeVm[] = this.vms
      .list({ hostId })
      .filter((vm) => vm.status !== 'deleting')
      .map((vm) => composeVm(vm, hostId));
    return composeDesired(base, vms, this.ctx, !!current && 'assignments' in current, (k) =>
      this.vms.ownerOf(k),
    );
  }

  /**
   * What may be stored as a host's base: never `assignments`, never a VM's domain (it
   * would outlive the VM's move: two copies). An entry that is exactly the VM's
   * composed entry (the round trip of `plinth host desired ID show` → edit → set) is
   * dropped; anything else naming a VM is refused (`strip`: dropped too, for documents
   * adopted from outside the service, where nobody can be told).
   */
  cleanBase(
    hostId: string,
    spec: JsonObject,
    onVmDomain: 'refuse' | 'strip',
  ): { base: JsonObject; stripped: string[] } {
    const { base, vmDomains } = splitBase(spec, (k) => this.vms.ownerOf(k));
    if (onVmDomain === 'refuse' && vmDomains.length > 0) {
      const entries = (Array.isArray(spec.domains) ? spec.domains : []).filter(
        (d): d is JsonObject => typeof d === 'object' && d !== null && !Array.isArray(d),
      );
      for (const entry of entries) {
        const name = this.vms.ownerOf({
          ...(typeof entry.name === 'string' ? { name: entry.name } : {}),
          ...(typeof entry.uuid === 'string' ? { uuid: entry.uuid.toLowerCase() } : {}),
        });
        const vm = name === undefined ? undefined : this.vms.get(name);
        if (!vm) continue;
        if (sameEntry(entry, vmDomain(composeVm(vm, vm.hostId ?? hostId), this.ctx))) continue;
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          `host ${hostId}: the base desired state's domains entry ${JSON.stringify(entry.name ?? entry.uuid)} is VM ${vm.name}, which is managed by the VM service; remove it from the document and use \`plinth vm show|stop|start|delete ${vm.name}\` instead`,
          { vm: vm.name, host: hostId },
        );
      }
    }
    return { base, stripped: vmDomains.map((d) => d.vm) };
  }

  /**
   * Recompose and store. `force` writes a new generation even when nothing changed
   * (an operator's explicit set, or a retry). Problems with a VM's document throw
   * CONFLICT naming the VM, which rolls the caller's transaction back.
   */
  write(hostId: string, opts: { force?: boolean; base?: JsonObject } = {}): HostWrite {
    // Read once: the document holds every VM of the host, and this runs in the
    // placement's transaction.
    const cur = this.store.getDesired(hostId);
    const storedBase = this.vms.getBase(hostId);
    const base = opts.base ?? storedBase ?? adoptedBase(cur?.spec);
    const composed = this.compose(hostId, base, cur?.spec);
    if (composed.problems.length > 0) {
      const p = composed.problems[0]!;
      throw new PlinthError(ErrorCodes.CONFLICT, `VM ${p.vm} on host ${hostId}: ${p.reason}`, {
        problems: composed.problems,
      });
    }
    if (!storedBase) this.vms.setBase(hostId, this.cleanBase(hostId, base, 'strip').base);
    const json = JSON.stringify(composed.spec);
    if (!opts.force && cur && JSON.stringify(cur.spec) === json)
      return { hostId, generation: cur.generation, json, changed: false };
    this.store.requireHostId(hostId);
    const generation = (cur?.generation ?? 0) + 1;
    this.store.putDesired(hostId, generation, json);
    return { hostId, generation, json, changed: true };
  }
}

/** A document SetDesired stored before the VM service wrote the host is its base (ours carry `assignments`). */
function adoptedBase(current: JsonObject | undefined): JsonObject {
  return current && !('assignments' in current) ? current : {};
}

function composeVm(vm: VmRow, hostId: string): ComposeVm {
  return {
    name: vm.name,
    uuid: vm.uuid,
    spec: vm.spec,
    power: powerOn(vm, hostId),
    fenceToken: vm.fenceToken,
  };
}

/** Key order and `power` (it changes with the VM's status) do not matter. */
function sameEntry(a: JsonObject, b: JsonObject): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .filter((k) => k !== 'power')
              .sort()
              .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
