import { canonicalJson } from '../../lib/canonical-json.js';
import type { JsonObject, JsonValue } from '../../lib/json.js';
import type { ApplyOutcome } from '../../lib/model.js';
import type { Observation } from '../drivers/driver.js';
import type { AgentStore } from '../state/store.js';
import { parseAssignments, type ParsedAssignments } from './parse.js';
import {
  acceptAssignments,
  conflictResults,
  gateDomains,
  type GateOutput,
  type HeldAssignment,
} from './rules.js';
import { ASSIGNMENTS_KEY, type ObservedVm, type TokenRecord } from './types.js';

/** libvirt's observed kind; a domain is live unless shut off (its QEMU exists). */
const DOMAIN_KIND = 'libvirt.domain';
const INACTIVE = new Set(['shutoff', 'nostate']);

export function observedVms(observation: Observation | undefined): Map<string, ObservedVm> {
  const out = new Map<string, ObservedVm>();
  for (const o of observation?.objects ?? []) {
    if (o.kind !== DOMAIN_KIND) continue;
    const state = typeof o.data.state === 'string' ? o.data.state : 'nostate';
    out.set(o.id.toLowerCase(), { live: !INACTIVE.has(state) });
  }
  return out;
}

export type KeeperStore = Pick<AgentStore, 'loadAssignments' | 'acceptDesired'>;

/**
 * The agent's side of fencing tokens: persists every VM's highest token, and knows
 * whether the held generation has been confirmed by the coordinator since this
 * process started. Decisions are the pure functions of rules.ts.
 */
export class AssignmentKeeper {
  private records: Map<string, TokenRecord>;
  private parsed: ParsedAssignments = { assignments: new Map(), errors: [] };
  private parsedFor: JsonObject | undefined;
  /** Highest generation received from the coordinator by this process (0: none yet). */
  private confirmedGeneration = 0;

  constructor(private readonly store: KeeperStore) {
    this.records = store.loadAssignments();
  }

  private parse(spec: JsonObject): ParsedAssignments {
    if (this.parsedFor !== spec) {
      this.parsed = parseAssignments(spec[ASSIGNMENTS_KEY]);
      this.parsedFor = spec;
    }
    return this.parsed;
  }

  /**
   * Hold a newer document: its tokens and the document are persisted together.
   * `fromCoordinator` false is the snapshot re-read at start (idempotent).
   */
  accept(generation: number, spec: JsonObject, fromCoordinator: boolean): void {
    const { assignments } = this.parse(spec);
    const next = acceptAssignments(this.records, assignments, spec.domains);
    this.store.acceptDesired(generation, spec, next);
    this.records = next;
    if (fromCoordinator) this.confirmedGeneration = Math.max(this.confirmedGeneration, generation);
  }

  /**
   * The coordinator sent the generation already held (it does on every Welcome).
   * Returns true when this newly confirms it; a different document under the same
   * generation confirms nothing.
   */
  confirm(generation: number, spec: JsonObject, held: JsonObject): boolean {
    if (generation <= this.confirmedGeneration) return false;
    if (canonicalJson(spec) !== canonicalJson(held)) return false;
    this.confirmedGeneration = generation;
    return true;
  }

  /**
   * The stream to the coordinator is gone: until it confirms again, a VM that may be
   * fenced and restarted elsewhere meanwhile is not started here (running ones stay).
   * Returns true when something was confirmed before.
   */
  revoke(): boolean {
    const was = this.confirmedGeneration > 0;
    this.confirmedGeneration = 0;
    return was;
  }

  /**
   * Whether a start may be held back for this document now. The gate then needs a
   * fresh look at the host: deciding on a stale "running" would let the driver (which
   * re-observes) start a VM that died in between.
   */
  mayGate(generation: number, spec: JsonObject): boolean {
    if (this.isConfirmed(generation)) return false;
    const { assignments } = this.parse(spec);
    for (const a of assignments.values()) if (a.policy !== 'keep') return true;
    for (const r of this.records.values()) if (r.assigned && r.policy !== 'keep') return true;
    return false;
  }

  /**
   * Exactly this generation is the coordinator's current one. An older generation is
   * never confirmed by a newer one: the newer may have moved the VM away, and an apply
   * of the older still in flight must not start it (seen in the lab: a fenced host
   * that came back started its old copy from the held generation while the newer one,
   * already received, waited for the next pass).
   */
  isConfirmed(generation: number): boolean {
    return generation > 0 && this.confirmedGeneration === generation;
  }

  /** The ack's results for `assignments`: invalid entries and refused (stale) tokens. */
  results(spec: JsonObject): ApplyOutcome[] {
    const { assignments, errors } = this.parse(spec);
    return [...errors, ...conflictResults(this.records, assignments)];
  }

  gate(
    generation: number,
    spec: JsonObject,
    domains: JsonValue | undefined,
    observation: Observation | undefined,
  ): GateOutput {
    return gateDomains({
      domains,
      assignments: this.parse(spec).assignments,
      records: this.records,
      observed: observedVms(observation),
      confirmed: this.isConfirmed(generation),
    });
  }

  held(
    generation: number,
    spec: JsonObject | undefined,
    observation: Observation | undefined,
  ): HeldAssignment[] {
    if (!spec) return this.gateFree();
    return this.gate(generation, spec, spec.domains, observation).held;
  }

  private gateFree(): HeldAssignment[] {
    return gateDomains({
      domains: undefined,
      assignments: new Map(),
      records: this.records,
      observed: new Map(),
      confirmed: true,
    }).held;
  }

  tokens(): ReadonlyMap<string, TokenRecord> {
    return this.records;
  }
}
