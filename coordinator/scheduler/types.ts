/**
 * The scheduler's own types (principle 8: no wire types here). `place()` is pure:
 * it reads a SchedulerSnapshot and a PlacementRequest and returns a Placement;
 * time, randomness and IO never enter it, so the same input always gives the same
 * choice. The placement engine (engine.ts) keeps the snapshot current and writes
 * claims; the VM service (coordinator/vms/) builds requests from VM specs.
 */

export type FilterName =
  'ready' | 'schedulable' | 'hypervisor' | 'vcpus' | 'memory' | 'labels' | 'networks' | 'group';

export type ScoreName = 'strategy' | 'rack-balance' | 'warnings' | 'group-soft';

export interface GroupPolicy {
  name: string;
  policy: 'affinity' | 'anti-affinity';
  scope: 'host' | 'rack';
  /** Hard: a filter. Soft: a score. */
  hard: boolean;
}

export interface PlacementRequest {
  /** VM name (for claims and messages). */
  name: string;
  vcpus: number;
  memoryMiB: number;
  /** Required libvirt domain type, e.g. 'kvm' or 'qemu'. */
  domainType: string;
  /** CPU features the guest needs, e.g. ['vmx']. */
  cpuFeatures: readonly string[];
  /** Every key=value must match the host's labels. */
  requiredLabels: Readonly<Record<string, string>>;
  /** Network names the VM's NICs attach to; each must be present on the host. */
  networks: readonly string[];
  group?: GroupPolicy;
  /** Hosts never to choose (e.g. the host being drained or lost). */
  excludeHosts?: readonly string[];
}

export interface HostCapacity {
  id: string;
  /** Liveness at the coordinator. Only `ready` passes. */
  state: 'ready' | 'suspect' | 'down' | 'unknown';
  cordoned: boolean;
  maintenance: boolean;
  /** A condition says the host is degraded (e.g. BMC critical sensor). */
  degraded: boolean;
  /** Count of warning conditions (scored, not filtered). */
  warnings: number;
  labels: Readonly<Record<string, string>>;
  /** labels.rack, '' when none. */
  rack: string;
  /** labels.pool, 'default' when none. */
  pool: string;
  domainTypes: readonly string[];
  cpuFeatures: ReadonlySet<string>;
  cpuThreads: number;
  memoryMiB: number;
  reservedCores: number;
  reservedMemoryMiB: number;
  /** vCPU overcommit ratio for this host (host setting, else pool, else 4.0). */
  cpuRatio: number;
  networks: ReadonlySet<string>;
  /** Sum of claims on this host. */
  usedVcpus: number;
  usedMemoryMiB: number;
  /** Members per placement group on this host. */
  groupMembers: ReadonlyMap<string, number>;
}

export interface PoolPolicy {
  strategy: 'pack' | 'spread';
}

export interface ScoreWeights {
  strategy: number;
  rackBalance: number;
  warnings: number;
  groupSoft: number;
}

export interface SchedulerSnapshot {
  /** Sorted by id; ties in score break on id so the choice is deterministic. */
  hosts: readonly HostCapacity[];
  pools: Readonly<Record<string, PoolPolicy>>;
  weights: ScoreWeights;
}

export interface FilterVerdict {
  filter: FilterName;
  pass: boolean;
  /** Numbers where the filter has them (vcpus, memory). */
  needed?: number;
  free?: number;
  ratio?: number;
  /** Always set; one short clause, e.g. "needs 4 vCPUs, 2 free (ratio 4.0)". */
  reason: string;
}

export interface ScoreTerm {
  score: ScoreName;
  weight: number;
  /** 0..1 before weighting. */
  value: number;
}

export interface HostVerdict {
  hostId: string;
  pass: boolean;
  filters: FilterVerdict[];
  /** Only for hosts that pass every filter. */
  score?: number;
  scores?: ScoreTerm[];
}

export interface FilterSummary {
  filter: FilterName;
  /** Hosts this filter rejected (a host can be rejected by several). */
  removed: number;
  /** Distinct reasons, most frequent first, with counts. */
  reasons: { reason: string; hosts: number }[];
}

export interface Placement {
  ok: boolean;
  /** Chosen host when ok. */
  hostId?: string;
  score?: number;
  /** Per-host verdicts, sorted: chosen first, then passing by score, then rejected by id. */
  hosts: HostVerdict[];
  /** Per-filter summary (always present; used for the rejection message). */
  filters: FilterSummary[];
  /** One line: "placed on h2 (score 0.82)" or "no host fits: vcpus removed 2 …". */
  message: string;
}
