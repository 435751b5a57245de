/** plinth's own XML namespace for the ownership mark in a domain's <metadata>. */
export const PLINTH_NS = 'https://plinth.dev/xmlns/domain/1';
export const OBJECT_KIND = 'libvirt.domain';

export type DomainType = 'kvm' | 'qemu';
export type PowerState = 'running' | 'stopped';
/**
 * What happens when a running domain's definition changes: `restart` redefines and
 * restarts it (ACPI shutdown, then destroy after the timeout, then start); `defer`
 * redefines only, and the change takes effect at the guest's next boot.
 */
export type RestartPolicy = 'restart' | 'defer';
export type DiskBus = 'virtio' | 'sata' | 'scsi';
export type NicModel = 'virtio' | 'e1000' | 'rtl8139';

export type DiskSource =
  /** A qcow2 volume in plinth's directory pool, created at `sizeBytes` when missing. */
  | { type: 'volume'; volume: string; sizeBytes: number }
  /** An existing image file inside the image pool directory. */
  | { type: 'file'; path: string; format: 'qcow2' | 'raw' }
  /** An RBD image on Ceph (rendered only; the secret is defined elsewhere). */
  | {
      type: 'rbd';
      pool: string;
      image: string;
      monitors: { host: string; port: number }[];
      auth?: { username: string; secretUuid: string };
    };

export interface DiskSpec {
  /** Guest device name: vda, vdb, sda… assigned in order when not given. */
  target: string;
  bus: DiskBus;
  source: DiskSource;
}

export interface NicSpec {
  /** The Open vSwitch bridge. */
  bridge: string;
  vlan?: number;
  mac?: string;
  model: NicModel;
  /** OVS port (tap) name; libvirt picks vnetN when absent. */
  portName?: string;
}

export interface KernelBoot {
  kernel: string;
  initrd?: string;
  cmdline?: string;
}

export interface DomainSpec {
  name: string;
  uuid: string;
  domainType: DomainType;
  vcpus: number;
  memoryMiB: number;
  machine: string;
  /** Direct kernel boot; absent = boot from the first disk. */
  boot?: KernelBoot;
  disks: DiskSpec[];
  nics: NicSpec[];
  power: PowerState;
  restartPolicy: RestartPolicy;
}

/** Desired domains for this host, by UUID. */
export type DesiredDomains = Map<string, DomainSpec>;

export type DomainStateName =
  'nostate' | 'running' | 'blocked' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'pmsuspended';

export interface ObservedDisk {
  target: string;
  bus: string;
  device: string;
  type: string;
  /** File path, or `pool/image` for RBD. */
  source: string;
  format?: string;
  capacityBytes?: number;
}

export interface ObservedNic {
  type: string;
  mac: string;
  model?: string;
  bridge?: string;
  /** Whether the NIC is an Open vSwitch port (<virtualport type='openvswitch'>). */
  ovs: boolean;
  portName?: string;
  vlan?: number;
}

export interface ObservedDomain {
  uuid: string;
  name: string;
  /** libvirt run id, -1 when inactive: it changes on every (re)start. */
  id: number;
  state: DomainStateName;
  reason: string;
  owned: boolean;
  persistent: boolean;
  domainType: string;
  vcpus: number;
  memoryKiB: number;
  disks: ObservedDisk[];
  nics: ObservedNic[];
  /** Hash of the spec the running instance was started from (owned domains). */
  liveSpecHash?: string;
  /** Hash of the persistent definition (what the next boot uses). */
  definedSpecHash?: string;
}

export interface HostLimits {
  cpus: number;
  memoryMiB: number;
}

export interface LibvirtConfig {
  socketPath: string;
  uri: string;
  defaultDomainType: DomainType;
  defaultMachine: string;
  imagePoolDir: string;
  poolName: string;
  kernelDirs: string[];
  consoleLogDir: string;
  shutdownTimeoutMs: number;
  relistIntervalMs: number;
  callTimeoutMs: number;
  applyConcurrency: number;
}
