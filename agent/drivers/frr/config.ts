import { validateConfig, type Schema } from '../../../lib/config-schema.js';

/** Keys under `drivers.frr` in the agent config. */
export interface FrrConfig {
  vtysh: string;
  vtySocketDir: string;
  configDir: string;
  observeTimeoutMs: number;
  applyTimeoutMs: number;
  pollIntervalMs: number;
  bfd: boolean;
  save: boolean;
}

const ABSOLUTE = /^\/[A-Za-z0-9._/-]*$/;

export const frrConfigSchema: Schema = {
  vtysh: {
    type: 'string',
    doc: 'Path of the vtysh binary',
    default: '/usr/bin/vtysh',
    pattern: ABSOLUTE,
  },
  vtySocketDir: {
    type: 'string',
    doc: "Directory holding the daemons' vty sockets (vtysh --vty_socket)",
    default: '/var/run/frr',
    pattern: ABSOLUTE,
  },
  configDir: {
    type: 'string',
    doc: 'Directory holding frr.conf and vtysh.conf (vtysh --config_dir); `write memory` saves here',
    default: '/etc/frr',
    pattern: ABSOLUTE,
  },
  observeTimeoutMs: {
    type: 'number',
    doc: 'Deadline of each read-only vtysh call (observe, health, poll)',
    default: 5000,
    min: 100,
    max: 60000,
    integer: true,
  },
  applyTimeoutMs: {
    type: 'number',
    doc: 'Deadline of the one vtysh call that applies a plan and saves it',
    default: 30000,
    min: 1000,
    max: 300000,
    integer: true,
  },
  pollIntervalMs: {
    type: 'number',
    doc: 'Interval of the cheap session-state poll that marks the driver dirty on change; 0 disables it',
    default: 1000,
    min: 0,
    max: 60000,
    integer: true,
  },
  bfd: { type: 'boolean', doc: 'Observe BFD peers (when bfdd runs)', default: true },
  save: {
    type: 'boolean',
    doc: 'Run `write memory` after each change so an FRR restart comes back the same',
    default: true,
  },
};

/** The defaults, straight from the schema (one source of truth). */
export const frrConfigDefaults: FrrConfig = validateConfig<FrrConfig>(
  frrConfigSchema,
  {},
  'frr defaults',
);
