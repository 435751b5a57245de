import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { Schema } from '../../lib/config-schema.js';
import type { PoolPolicy, ScoreWeights } from './types.js';

/** Per-host overrides, set as host labels (`plinth host label ID KEY=VALUE`). */
export const LABEL_CPU_RATIO = 'plinth.io/cpu-ratio';
export const LABEL_RESERVED_CORES = 'plinth.io/reserved-cores';
export const LABEL_RESERVED_MEMORY = 'plinth.io/reserved-memory-mib';
export const LABEL_RACK = 'rack';
export const LABEL_POOL = 'pool';
export const DEFAULT_POOL = 'default';

/** The coordinator config section `scheduler`, as the coordinator parses it. */
export interface SchedulerConfigInput {
  defaultStrategy: 'pack' | 'spread';
  /** pool name -> 'pack' | 'spread' */
  poolStrategies: Record<string, string>;
  cpuRatio: number;
  /** pool name -> ratio as a decimal string (config maps hold strings) */
  poolCpuRatios: Record<string, string>;
  reservedCores: number;
  reservedMemoryMiB: number;
  weights: ScoreWeights;
}

/** Resolved and checked: what snapshot.ts and the engine use. */
export interface SchedulerConfig {
  defaultStrategy: 'pack' | 'spread';
  pools: Record<string, PoolPolicy & { cpuRatio?: number }>;
  cpuRatio: number;
  reservedCores: number;
  reservedMemoryMiB: number;
  weights: ScoreWeights;
}

/** A network name -> the OVS bridge (and VLAN) its NICs attach to. */
export type NetworkMap = Readonly<Record<string, { bridge: string; vlan?: number }>>;

const weight = (doc: string, dflt: number) =>
  ({ type: 'number', default: dflt, min: 0, max: 100, doc }) as const;

/** Plug in as `scheduler: { type: 'object', doc: '…', fields: schedulerSchema }`. */
export const schedulerSchema: Schema = {
  defaultStrategy: {
    type: 'string',
    default: 'spread',
    enum: ['pack', 'spread'],
    doc: 'placement strategy of pools not named in poolStrategies',
  },
  poolStrategies: {
    type: 'map',
    default: {},
    doc: "pool name (host label 'pool') -> 'pack' or 'spread'",
  },
  cpuRatio: {
    type: 'number',
    default: 4,
    min: 0.1,
    max: 64,
    doc: 'vCPU overcommit ratio (host label plinth.io/cpu-ratio, then poolCpuRatios, win over it)',
  },
  poolCpuRatios: {
    type: 'map',
    default: {},
    doc: 'pool name -> vCPU overcommit ratio, e.g. {"batch": "8"}',
  },
  reservedCores: {
    type: 'number',
    default: 0,
    min: 0,
    max: 1024,
    doc: 'CPU threads kept for the host itself (label plinth.io/reserved-cores overrides)',
  },
  reservedMemoryMiB: {
    type: 'number',
    default: 512,
    min: 0,
    max: 1_048_576,
    integer: true,
    doc: 'memory kept for the host itself (label plinth.io/reserved-memory-mib overrides)',
  },
  weights: {
    type: 'object',
    doc: 'score weights (0 turns a score off)',
    fields: {
      strategy: weight('pack or spread, per pool', 1),
      rackBalance: weight('prefer racks with less vCPU in use', 0.5),
      warnings: weight('avoid hosts with warning conditions', 1),
      groupSoft: weight('soft (anti-)affinity of the VM placement group', 2),
    },
  },
};

export const DEFAULT_SCHEDULER_INPUT: SchedulerConfigInput = {
  defaultStrategy: 'spread',
  poolStrategies: {},
  cpuRatio: 4,
  poolCpuRatios: {},
  reservedCores: 0,
  reservedMemoryMiB: 512,
  weights: { strategy: 1, rackBalance: 0.5, warnings: 1, groupSoft: 2 },
};

function bad(key: string, msg: string): never {
  throw new PlinthError(ErrorCodes.CONFIG, `config key scheduler.${key}: ${msg}`);
}

/** Checks what the declarative schema cannot (map values) and merges the two pool maps. */
export function resolveSchedulerConfig(input: Partial<SchedulerConfigInput> = {}): SchedulerConfig {
  const c = { ...DEFAULT_SCHEDULER_INPUT, ...input };
  const pools: SchedulerConfig['pools'] = {};
  for (const [pool, s] of Object.entries(c.poolStrategies)) {
    if (s !== 'pack' && s !== 'spread')
      bad(`poolStrategies.${pool}`, `"${s}" is not 'pack' or 'spread'`);
    pools[pool] = { strategy: s };
  }
  for (const [pool, r] of Object.entries(c.poolCpuRatios)) {
    const ratio = Number(r);
    if (!Number.isFinite(ratio) || ratio <= 0 || ratio > 64)
      bad(`poolCpuRatios.${pool}`, `"${r}" is not a ratio between 0 and 64`);
    pools[pool] = { strategy: pools[pool]?.strategy ?? c.defaultStrategy, cpuRatio: ratio };
  }
  if (!pools[DEFAULT_POOL]) pools[DEFAULT_POOL] = { strategy: c.defaultStrategy };
  return {
    defaultStrategy: c.defaultStrategy,
    pools,
    cpuRatio: c.cpuRatio,
    reservedCores: c.reservedCores,
    reservedMemoryMiB: c.reservedMemoryMiB,
    weights: { ...DEFAULT_SCHEDULER_INPUT.weights, ...c.weights },
  };
}
