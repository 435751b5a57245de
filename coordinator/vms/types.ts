import type { Placement } from '../scheduler/types.js';

/**
 * The VM service's contract (issue 9), shared by the service (coordinator/vms/),
 * the Admin API and CLI (coordinator/api/, coordinator/cli/) and the evacuation
 * controller (coordinator/evacuation/, issue 10).
 */

export type VmStatus =
  | 'pending' // accepted, not yet placed
  | 'placed' // claim written, desired state pushed, agent has not acknowledged
  | 'starting' // agent acknowledged the generation, domain not yet observed running
  | 'running' // observed running on its host
  | 'stopping'
  | 'stopped' // observed stopped (power: stopped)
  | 'migrating' // being moved (drain / evacuation): stopped on the old host, not yet running on the new
  | 'deleting'
  | 'failed'; // with a reason

export type VmFailurePolicy = 'keep' | 'restart-after-fence' | 'replace';

export interface VmDiskSpec {
  name: string;
  sizeGiB: number;
  /** 'local' (qcow2 on the host) or a Ceph pool name. */
  pool: string;
  /** Shared storage (Ceph, or marked shared): the VM can be restarted on another host. */
  shared: boolean;
}

export interface VmNicSpec {
  /** Network name from the coordinator's `networks` config (maps to an OVS bridge + VLAN). */
  network: string;
  mac?: string;
  /** Optional /32 announced through BGP by the VM's host. */
  announce?: string;
}

export interface VmSpec {
  name: string;
  vcpus: number;
  memoryMiB: number;
  disks: VmDiskSpec[];
  nics: VmNicSpec[];
  /** Direct kernel boot, or the first disk when absent. */
  boot?: { kernel: string; initrd?: string; cmdline?: string };
  domainType?: string; // default from coordinator config ('kvm')
  cpuFeatures?: string[];
  labels: Record<string, string>;
  requiredLabels: Record<string, string>;
  group?: {
    name: string;
    policy: 'affinity' | 'anti-affinity';
    scope: 'host' | 'rack';
    hard: boolean;
  };
  onHostFailure: VmFailurePolicy;
}

export interface VmHistoryEntry {
  atMs: number;
  status: VmStatus;
  hostId: string;
  message: string;
}

export interface VmRecord {
  name: string;
  uuid: string;
  spec: VmSpec;
  status: VmStatus;
  reason: string;
  hostId: string | null;
  power: 'running' | 'stopped';
  /** Epoch of the current assignment; only grows; persisted by the agent. */
  fenceToken: number;
  /** e.g. 'fence-failed', 'conflict'. */
  flags: string[];
  /** Why this host: the chosen host's verdict and the per-filter summary at placement time. */
  placement?: Placement;
  createdMs: number;
  updatedMs: number;
}

export interface PlanResult {
  token: string;
  placement: Placement;
  expiresMs: number;
}

export interface DrainProgress {
  vm: string;
  /** 'stopping' | 'placing' | 'starting' | 'done' | 'refused' | 'failed' */
  step: string;
  fromHost: string;
  toHost?: string;
  message: string;
}

export interface DrainResult {
  hostId: string;
  moved: string[];
  refused: { vm: string; reason: string }[];
  failed: { vm: string; reason: string }[];
  left: string[];
}

/** What the Admin API and CLI call. Errors are PlinthError with stable codes. */
export interface VmService {
  create(spec: unknown): Promise<{ vm: VmRecord; placement: Placement }>;
  plan(spec: unknown): PlanResult;
  apply(token: string): Promise<{ vm: VmRecord; placement: Placement }>;
  list(filter?: { hostId?: string; status?: VmStatus }): VmRecord[];
  get(name: string): VmRecord & { history: VmHistoryEntry[] };
  start(name: string): Promise<VmRecord>;
  stop(name: string): Promise<VmRecord>;
  delete(name: string): Promise<void>;
  cordon(hostId: string, cordoned: boolean, reason?: string): void;
  drain(
    hostId: string,
    opts: { deadlineMs: number; parallel: number },
    onProgress: (p: DrainProgress) => void,
  ): Promise<DrainResult>;
  maintenance(
    hostId: string,
    action: 'enter' | 'exit',
    opts: { deadlineMs: number; parallel: number },
    onProgress: (p: DrainProgress) => void,
  ): Promise<DrainResult>;
}

/** What the evacuation controller (issue 10) needs from the VM service. */
export interface VmDirectory {
  vmsOnHost(hostId: string): VmRecord[];
  /** Place the VM on another host (never one in excludeHosts), bump its fence token, push desired state to both hosts. */
  relocate(
    name: string,
    opts: { excludeHosts: string[]; reason: string },
  ): Promise<{ ok: boolean; hostId?: string; message: string }>;
  flag(name: string, flag: string, message: string): void;
  unflag(name: string, flag: string): void;
}
