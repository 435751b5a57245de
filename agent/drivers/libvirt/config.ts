import { existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Schema } from '../../../lib/config-schema.js';
import type { LibvirtConfig } from './types.js';

export const libvirtConfigSchema: Schema = {
  socketPath: {
    type: 'string',
    doc: "libvirtd's read-write unix socket",
    default: '/run/libvirt/libvirt-sock',
  },
  uri: {
    type: 'string',
    doc: 'Connection URI libvirtd opens for the agent',
    default: 'qemu:///system',
    pattern: /^[a-z0-9+]+:\/\/\/[a-z]+$/,
  },
  defaultDomainType: {
    type: 'string',
    doc: 'Domain type when a spec gives none (qemu = TCG, for hosts without working KVM)',
    default: 'kvm',
    enum: ['kvm', 'qemu'],
  },
  defaultMachine: {
    type: 'string',
    doc: 'QEMU machine type when a spec gives none',
    default: 'pc',
    pattern: /^[a-z0-9][a-z0-9._-]{0,40}$/,
  },
  imagePoolDir: {
    type: 'string',
    doc: "Directory of plinth's qcow2 volumes (a libvirt dir pool)",
    default: '/var/lib/plinth/images',
    pattern: /^\/[A-Za-z0-9._/+-]+$/,
  },
  poolName: {
    type: 'string',
    doc: "Name of plinth's libvirt storage pool",
    default: 'plinth',
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
  },
  kernelDirs: {
    type: 'string[]',
    doc: 'Directories a direct-boot kernel/initrd may come from',
    default: ['/boot', '/var/lib/plinth/kernels'],
  },
  consoleLogDir: {
    type: 'string',
    doc: 'Where serial console logs go (written by virtlogd)',
    default: '/var/log/libvirt/qemu',
    pattern: /^\/[A-Za-z0-9._/+-]+$/,
  },
  shutdownTimeoutMs: {
    type: 'number',
    doc: 'How long an ACPI shutdown may take before destroy',
    default: 60_000,
    min: 0,
    max: 3_600_000,
    integer: true,
  },
  relistIntervalMs: {
    type: 'number',
    doc: 'Full relist (XML re-read) interval: the safety net for missed events',
    default: 60_000,
    min: 1000,
    integer: true,
  },
  callTimeoutMs: {
    type: 'number',
    doc: 'Deadline of one libvirt RPC call',
    default: 30_000,
    min: 100,
    integer: true,
  },
  applyConcurrency: {
    type: 'number',
    doc: 'Domains converged in parallel (each one action at a time)',
    default: 4,
    min: 1,
    max: 64,
    integer: true,
  },
};

export const LIBVIRT_DEFAULTS: LibvirtConfig = {
  socketPath: '/run/libvirt/libvirt-sock',
  uri: 'qemu:///system',
  defaultDomainType: 'kvm',
  defaultMachine: 'pc',
  imagePoolDir: '/var/lib/plinth/images',
  poolName: 'plinth',
  kernelDirs: ['/boot', '/var/lib/plinth/kernels'],
  consoleLogDir: '/var/log/libvirt/qemu',
  shutdownTimeoutMs: 60_000,
  relistIntervalMs: 60_000,
  callTimeoutMs: 30_000,
  applyConcurrency: 4,
};

/** Host IO beyond libvirt's socket, injectable for tests. */
export interface LibvirtDeps {
  fileExists(path: string): Promise<boolean>;
  socketExists(path: string): boolean;
}

export const defaultDeps: LibvirtDeps = {
  fileExists: (p) =>
    access(p).then(
      () => true,
      () => false,
    ),
  socketExists: (p) => existsSync(p),
};
