import { join } from 'node:path';
import type { CliTarget } from '../coordinator/cli/admin-client.js';
import { labAdmin, type LabAdmin } from './admin.js';
import { type GuestImage } from './guest-image.js';
import { CEPH_PORT, cephConfPath } from './ceph.js';
import {
  BMC_PORT,
  BMC_USER,
  SPINE_ASN,
  VM_BRIDGE,
  type HostLayout,
  type LabLayout,
} from './layout.js';
import { bmcPasswordFile } from './host.js';
import { labPaths, layoutOf, requireState, resolveLabDir, type LabPaths } from './state.js';

/* What a running lab is: names, addresses, paths, certificates (lab.json + layout). */

export interface LabRef {
  /** Lab name (default `lab`): namespaces are pl-NAME-*. */
  name?: string;
  /** Lab directory (default $TMPDIR/plinth-lab-NAME). */
  dir?: string;
}

export interface LabProgress {
  /** Milliseconds since `up` started. */
  atMs: number;
  host?: string;
  message: string;
}

export interface LabHostInfo extends HostLayout {
  /** libvirtd's socket as seen from the root namespace (bind-mounted over /run/libvirt inside). */
  libvirtSocket: string;
  libvirtUri: string;
  ovsSocket: string;
  frrVtyDir: string;
  frrConfigDir: string;
  consoleLogDir: string;
  bmc: { address: string; port: number; user: string; passwordFile: string };
  agentConfig: string;
  agentLog: string;
}

export interface LabInfo {
  name: string;
  dir: string;
  coordinator: string;
  coordinatorNs: string;
  cliConfig: string;
  ca: string;
  adminCert: string;
  adminKey: string;
  target: CliTarget;
  mgmtNet: string;
  fabricNet: string;
  vmNet: string;
  vmBridge: string;
  spine: { ns: string; asn: number; vtyDir: string };
  guest: GuestImage;
  /** With `--ceph`: the cluster (no auth); `conf` works from the root namespace and from hosts. */
  ceph?: { ns: string; address: string; conf: string };
  hosts: LabHostInfo[];
}

export function resolveRef(r: LabRef): { name: string; dir: string } {
  const name = r.name ?? 'lab';
  return { name, dir: resolveLabDir(name, r.dir) };
}

function hostInfo(h: HostLayout): LabHostInfo {
  const run_ = join(h.dir, 'run');
  return {
    ...h,
    libvirtSocket: join(run_, 'libvirt', 'libvirt-sock'),
    libvirtUri: `qemu+unix:///system?socket=${join(run_, 'libvirt', 'libvirt-sock')}`,
    ovsSocket: join(run_, 'openvswitch', 'db.sock'),
    frrVtyDir: join(run_, 'frr'),
    frrConfigDir: join(h.dir, 'frr'),
    consoleLogDir: join(h.dir, 'libvirt', 'log', 'qemu'),
    bmc: { address: h.bmcAddr, port: BMC_PORT, user: BMC_USER, passwordFile: bmcPasswordFile(h) },
    agentConfig: join(h.dir, 'agent.json'),
    agentLog: join(h.dir, 'log', 'agent.log'),
  };
}

export function infoOf(l: LabLayout, p: LabPaths, withCeph = false): LabInfo {
  return {
    name: l.name,
    dir: l.dir,
    coordinator: l.coordinator,
    coordinatorNs: l.coordNs,
    cliConfig: p.cliConfig,
    ca: p.ca,
    adminCert: p.adminCert,
    adminKey: p.adminKey,
    target: {
      coordinator: l.coordinator,
      ca: p.ca,
      cert: p.adminCert,
      key: p.adminKey,
      source: p.cliConfig,
    },
    mgmtNet: l.mgmtNet,
    fabricNet: l.fabricNet,
    vmNet: l.vmNet,
    vmBridge: VM_BRIDGE,
    spine: { ns: l.spineNs, asn: SPINE_ASN, vtyDir: p.spineDir },
    guest: {
      kernel: join(p.images, 'vmlinuz'),
      initrd: join(p.images, 'initrd.gz'),
      cmdline: 'console=ttyS0 quiet panic=-1',
      readyMarker: 'plinth-guest-ready',
    },
    ceph: withCeph
      ? { ns: l.cephNs, address: `${l.cephAddr}:${CEPH_PORT}`, conf: cephConfPath(l) }
      : undefined,
    hosts: l.hosts.map(hostInfo),
  };
}

/** Everything a test or the CLI needs to use a running lab. */
export function labInfo(r: LabRef = {}): LabInfo {
  const { name, dir } = resolveRef(r);
  const s = requireState(name, dir);
  return infoOf(layoutOf(s), labPaths(s.dir), s.ceph);
}

/** An Admin API handle on the lab's coordinator (close it when done). */
export function labAdminFor(info: LabInfo, timeoutMs?: number): Promise<LabAdmin> {
  return labAdmin(info.target, timeoutMs);
}
