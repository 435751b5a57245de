import type { ApplyOutcome } from '../../lib/model.js';
import type { VmStatus } from './types.js';

/**
 * The VM status machine, pure. A VM's status is derived from what its host has
 * acknowledged (applied generation and that generation's ApplyResult for the
 * domain) and what its libvirt driver observes (the `libvirt.domain` object with the
 * VM's uuid) — never from what the coordinator pushed and hopes for. Level-based:
 * the same evidence always gives the same status, so a missed event is repaired by
 * the next pass, and a failed VM recovers once the host reports success.
 */

export const DOMAIN_KIND = 'libvirt.domain';

/** Evidence from one host about one VM. */
export interface HostEvidence {
  appliedGeneration: number;
  results: readonly ApplyOutcome[];
  /** The observed domain, undefined when the host does not report one with this uuid. */
  domain?: { state: string };
  /**
   * The host's libvirt driver reported itself healthy (its `driver/libvirt` object).
   * Only then does a missing domain mean "not there" rather than "not looked".
   */
  driverHealthy?: boolean;
}

export interface VmFacts {
  uuid: string;
  /** Effective power on this host. */
  power: 'running' | 'stopped';
  /** The generation that first carried this VM's current entry. */
  desiredGeneration: number;
}

export interface Derived {
  status: Extract<VmStatus, 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'>;
  reason: string;
}

/** libvirt states in which QEMU is still there. */
export function isActive(state: string | undefined): boolean {
  return state !== undefined && state !== 'shutoff' && state !== 'crashed';
}

export function acked(vm: VmFacts, ev: HostEvidence): boolean {
  return ev.appliedGeneration >= vm.desiredGeneration;
}

/** What the host said about the domain when it applied: ok, or the failure and why. */
export function applyVerdict(
  results: readonly ApplyOutcome[],
  uuid: string,
): { ok: boolean; reason: string } | undefined {
  const own = results.find((r) => r.kind === DOMAIN_KIND && r.id === uuid);
  if (own)
    return own.ok
      ? { ok: true, reason: own.action ?? '' }
      : { ok: false, reason: `${own.code ?? 'error'}: ${own.message ?? 'apply failed'}` };
  const section = results.find(
    (r) =>
      !r.ok &&
      ((r.kind === 'driver' && r.id === 'libvirt') || (r.kind === 'desired' && r.id === 'domains')),
  );
  if (section)
    return { ok: false, reason: `${section.code ?? 'error'}: ${section.message ?? 'not applied'}` };
  return undefined;
}

/** undefined: the host has not acknowledged the VM's generation yet (nothing to conclude). */
export function derive(vm: VmFacts, ev: HostEvidence): Derived | undefined {
  if (!acked(vm, ev)) return undefined;
  const verdict = applyVerdict(ev.results, vm.uuid);
  if (verdict && !verdict.ok) return { status: 'failed', reason: verdict.reason };
  const state = ev.domain?.state;
  if (vm.power === 'running') {
    if (state === 'running') return { status: 'running', reason: 'observed running' };
    return {
      status: 'starting',
      reason: state
        ? `generation ${ev.appliedGeneration} applied; domain observed ${state}`
        : `generation ${ev.appliedGeneration} applied; domain not observed yet`,
    };
  }
  if (!isActive(state))
    return { status: 'stopped', reason: state ? `observed ${state}` : 'not running on the host' };
  return {
    status: 'stopping',
    reason: `generation ${ev.appliedGeneration} applied; domain observed ${state}`,
  };
}

/** Statuses the derivation owns; the others are procedures (delete, move) the service drives. */
const DERIVED: ReadonlySet<VmStatus> = new Set([
  'placed',
  'starting',
  'running',
  'stopping',
  'stopped',
  'failed',
]);

/** The transition to record, or undefined for none. */
export function nextStatus(
  current: { status: VmStatus; reason: string },
  vm: VmFacts,
  ev: HostEvidence,
): Derived | undefined {
  if (!DERIVED.has(current.status)) return undefined;
  const d = derive(vm, ev);
  if (!d) return undefined;
  if (d.status === current.status && (d.status !== 'failed' || d.reason === current.reason))
    return undefined;
  return d;
}

/**
 * Stopped on its old host, so the move may place it elsewhere. Starting it elsewhere
 * on a wrong "stopped" is two copies, so this needs positive evidence: the domain
 * observed `shutoff`, or absent while the host's libvirt driver is healthy and the
 * acknowledged generation's ApplyResult for the domain is ok. Silence, an unhealthy
 * driver or a failed apply keep the move waiting.
 */
export function stoppedThere(vm: VmFacts, ev: HostEvidence): boolean {
  if (!acked(vm, ev)) return false;
  if (ev.domain) return ev.domain.state === 'shutoff';
  return ev.driverHealthy === true && applyVerdict(ev.results, vm.uuid)?.ok === true;
}

/** Removed from the host's desired state and no longer observed there. */
export function goneThere(generation: number, ev: HostEvidence): boolean {
  return ev.appliedGeneration >= generation && ev.domain === undefined;
}
