import { resolveSchedulerConfig } from '../../../coordinator/scheduler/config.js';
import type {
  HostCapacity,
  PlacementRequest,
  SchedulerSnapshot,
  ScoreWeights,
} from '../../../coordinator/scheduler/types.js';

/** A ready 16-thread, 32 GiB KVM host on network `prod`, nothing claimed. */
export function host(id: string, o: Partial<HostCapacity> = {}): HostCapacity {
  return {
    id,
    state: 'ready',
    cordoned: false,
    maintenance: false,
    degraded: false,
    warnings: 0,
    labels: {},
    rack: '',
    pool: 'default',
    domainTypes: ['kvm', 'qemu'],
    cpuFeatures: new Set(['vmx']),
    cpuThreads: 16,
    memoryMiB: 32768,
    reservedCores: 0,
    reservedMemoryMiB: 512,
    cpuRatio: 4,
    networks: new Set(['prod']),
    usedVcpus: 0,
    usedMemoryMiB: 0,
    groupMembers: new Map(),
    ...o,
  };
}

export function request(o: Partial<PlacementRequest> = {}): PlacementRequest {
  return {
    name: 'vm-1',
    vcpus: 2,
    memoryMiB: 2048,
    domainType: 'kvm',
    cpuFeatures: [],
    requiredLabels: {},
    networks: ['prod'],
    ...o,
  };
}

export function snap(
  hosts: HostCapacity[],
  o: { pools?: SchedulerSnapshot['pools']; weights?: Partial<ScoreWeights> } = {},
): SchedulerSnapshot {
  const cfg = resolveSchedulerConfig();
  return {
    hosts,
    pools: o.pools ?? cfg.pools,
    weights: { ...cfg.weights, ...o.weights },
  };
}

/** Seeded randomness for the property tests (prng from test/integration/scheduler/sim.ts). */
export type Rnd = () => number;
export const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
export const int = (r: Rnd, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
