import type { JsonObject } from '../../lib/json.js';

/** The top-level key of the desired document this module owns. */
export const ASSIGNMENTS_KEY = 'assignments';
/** Observed-object kind under which held assignments are reported. */
export const ASSIGNMENT_KIND = 'agent.assignment';

export const POLICIES = ['keep', 'restart-after-fence', 'replace'] as const;
export type Policy = (typeof POLICIES)[number];

/** One entry of `assignments`: the coordinator assigns VM `uuid` to this host with fencing token `token`. */
export interface Assignment {
  uuid: string;
  name: string;
  token: number;
  policy: Policy;
}

/**
 * What the agent persists per VM (agent.db, table `assignments`): the highest token
 * it has seen, and the last domain entry accepted with a valid token.
 */
export interface TokenRecord {
  uuid: string;
  name: string;
  /** Highest fencing token seen for this VM; never lowered. */
  token: number;
  policy: Policy;
  /** Assigned to this host by the newest accepted generation. */
  assigned: boolean;
  /** The `domains` entry accepted with `token` (enforced if a later document carries a stale token). */
  domain?: JsonObject;
}

/** A VM's libvirt state as last observed on this host. */
export interface ObservedVm {
  /** A QEMU process exists (any state but shutoff / nostate). */
  live: boolean;
}
