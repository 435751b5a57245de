import { ErrorCodes, PlinthError } from '../lib/errors.js';
import { loadJsonConfig, metricsSchema, tlsSchema } from '../lib/config-file.js';
import { validateConfig, type Schema } from '../lib/config-schema.js';
import { evacuationSchema, type EvacuationConfig } from './evacuation/config.js';
import {
  resolveSchedulerConfig,
  schedulerSchema,
  type SchedulerConfigInput,
} from './scheduler/config.js';
import { networkMap, vmsConfigSchema, type VmsConfig } from './vms/config.js';

export interface CoordinatorConfig {
  dataDir: string;
  listen: string;
  tls: { ca: string; cert: string; key: string };
  metrics: { enabled: boolean; listen: string };
  heartbeatSeconds: number;
  suspectAfterSeconds: number;
  downAfterSeconds: number;
  startupGraceSeconds: number;
  helloTimeoutSeconds: number;
  fencing: { keyFile: string; deadlineSeconds: number; retries: number; bmcTimeoutSeconds: number };
  scheduler: SchedulerConfigInput;
  vms: VmsConfig;
  evacuation: EvacuationConfig;
  log: { level: string };
}

export const coordinatorSchema: Schema = {
  dataDir: {
    type: 'string',
    default: '/var/lib/plinth/coordinator',
    doc: 'where the SQLite store lives',
  },
  listen: {
    type: 'string',
    default: '0.0.0.0:7443',
    doc: 'HOST:PORT for agents and the CLI (mTLS gRPC)',
  },
  tls: tlsSchema('coordinator'),
  metrics: metricsSchema('0.0.0.0:9470'),
  heartbeatSeconds: {
    type: 'number',
    default: 2,
    min: 0.1,
    max: 60,
    doc: 'heartbeat interval agents are told to use',
  },
  suspectAfterSeconds: {
    type: 'number',
    default: 6,
    min: 0.3,
    max: 3600,
    doc: 'silence before a host is suspect',
  },
  downAfterSeconds: {
    type: 'number',
    default: 15,
    min: 0.5,
    max: 86400,
    doc: 'silence before a host is down',
  },
  startupGraceSeconds: {
    type: 'number',
    default: 30,
    min: 0,
    max: 3600,
    doc: 'after a coordinator start, no host is marked down before this',
  },
  helloTimeoutSeconds: {
    type: 'number',
    default: 10,
    min: 1,
    max: 120,
    doc: 'how long a new stream may wait before its Hello',
  },
  fencing: {
    type: 'object',
    doc: 'BMC power and fencing',
    fields: {
      keyFile: {
        type: 'string',
        default: '',
        doc: 'key that encrypts BMC passwords at rest (created 0600 if missing; default DATADIR/bmc.key)',
      },
      deadlineSeconds: {
        type: 'number',
        default: 60,
        min: 1,
        max: 600,
        doc: 'a fence must confirm power-off within this',
      },
      retries: {
        type: 'number',
        default: 3,
        min: 0,
        max: 10,
        integer: true,
        doc: 'power-off rounds after the first',
      },
      bmcTimeoutSeconds: {
        type: 'number',
        default: 10,
        min: 1,
        max: 120,
        doc: 'timeout of one BMC call',
      },
    },
  },
  scheduler: {
    type: 'object',
    doc: 'placement: strategies, overcommit, reservations, score weights (coordinator/scheduler/README.md)',
    fields: schedulerSchema,
  },
  vms: {
    type: 'object',
    doc: 'VMs: networks, Ceph disks, plans (coordinator/vms/README.md)',
    fields: vmsConfigSchema,
  },
  evacuation: evacuationSchema,
  log: {
    type: 'object',
    doc: 'logging',
    fields: {
      level: {
        type: 'string',
        default: 'info',
        enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
        doc: 'log level',
      },
    },
  },
};

export function parseCoordinatorConfig(
  raw: unknown,
  source = 'coordinator config',
): CoordinatorConfig {
  const c = validateConfig<CoordinatorConfig>(coordinatorSchema, raw, source);
  if (c.downAfterSeconds <= c.suspectAfterSeconds) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `${source} is invalid:\n  - config key downAfterSeconds (${c.downAfterSeconds}) must be greater than suspectAfterSeconds (${c.suspectAfterSeconds}).`,
    );
  }
  // What the declarative schema cannot check fails at load too, naming the key.
  networkMap(c.vms.networks);
  resolveSchedulerConfig(c.scheduler);
  return c;
}

export function loadCoordinatorConfig(path: string | undefined): Promise<CoordinatorConfig> {
  return loadJsonConfig(path, parseCoordinatorConfig);
}
