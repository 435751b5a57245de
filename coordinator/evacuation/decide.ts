import { ErrorCodes } from '../../lib/errors.js';
import type { HostState } from '../../lib/model.js';
import type { VmFailurePolicy, VmRecord, VmStatus } from '../vms/types.js';

/** Flag set on a VM that stays on a lost host because its host could not be fenced. */
export const FENCE_FAILED_FLAG = 'fence-failed';

/** What the decision needs to know about one VM on the lost host. */
export interface VmView {
  name: string;
  policy: VmFailurePolicy;
  status: VmStatus;
  flags: readonly string[];
  /** Disks not on shared storage: their data stays on the lost host. */
  localDisks: readonly string[];
  /** A relocate call for it has not answered yet: never issue a second one. */
  relocating: boolean;
  /** A failed relocation is not retried before this (monotonic ms). */
  retryAtMs?: number;
}

export function vmView(r: VmRecord, relocating: boolean, retryAtMs: number | undefined): VmView {
  return {
    name: r.name,
    policy: r.spec.onHostFailure,
    status: r.status,
    flags: r.flags,
    localDisks: r.spec.disks.filter((d) => !d.shared).map((d) => d.name),
    relocating,
    ...(retryAtMs !== undefined ? { retryAtMs } : {}),
  };
}

/** Where the fencing of the lost host stands (in this coordinator process). */
export type FenceState =
  | { phase: 'none' }
  | { phase: 'running' }
  | { phase: 'ok'; atMs: number; alreadyOff: boolean; by: string }
  | { phase: 'failed'; atMs: number; code: string; message: string };

export interface DecideInput {
  hostId: string;
  hostState: HostState;
  /** The VMs assigned to the host, as the VM directory says now. */
  vms: readonly VmView[];
  fence: FenceState;
  enabled: boolean;
  inStartupGrace: boolean;
  brakeEngaged: boolean;
  /** Relocations the rate limit allows right now. */
  relocationsAvailable: number;
  /** Monotonic ms. */
  nowMs: number;
  fenceRetryMs: number;
}

export type WaitReason =
  | 'policy-keep'
  | 'local-disk'
  | 'deleting'
  | 'disabled'
  | 'startup-grace'
  | 'brake'
  | 'fence-pending'
  | 'fence-failed'
  | 'relocating'
  | 'relocate-retry'
  | 'rate-limit';

export type EvacAction =
  | { kind: 'fence' }
  | { kind: 'flag'; vm: string; flag: string; message: string }
  | { kind: 'unflag'; vm: string; flag: string }
  | { kind: 'relocate'; vm: string; policy: 'restart-after-fence' | 'replace' };

export interface Waiting {
  vm: string;
  reason: WaitReason;
  message: string;
}

export interface Decision {
  actions: EvacAction[];
  waiting: Waiting[];
  /** VMs that leave the host once it is fenced. */
  movable: string[];
}

/** What the operator should do when a fence failed, by error code. */
export function fenceAdvice(hostId: string, code: string): string {
  // `plinth fence` goes through the same BMC that just failed; confirm-off does not.
  const confirm = `or, once you have made sure by other means that ${hostId} is powered off (power cords out), run \`plinth host confirm-off ${hostId} --yes\``;
  if (code === ErrorCodes.BMC_AUTH)
    return `the BMC refused the credentials (not retried automatically: retries can lock the account); fix them with \`plinth host bmc set ${hostId} ...\`, then run \`plinth fence ${hostId} --yes\`; ${confirm}`;
  if (code === ErrorCodes.NOT_FOUND)
    return `configure its BMC with \`plinth host bmc set ${hostId} --ipmi HOST[:PORT] --user U --password-file F\` (retried automatically), ${confirm}`;
  return `check the BMC's network and power (\`plinth host power ${hostId} status\`); it is retried automatically, ${confirm}`;
}

/**
 * Pure: what to do about one host's VMs. Nothing happens unless the host is
 * `down`; a VM leaves only after its host is confirmed off, so it never runs twice.
 */
export function decide(i: DecideInput): Decision {
  const vms = [...i.vms].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (i.hostState !== 'down') {
    // The host is back: a fence-failed flag no longer describes anything.
    const actions: EvacAction[] =
      i.hostState === 'ready'
        ? vms
            .filter((v) => v.flags.includes(FENCE_FAILED_FLAG))
            .map((v) => ({ kind: 'unflag', vm: v.name, flag: FENCE_FAILED_FLAG }))
        : [];
    return { actions, waiting: [], movable: [] };
  }

  const waiting: Waiting[] = [];
  const movable: VmView[] = [];
  for (const v of vms) {
    if (v.policy === 'keep')
      waiting.push({
        vm: v.name,
        reason: 'policy-keep',
        message: `${v.name} waits for ${i.hostId} to come back (policy keep)`,
      });
    else if (v.status === 'deleting')
      waiting.push({
        vm: v.name,
        reason: 'deleting',
        message: `${v.name} is being deleted; its deletion completes when ${i.hostId} comes back`,
      });
    else if (v.policy === 'restart-after-fence' && v.localDisks.length > 0)
      waiting.push({
        vm: v.name,
        reason: 'local-disk',
        message: `${v.name} waits for ${i.hostId}: disk ${v.localDisks.join(', ')} is local to it, and restarting elsewhere would start without that data (policy replace is for VMs whose disks may start empty)`,
      });
    else movable.push(v);
  }
  const decision: Decision = { actions: [], waiting, movable: movable.map((v) => v.name) };
  if (movable.length === 0) return decision;

  const waitAll = (reason: WaitReason, message: (v: VmView) => string) => {
    for (const v of movable) waiting.push({ vm: v.name, reason, message: message(v) });
    return decision;
  };
  if (!i.enabled)
    return waitAll(
      'disabled',
      (v) =>
        `${v.name} stays on ${i.hostId}: automatic evacuation is disabled (evacuation.enabled)`,
    );
  if (i.inStartupGrace)
    return waitAll(
      'startup-grace',
      (v) =>
        `${v.name} stays on ${i.hostId}: the coordinator just started and gives hosts time to reconnect`,
    );
  if (i.brakeEngaged)
    return waitAll(
      'brake',
      (v) => `${v.name} stays on ${i.hostId}: the mass-failure brake is engaged`,
    );

  const f = i.fence;
  if (f.phase === 'none' || f.phase === 'running') {
    if (f.phase === 'none') decision.actions.push({ kind: 'fence' });
    return waitAll(
      'fence-pending',
      (v) => `${v.name} moves once ${i.hostId} is confirmed powered off`,
    );
  }
  if (f.phase === 'failed') {
    const advice = fenceAdvice(i.hostId, f.code);
    for (const v of movable)
      if (!v.flags.includes(FENCE_FAILED_FLAG))
        decision.actions.push({
          kind: 'flag',
          vm: v.name,
          flag: FENCE_FAILED_FLAG,
          message: `fencing ${i.hostId} failed (${f.code}: ${f.message}); ${advice}`,
        });
    if (f.code !== ErrorCodes.BMC_AUTH && i.nowMs - f.atMs >= i.fenceRetryMs)
      decision.actions.push({ kind: 'fence' });
    return waitAll(
      'fence-failed',
      (v) =>
        `${v.name} stays on ${i.hostId}, flagged ${FENCE_FAILED_FLAG}: fencing failed (${f.code}: ${f.message}); ${advice}`,
    );
  }

  let available = i.relocationsAvailable;
  for (const v of movable) {
    if (v.flags.includes(FENCE_FAILED_FLAG))
      decision.actions.push({ kind: 'unflag', vm: v.name, flag: FENCE_FAILED_FLAG });
    if (v.relocating)
      waiting.push({ vm: v.name, reason: 'relocating', message: `${v.name} is being relocated` });
    else if (v.retryAtMs !== undefined && i.nowMs < v.retryAtMs)
      waiting.push({
        vm: v.name,
        reason: 'relocate-retry',
        message: `${v.name}: the last relocation failed; retried in ${Math.ceil((v.retryAtMs - i.nowMs) / 1000)} s`,
      });
    else if (available > 0) {
      available--;
      decision.actions.push({
        kind: 'relocate',
        vm: v.name,
        policy: v.policy as 'restart-after-fence' | 'replace',
      });
    } else
      waiting.push({
        vm: v.name,
        reason: 'rate-limit',
        message: `${v.name} waits for the relocation rate limit (evacuation.rate.perMinute)`,
      });
  }
  return decision;
}
