import { ErrorCodes } from '../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../lib/json.js';
import type { ApplyOutcome } from '../../lib/model.js';
import {
  ASSIGNMENT_KIND,
  type Assignment,
  type ObservedVm,
  type Policy,
  type TokenRecord,
} from './types.js';

/**
 * The conflict rules (README.md in this directory), as pure functions. Nothing here
 * reads a clock, a socket or the database: the agent's shell passes everything in.
 */

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function entriesByUuid(domains: JsonValue | undefined): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  if (!Array.isArray(domains)) return out;
  for (const d of domains) {
    if (isObject(d) && typeof d.uuid === 'string') out.set(d.uuid.toLowerCase(), d);
  }
  return out;
}

/** A VM whose assignment in the document carries a token lower than the one persisted. */
export function isStale(a: Assignment, rec: TokenRecord | undefined): boolean {
  return rec !== undefined && a.token < rec.token;
}

/**
 * A newer generation was accepted: raise every VM's token to the highest seen, and
 * remember the domain entry that came with a valid token. A stale assignment changes
 * nothing. A VM the document no longer assigns is marked unassigned, its token kept
 * (a later stale re-assignment must still be refused). Idempotent: re-accepting the
 * same document (after a crash between two writes) gives the same records.
 */
export function acceptAssignments(
  records: ReadonlyMap<string, TokenRecord>,
  assignments: ReadonlyMap<string, Assignment>,
  domains: JsonValue | undefined,
): Map<string, TokenRecord> {
  const entries = entriesByUuid(domains);
  const out = new Map<string, TokenRecord>();
  for (const [uuid, rec] of records) {
    if (!assignments.has(uuid)) {
      const { domain: _dropped, ...rest } = rec;
      out.set(uuid, { ...rest, assigned: false });
    } else out.set(uuid, rec);
  }
  for (const [uuid, a] of assignments) {
    const rec = records.get(uuid);
    if (isStale(a, rec)) continue;
    const domain = entries.get(uuid);
    out.set(uuid, {
      uuid,
      name: a.name,
      token: a.token,
      policy: a.policy,
      assigned: true,
      ...(domain ? { domain } : {}),
    });
  }
  return out;
}

/** One PLINTH_E_CONFLICT result per stale assignment, naming both tokens. */
export function conflictResults(
  records: ReadonlyMap<string, TokenRecord>,
  assignments: ReadonlyMap<string, Assignment>,
): ApplyOutcome[] {
  const out: ApplyOutcome[] = [];
  for (const [uuid, a] of assignments) {
    const rec = records.get(uuid);
    if (!rec || !isStale(a, rec)) continue;
    out.push({
      kind: ASSIGNMENT_KIND,
      id: uuid,
      ok: false,
      code: ErrorCodes.CONFLICT,
      message: `assignment of VM ${a.name} (${uuid}) carries fencing token ${a.token}, lower than token ${rec.token} this host already holds for it: not acted on`,
    });
  }
  return out;
}

/** Policies whose VM may have been fenced and started elsewhere while this host was cut off. */
export function needsConfirmation(policy: Policy): boolean {
  return policy !== 'keep';
}

export interface GateInput {
  /** The `domains` section of the held document, as the coordinator sent it. */
  domains: JsonValue | undefined;
  assignments: ReadonlyMap<string, Assignment>;
  /** Persisted records, after acceptAssignments of the held document. */
  records: ReadonlyMap<string, TokenRecord>;
  /** Domains on this host by uuid (absent = not defined here). */
  observed: ReadonlyMap<string, ObservedVm>;
  /** The held generation was received from the coordinator since this agent process started. */
  confirmed: boolean;
}

export interface HeldAssignment {
  uuid: string;
  name: string;
  /** The highest token this host holds for the VM. */
  token: number;
  policy: Policy;
  /** Waiting for the coordinator to confirm the assignment (no start until then). */
  gated: boolean;
  /** A start is being held back right now: gated, desired running, not running. */
  startHeld: boolean;
  /** The held document's token for the VM when it is lower than `token` (refused). */
  staleToken?: number;
}

export interface GateOutput {
  /** What the libvirt driver is given. Never drops an entry that may exist on the host. */
  domains: JsonValue | undefined;
  held: HeldAssignment[];
}

/**
 * Pure: the `domains` section the driver must converge to, after the rules:
 * - a stale assignment is not acted on: the entry accepted with the held token is
 *   enforced instead; without one, the VM is left as it is (power pinned to what
 *   runs), or left out when it does not exist here (nothing to act on);
 * - after a (re)start, a `restart-after-fence`/`replace` VM that is not running is
 *   not started until the coordinator confirms the held generation: its power is
 *   turned to `stopped` (never dropped: the driver would undefine it); a running
 *   one is adopted and kept running;
 * - everything else passes through unchanged (a `keep` VM is enforced as held).
 */
export function gateDomains(input: GateInput): GateOutput {
  const { assignments, records, observed, confirmed } = input;
  const held = new Map<string, HeldAssignment>();
  for (const rec of records.values()) {
    if (!rec.assigned) continue;
    held.set(rec.uuid, {
      uuid: rec.uuid,
      name: rec.name,
      token: rec.token,
      policy: rec.policy,
      gated: !confirmed && needsConfirmation(rec.policy),
      startHeld: false,
    });
  }
  for (const a of assignments.values()) {
    const rec = records.get(a.uuid);
    const prev = held.get(a.uuid);
    if (isStale(a, rec)) {
      held.set(a.uuid, {
        uuid: a.uuid,
        name: rec!.name,
        token: rec!.token,
        policy: rec!.policy,
        gated: prev?.gated ?? false,
        startHeld: false,
        staleToken: a.token,
      });
    }
  }

  if (!Array.isArray(input.domains)) return { domains: input.domains, held: [...held.values()] };

  const out: JsonValue[] = [];
  const seen = new Set<string>();
  // A stale document that also leaves the VM's entry out must not make the driver undefine it.
  const missing: JsonObject[] = [];
  for (const a of assignments.values()) {
    const rec = records.get(a.uuid);
    if (isStale(a, rec) && rec!.assigned && rec!.domain) missing.push(rec!.domain);
  }
  for (const entry of [...input.domains, ...missing]) {
    if (!isObject(entry) || typeof entry.uuid !== 'string') {
      out.push(entry);
      continue;
    }
    const uuid = entry.uuid.toLowerCase();
    if (seen.has(uuid) && missing.includes(entry)) continue;
    seen.add(uuid);
    const a = assignments.get(uuid);
    const rec = records.get(uuid);
    const obs = observed.get(uuid);
    let e: JsonObject = entry;
    let policy: Policy = a?.policy ?? 'keep';
    if (a && isStale(a, rec)) {
      if (rec!.assigned && rec!.domain) {
        e = rec!.domain;
        policy = rec!.policy;
      } else if (obs) {
        e = { ...entry, power: obs.live ? 'running' : 'stopped' };
      } else {
        continue;
      }
    }
    if (
      needsConfirmation(policy) &&
      !confirmed &&
      (e.power ?? 'running') === 'running' &&
      !obs?.live
    ) {
      e = { ...e, power: 'stopped' };
      const h = held.get(uuid);
      if (h) h.startHeld = true;
    }
    out.push(e);
  }
  return { domains: out, held: [...held.values()] };
}

/** The observed-object data reported for a held assignment. */
export function heldToData(h: HeldAssignment): JsonObject {
  return {
    name: h.name,
    token: h.token,
    policy: h.policy,
    gated: h.gated,
    startHeld: h.startHeld,
    ...(h.staleToken !== undefined ? { staleToken: h.staleToken } : {}),
  };
}
