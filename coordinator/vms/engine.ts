import type { Placement, PlacementRequest } from '../scheduler/types.js';

/**
 * What the VM service needs from the placement engine (coordinator/scheduler/engine.ts).
 * `place` checks capacity and writes the claim in one SQLite transaction and runs
 * `write` inside that same transaction, so the VM row, its fence token and the host's
 * desired document commit together with the claim or not at all. Placing a VM that
 * already holds a claim moves the claim.
 */
export interface PlacementEngine {
  /** `fingerprint`: a plan's; refused (CONFLICT) inside the transaction if the cluster moved since. */
  place(
    request: PlacementRequest,
    write?: (placement: Placement) => void,
    opts?: { fingerprint?: string },
  ): Promise<Placement>;
  preview(request: PlacementRequest): Placement;
  /** Drop the VM's claim durably; `write` runs in the same transaction. */
  release(vmName: string, write?: () => void): Promise<boolean>;
  /** Changes whenever hosts, claims or cordons change: a plan is valid only while it holds. */
  fingerprint(): string;
  /** A host's schedulability (cordon, maintenance) or capacity changed outside the engine. */
  invalidateHost(hostId: string): void;
}
