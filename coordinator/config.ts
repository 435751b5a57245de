import { readFile } from 'node:fs/promises';
import { ErrorCodes, PlinthError } from '../lib/errors.js';
import { validateConfig, type Schema } from '../lib/config-schema.js';

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
  tls: {
    type: 'object',
    doc: 'mTLS material (there is no plaintext mode)',
    fields: {
      ca: { type: 'string', default: '/etc/plinth/pki/ca.crt', doc: 'CA certificate' },
      cert: {
        type: 'string',
        default: '/etc/plinth/pki/coordinator.crt',
        doc: 'coordinator certificate (role coordinator)',
      },
      key: { type: 'string', default: '/etc/plinth/pki/coordinator.key', doc: 'its private key' },
    },
  },
  metrics: {
    type: 'object',
    doc: 'Prometheus endpoint',
    fields: {
      enabled: { type: 'boolean', default: true, doc: 'serve /metrics' },
      listen: { type: 'string', default: '0.0.0.0:9470', doc: 'HOST:PORT for /metrics' },
    },
  },
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
  return c;
}

export async function loadCoordinatorConfig(path: string | undefined): Promise<CoordinatorConfig> {
  if (!path) return parseCoordinatorConfig({});
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `config file ${path} is not valid JSON: ${(e as Error).message}`,
    );
  }
  return parseCoordinatorConfig(raw, `config file ${path}`);
}
