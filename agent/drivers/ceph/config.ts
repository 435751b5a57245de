import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { Schema } from '../../../lib/config-schema.js';
import { isValidName } from '../../../lib/names.js';

export type OsdRunner = 'process' | 'systemd' | 'container';

export interface CephConfig {
  cephBinary: string;
  /** '' = $CEPH_CONF, else /etc/ceph/ceph.conf. */
  conf: string;
  clientName: string;
  /** '' = the CLI's default keyring search. */
  keyring: string;
  /** '' = the short hostname. */
  hostBucket: string;
  adminSocketDir: string;
  commandTimeoutMs: number;
  osdRunner: 'auto' | OsdRunner;
  osdStartCommand: string[];
  osdStartTimeoutMs: number;
  osdStopTimeoutMs: number;
  systemdUnit: string;
  systemctlBinary: string;
  dockerSocket: string;
  recoveryTimeoutMs: number;
  slowRefreshMs: number;
  localCheckIntervalMs: number;
}

export const cephConfigSchema: Schema = {
  cephBinary: {
    type: 'string',
    default: 'ceph',
    doc: 'the ceph CLI (name on PATH or absolute path)',
  },
  conf: {
    type: 'string',
    default: '',
    doc: 'ceph.conf locating the cluster; empty = $CEPH_CONF, else /etc/ceph/ceph.conf',
  },
  clientName: {
    type: 'string',
    default: 'client.admin',
    pattern: /^client\.[A-Za-z0-9._-]{1,63}$/,
    doc: 'Ceph client name (--name) used for mon commands',
  },
  keyring: { type: 'string', default: '', doc: 'keyring path (--keyring); empty = ceph default' },
  hostBucket: {
    type: 'string',
    default: '',
    doc: 'CRUSH host bucket of this host; its OSDs are the local ones. Empty = short hostname',
  },
  adminSocketDir: {
    type: 'string',
    default: '/var/run/ceph',
    doc: 'directory of the OSD admin sockets (ceph-osd.N.asok, or FSID/ceph-osd.N.asok for cephadm)',
  },
  commandTimeoutMs: {
    type: 'number',
    default: 10_000,
    min: 500,
    max: 300_000,
    integer: true,
    doc: 'hard timeout of each ceph CLI call, in milliseconds',
  },
  osdRunner: {
    type: 'string',
    default: 'auto',
    enum: ['auto', 'process', 'systemd', 'container'],
    doc: 'how local OSDs run: auto-detected per OSD from Docker containers and the process cgroup',
  },
  osdStartCommand: {
    type: 'string[]',
    default: ['ceph-osd', '-i', '{id}'],
    doc: 'argv that starts one process-run OSD and returns once it has daemonized; {id} is the OSD id',
  },
  osdStartTimeoutMs: {
    type: 'number',
    default: 60_000,
    min: 1000,
    integer: true,
    doc: 'timeout of starting one OSD, in milliseconds',
  },
  osdStopTimeoutMs: {
    type: 'number',
    default: 60_000,
    min: 1000,
    integer: true,
    doc: 'how long a stopping OSD may take before it is killed, in milliseconds',
  },
  systemdUnit: {
    type: 'string',
    default: 'ceph-osd@{id}.service',
    doc: 'systemd unit of a systemd-run OSD when it cannot be read from the process cgroup',
  },
  systemctlBinary: { type: 'string', default: 'systemctl', doc: 'systemctl binary' },
  dockerSocket: {
    type: 'string',
    default: '/var/run/docker.sock',
    doc: 'Docker Engine API socket, to find and stop/start container-run OSDs',
  },
  recoveryTimeoutMs: {
    type: 'number',
    default: 600_000,
    min: 1000,
    integer: true,
    doc: 'maintenance exit: how long to wait for PGs to be active+clean again',
  },
  slowRefreshMs: {
    type: 'number',
    default: 30_000,
    min: 0,
    integer: true,
    doc: 'how long pool usage (ceph df, via the mgr) is reused before it is fetched again',
  },
  localCheckIntervalMs: {
    type: 'number',
    default: 1000,
    min: 100,
    integer: true,
    doc: 'interval of the cheap local OSD liveness check (admin socket) that triggers an observe',
  },
};

const PLACEHOLDER = /\{[^}]*\}/g;

/**
 * Checks the schema cannot express: the start template must name the OSD with
 * exactly the `{id}` placeholder and nothing else in braces, so a typo like `{ID}`
 * fails at start-up instead of starting `ceph-osd -i {ID}` during a maintenance.
 */
export function validateCephConfig(c: CephConfig): CephConfig {
  const errors: string[] = [];
  if (c.osdStartCommand.length === 0 || c.osdStartCommand[0] === '') {
    errors.push('osdStartCommand: must be a non-empty argv list, e.g. ["ceph-osd", "-i", "{id}"]');
  } else {
    const placeholders = c.osdStartCommand.flatMap((a) => a.match(PLACEHOLDER) ?? []);
    const unknown = placeholders.filter((p) => p !== '{id}');
    if (unknown.length > 0) {
      errors.push(
        `osdStartCommand: unknown placeholder(s) ${unknown.join(', ')}; only {id} exists`,
      );
    }
    if (!placeholders.includes('{id}')) errors.push('osdStartCommand: must contain {id}');
    if (c.osdStartCommand.some((a) => a.includes('\0'))) errors.push('osdStartCommand: NUL byte');
    if (c.osdStartCommand.some((a) => a === '-f' || a === '-d' || a === '--foreground')) {
      errors.push(
        'osdStartCommand: must daemonize (no -f/-d/--foreground); plinth waits for it to return',
      );
    }
  }
  const unitPlaceholders = c.systemdUnit.match(PLACEHOLDER) ?? [];
  if (
    unitPlaceholders.some((p) => p !== '{id}') ||
    !/^[A-Za-z0-9@._:{}\\-]+$/.test(c.systemdUnit)
  ) {
    errors.push(
      `systemdUnit: ${JSON.stringify(c.systemdUnit)} is not a unit name with an {id} placeholder`,
    );
  }
  if (c.hostBucket !== '' && !isValidName('objectName', c.hostBucket)) {
    errors.push(`hostBucket: ${JSON.stringify(c.hostBucket)} is not a valid CRUSH bucket name`);
  }
  if (errors.length > 0) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `drivers.ceph is invalid:\n  - ${errors.join('\n  - ')}`,
      {
        errors,
      },
    );
  }
  return c;
}

/** The argv that starts OSD `id`; `id` is a validated integer. */
export function renderStartCommand(template: readonly string[], id: number): string[] {
  return template.map((a) => a.split('{id}').join(String(id)));
}

export function renderUnit(template: string, id: number): string {
  return template.split('{id}').join(String(id));
}

/** Short hostname as a CRUSH host bucket name (ceph-osd's default crush location). */
export function defaultHostBucket(hostname: string): string {
  return hostname.split('.')[0] ?? hostname;
}
