import { loadJsonConfig, metricsSchema, tlsSchema } from '../lib/config-file.js';
import { validateConfig, type Schema } from '../lib/config-schema.js';
import { DEFAULT_ENABLED, driverFactories } from './drivers/index.js';

export interface DriverSettings {
  enabled: boolean;
  intervalSeconds: number;
  timeoutSeconds: number;
  [key: string]: unknown;
}

export interface AgentConfig {
  hostId?: string;
  dataDir: string;
  coordinator: { address: string };
  tls: { ca: string; cert: string; key: string };
  metrics: { enabled: boolean; listen: string };
  heartbeatSeconds: number;
  helloTimeoutSeconds: number;
  applyTimeoutSeconds: number;
  commandTimeoutSeconds: number;
  log: { level: string };
  drivers: Record<string, DriverSettings>;
}

function driverSchema(name: string, extra: Schema): Schema {
  return {
    enabled: {
      type: 'boolean',
      default: DEFAULT_ENABLED.has(name),
      doc: `run the ${name} driver on this host`,
    },
    intervalSeconds: {
      type: 'number',
      default: 15,
      min: 0.2,
      max: 3600,
      doc: 'full observe interval (the safety net behind events)',
    },
    timeoutSeconds: {
      type: 'number',
      default: 10,
      min: 0.1,
      max: 600,
      doc: 'hard deadline for one health check or observe pass',
    },
    ...extra,
  };
}

export function agentSchema(): Schema {
  return {
    hostId: {
      type: 'string',
      optional: true,
      pattern: /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
      doc: "this host's id; must match the agent certificate (default: taken from it)",
    },
    dataDir: {
      type: 'string',
      default: '/var/lib/plinth/agent',
      doc: 'where the local SQLite snapshot lives',
    },
    coordinator: {
      type: 'object',
      doc: 'the coordinator to dial',
      fields: {
        address: {
          type: 'string',
          default: '127.0.0.1:7443',
          doc: 'HOST:PORT of the coordinator (mTLS gRPC)',
        },
      },
    },
    tls: tlsSchema('agent'),
    metrics: metricsSchema('0.0.0.0:9469'),
    heartbeatSeconds: {
      type: 'number',
      default: 2,
      min: 0.1,
      max: 60,
      doc: 'heartbeat interval (the coordinator may set another in Welcome)',
    },
    helloTimeoutSeconds: {
      type: 'number',
      default: 10,
      min: 1,
      max: 120,
      doc: 'how long to wait for Welcome before redialling',
    },
    applyTimeoutSeconds: {
      type: 'number',
      default: 300,
      min: 1,
      max: 3600,
      doc: 'hard deadline for one apply of one driver',
    },
    commandTimeoutSeconds: {
      type: 'number',
      default: 900,
      min: 1,
      max: 7200,
      doc: 'hard deadline for one command (e.g. ceph.maintenance.exit waits for PGs to recover)',
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
    drivers: {
      type: 'object',
      doc: 'per-driver settings',
      fields: Object.fromEntries(
        driverFactories.map((f) => [
          f.name,
          {
            type: 'object' as const,
            doc: `${f.name} driver`,
            fields: driverSchema(f.name, f.configSchema),
          },
        ]),
      ),
    },
  };
}

export function parseAgentConfig(raw: unknown, source = 'agent config'): AgentConfig {
  return validateConfig<AgentConfig>(agentSchema(), raw, source);
}

export function loadAgentConfig(path: string | undefined): Promise<AgentConfig> {
  return loadJsonConfig(path, parseAgentConfig);
}
