import type { Schema } from '../../../lib/config-schema.js';

export interface ContainersConfig {
  /** The Docker Engine API unix socket. */
  socketPath: string;
  /** Per-request timeout towards dockerd. */
  timeoutMs: number;
}

export const containersConfigSchema: Schema = {
  socketPath: {
    type: 'string',
    default: '/var/run/docker.sock',
    doc: 'Docker Engine API unix socket',
  },
  timeoutMs: {
    type: 'number',
    default: 5000,
    min: 100,
    max: 120_000,
    integer: true,
    doc: 'timeout of each request to dockerd, in milliseconds',
  },
};
