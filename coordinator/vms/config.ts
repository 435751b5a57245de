import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { Schema } from '../../lib/config-schema.js';
import { isValidName } from '../../lib/names.js';

/** The VM service's config section (`vms` in the coordinator's config file). */
export interface VmsConfig {
  /** Network name -> "BRIDGE" or "BRIDGE:VLAN" (an Open vSwitch bridge on the hosts). */
  networks: Record<string, string>;
  defaultDomainType: 'kvm' | 'qemu';
  restartPolicy: 'defer' | 'restart';
  planTtlSeconds: number;
  deleteTimeoutSeconds: number;
  reconcileIntervalSeconds: number;
  maintenanceCommandTimeoutSeconds: number;
  ceph: { monitors: string[]; user: string; secretUuid: string; pools: string[] };
}

export const vmsConfigSchema: Schema = {
  networks: {
    type: 'map',
    default: {},
    doc: 'VM networks: NAME -> "BRIDGE" or "BRIDGE:VLAN" (the OVS bridge on every host)',
  },
  defaultDomainType: {
    type: 'string',
    default: 'kvm',
    enum: ['kvm', 'qemu'],
    doc: 'libvirt domain type when a VM spec gives none (qemu = TCG, no KVM needed)',
  },
  restartPolicy: {
    type: 'string',
    default: 'defer',
    enum: ['defer', 'restart'],
    doc: 'what the libvirt driver does when a running VM definition changes',
  },
  planTtlSeconds: {
    type: 'number',
    default: 300,
    min: 5,
    max: 86400,
    doc: 'how long a `plinth plan` token can be applied',
  },
  deleteTimeoutSeconds: {
    type: 'number',
    default: 120,
    min: 1,
    max: 3600,
    doc: 'how long `vm delete` waits for the host to confirm the domain is gone',
  },
  reconcileIntervalSeconds: {
    type: 'number',
    default: 5,
    min: 0.1,
    max: 600,
    doc: 'full status sweep interval (events drive it; this is the safety net)',
  },
  maintenanceCommandTimeoutSeconds: {
    type: 'number',
    default: 900,
    min: 1,
    max: 3600,
    doc: 'timeout of the Ceph maintenance commands sent to an agent',
  },
  ceph: {
    type: 'object',
    doc: 'Ceph RBD disks: where libvirt finds the cluster',
    fields: {
      monitors: { type: 'string[]', default: [], doc: 'monitor "host:port" list' },
      user: { type: 'string', default: '', doc: 'Ceph client name without "client."' },
      secretUuid: {
        type: 'string',
        default: '',
        doc: 'UUID of the libvirt secret holding that client key (defined on every host)',
      },
      pools: {
        type: 'string[]',
        default: [],
        doc: 'RBD pools VM disks may use (empty: any pool name when monitors are set)',
      },
    },
  },
};

export const defaultVmsConfig: VmsConfig = {
  networks: {},
  defaultDomainType: 'kvm',
  restartPolicy: 'defer',
  planTtlSeconds: 300,
  deleteTimeoutSeconds: 120,
  reconcileIntervalSeconds: 5,
  maintenanceCommandTimeoutSeconds: 900,
  ceph: { monitors: [], user: '', secretUuid: '', pools: [] },
};

export interface Network {
  bridge: string;
  vlan?: number;
}

/** "br-int:100" -> {bridge, vlan}; errors name the config key. */
export function parseNetworks(raw: Record<string, string>): Map<string, Network> {
  const out = new Map<string, Network>();
  const errors: string[] = [];
  for (const [name, v] of Object.entries(raw)) {
    const key = `config key vms.networks.${name}`;
    if (!isValidName('objectName', name)) {
      errors.push(`${key}: the network name must match [A-Za-z0-9][A-Za-z0-9._-]{0,62}`);
      continue;
    }
    const [bridge, vlanText, extra] = v.split(':');
    const vlan = vlanText === undefined ? undefined : Number(vlanText);
    if (!isValidName('ifName', bridge) || extra !== undefined) {
      errors.push(
        `${key}: ${JSON.stringify(v)} is not "BRIDGE" or "BRIDGE:VLAN" (e.g. "br-int:100")`,
      );
      continue;
    }
    if (vlan !== undefined && (!Number.isInteger(vlan) || vlan < 1 || vlan > 4094)) {
      errors.push(`${key}: VLAN ${JSON.stringify(vlanText)} must be a whole number 1-4094`);
      continue;
    }
    out.set(name, vlan === undefined ? { bridge } : { bridge, vlan });
  }
  if (errors.length)
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `vms config is invalid:\n  - ${errors.join('\n  - ')}`,
    );
  return out;
}

/** The networks as the scheduler's NetworkMap (coordinator/scheduler/config.ts). */
export function networkMap(raw: Record<string, string>): Record<string, Network> {
  return Object.fromEntries(parseNetworks(raw));
}
