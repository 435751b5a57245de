import type { Registry } from 'prom-client';
import type { ErrorCode } from '../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../lib/json.js';
import type { Log } from '../../lib/log.js';
import type { Schema } from '../../lib/config-schema.js';
import type { Clock } from '../host/clock.js';
import type { Exec } from '../host/exec.js';

/**
 * The one small interface every driver implements (DESIGN.md principle 1).
 *
 * The agent runs each driver on its own loop with hard timeouts: one hung driver
 * never blocks another. Drivers never talk gRPC and never see wire types; they
 * return plain JSON-serialisable objects, and the agent turns changes into deltas.
 */

/** Tri-state: no Ceph on a hypervisor is `undetected`, not an error. */
export type HealthStatus = 'undetected' | 'unhealthy' | 'healthy';

export interface Health {
  status: HealthStatus;
  /** Stable error code when unhealthy (PLINTH_E_...). */
  code?: ErrorCode;
  message?: string;
}

/**
 * One thing a driver sees on the host. `kind` is namespaced by driver
 * (`host.link`, `libvirt.domain`, `ovs.port`, `bgp.neighbor`, `bmc.sensor`, `ceph.osd`);
 * `id` is unique within its kind and stable across passes; `data` is plain JSON.
 * The agent diffs consecutive observations by (kind, id) and deep-equality of `data`,
 * so volatile fields (counters) belong in metrics, or in objects that are expected to change.
 */
export interface ObservedObject {
  kind: string;
  id: string;
  data: JsonObject;
}

/** A host-level condition derived by a driver, e.g. `degraded` from a critical sensor. */
export interface Condition {
  type: string;
  /** true = the condition holds (e.g. the host IS degraded). */
  status: boolean;
  reason: string;
  message: string;
}

export interface Observation {
  objects: ObservedObject[];
  conditions?: Condition[];
}

/** Something that happened (lifecycle event, SEL entry, maintenance step); persisted and forwarded. */
export interface DriverEvent {
  type: string; // e.g. 'libvirt.lifecycle', 'bmc.sel', 'ceph.maintenance'
  severity: 'info' | 'warning' | 'critical';
  message: string;
  object?: { kind: string; id: string };
  data?: JsonObject;
}

/** Outcome of converging one desired object; reported to the coordinator with the generation ack. */
export interface ApplyResult {
  kind: string;
  id: string;
  ok: boolean;
  /** What was done: 'create', 'start', 'noop', ... */
  action?: string;
  code?: ErrorCode;
  message?: string;
}

export interface ParsedDesired<D> {
  /** The valid part, normalised. Invalid objects are left out of it. */
  desired: D;
  /** One error per invalid object: reported, and nothing on the host changes for it. */
  errors: ApplyResult[];
}

/** IO comes in as a plain deps object (DESIGN.md principle 7); tests pass literals. */
export interface DriverContext {
  log: Log;
  exec: Exec;
  clock: Clock;
  metrics: Registry;
  /** Ask the agent to observe this driver again soon (coalesced). Events only mark dirty. */
  markDirty(reason: string): void;
  /** Record an event: persisted in the agent's outbox and forwarded to the coordinator. */
  emit(event: DriverEvent): void;
  paths: { stateDir: string; runDir: string };
}

export interface Driver<Desired = unknown> {
  readonly name: string;
  /** Start watchers (event streams). Must not throw when the daemon is absent or down. */
  start?(): Promise<void>;
  /** Stop watchers and close connections. Never stops workloads. */
  stop?(): Promise<void>;
  /** Static facts for the Hello message (capabilities, versions). */
  inventory?(signal: AbortSignal): Promise<JsonObject>;
  health(signal: AbortSignal): Promise<Health>;
  observe(signal: AbortSignal): Promise<Observation>;

  /** The top-level key of the host's desired-state document that this driver owns. */
  readonly desiredKey?: string;
  /** Pure: validate and normalise the driver's section of the desired state. */
  parseDesired?(raw: JsonValue | undefined): ParsedDesired<Desired>;
  /** Converge towards `desired`; only objects this driver owns are ever touched. */
  apply?(desired: Desired, observed: Observation, signal: AbortSignal): Promise<ApplyResult[]>;
  /** One-shot operations the coordinator asks for (e.g. `ceph.maintenance.enter`). */
  command?(kind: string, args: JsonObject, signal: AbortSignal): Promise<JsonObject>;
}

/** How the registry builds a driver from the agent's config. */
export interface DriverFactory<Config = unknown> {
  name: string;
  /** Keys under `drivers.<name>` in the agent config; `enabled` is added by the agent. */
  configSchema: Schema;
  create(ctx: DriverContext, config: Config): Driver;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
