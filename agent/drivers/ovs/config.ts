import type { Schema } from '../../../lib/config-schema.js';

export const ovsConfigSchema: Schema = {
  socket: {
    type: 'string',
    default: '/var/run/openvswitch/db.sock',
    doc: "Path of ovsdb-server's unix socket (its --remote=punix:PATH)",
  },
  datapathType: {
    type: 'string',
    default: 'system',
    pattern: /^[a-z][a-z0-9_-]{0,31}$/,
    doc: "Datapath type for desired bridges that do not name one: 'system' (kernel) or 'netdev' (userspace)",
  },
  owner: {
    type: 'string',
    default: 'plinth',
    pattern: /^[A-Za-z0-9._:-]{1,63}$/,
    doc: 'Value written to external_ids:plinth-owner on every bridge, port and interface this agent creates; only objects carrying it are ever changed or deleted',
  },
  requestTimeoutMs: {
    type: 'number',
    default: 5000,
    min: 100,
    integer: true,
    doc: 'Deadline for one OVSDB request (transact, get_schema, echo)',
  },
  echoIntervalMs: {
    type: 'number',
    default: 5000,
    min: 0,
    integer: true,
    doc: 'Send an echo keepalive after this long without traffic (0 disables)',
  },
};
