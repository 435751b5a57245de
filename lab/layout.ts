import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ErrorCodes, PlinthError } from '../lib/errors.js';

/**
 * Names and addresses of one lab, derived from its name, host count and subnet index
 * alone (pure): every command of a later process finds the same namespaces, links and
 * addresses without asking the kernel.
 *
 * Addresses come from 198.19.0.0/16 (inside 198.18.0.0/15, RFC 2544 benchmarking space).
 * Subnet index S (0..84) gives the lab three /24s:
 *   198.19.(3S).0/24    management: root .1, coordinator .2, host i .(10+i), BMC i .(100+i)
 *   198.19.(3S+1).0/24  BGP fabric, one /31 per host: spine .(2i), host .(2i+1)
 *   198.19.(3S+2).0/24  for VM announcements (/32s), unused by the lab itself
 */

export const MAX_HOSTS = 40;
export const MAX_SUBNET_INDEX = 84;
export const SPINE_ASN = 65000;
export const COORDINATOR_PORT = 7443;
export const BMC_PORT = 623;
export const BMC_USER = 'admin';
/** The OVS bridge every lab host gets for its VMs (base desired state). */
export const VM_BRIDGE = 'br-vm';

const NAME = /^[a-z][a-z0-9]{0,9}$/;

export function assertLabName(name: string): string {
  // The root side of the management veth is `pl-NAME-m`: 15 characters at most (IFNAMSIZ).
  if (!NAME.test(name))
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `lab name ${JSON.stringify(name)} is invalid: 1-10 characters of a-z0-9, starting with a letter`,
    );
  return name;
}

/** The default lab (`lab`) takes index 0; other names hash to 1..84 so tests never collide with it. */
export function defaultSubnetIndex(name: string): number {
  if (name === 'lab') return 0;
  const h = createHash('sha256').update(name).digest();
  return 1 + (h.readUInt32BE(0) % MAX_SUBNET_INDEX);
}

export interface HostLayout {
  /** Host id at the coordinator and in every command: h1, h2... */
  id: string;
  index: number;
  ns: string;
  bmcNs: string;
  dir: string;
  mgmtAddr: string;
  bmcAddr: string;
  fabricAddr: string;
  spineAddr: string;
  asn: number;
  /** Bridge-side ports in the net namespace (management) and spine namespace (fabric). */
  mgmtPort: string;
  bmcPort: string;
  fabricPort: string;
}

export interface LabLayout {
  name: string;
  dir: string;
  subnetIndex: number;
  prefix: string;
  netNs: string;
  coordNs: string;
  spineNs: string;
  /** Namespace and address of the optional Ceph cluster (`--ceph`). */
  cephNs: string;
  cephAddr: string;
  rootLink: string;
  mgmtNet: string;
  fabricNet: string;
  vmNet: string;
  rootAddr: string;
  coordAddr: string;
  coordinator: string;
  hosts: HostLayout[];
}

export function labLayout(
  name: string,
  dir: string,
  hosts: number,
  subnetIndex: number,
): LabLayout {
  assertLabName(name);
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS)
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `--hosts must be 1..${MAX_HOSTS} (got ${hosts})`,
    );
  if (!Number.isInteger(subnetIndex) || subnetIndex < 0 || subnetIndex > MAX_SUBNET_INDEX)
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `subnet index must be 0..${MAX_SUBNET_INDEX} (got ${subnetIndex})`,
    );
  const m = 3 * subnetIndex;
  const mg = `198.19.${m}`;
  const fb = `198.19.${m + 1}`;
  const prefix = `pl-${name}`;
  const list: HostLayout[] = [];
  for (let i = 1; i <= hosts; i++) {
    const id = `h${i}`;
    list.push({
      id,
      index: i,
      ns: `${prefix}-${id}`,
      bmcNs: `${prefix}-${id}-bmc`,
      dir: join(dir, 'hosts', id),
      mgmtAddr: `${mg}.${10 + i}`,
      bmcAddr: `${mg}.${100 + i}`,
      fabricAddr: `${fb}.${2 * i + 1}`,
      spineAddr: `${fb}.${2 * i}`,
      asn: SPINE_ASN + i,
      mgmtPort: `m-${id}`,
      bmcPort: `b-${id}`,
      fabricPort: `f-${id}`,
    });
  }
  return {
    name,
    dir,
    subnetIndex,
    prefix,
    netNs: `${prefix}-net`,
    coordNs: `${prefix}-coord`,
    spineNs: `${prefix}-spine`,
    cephNs: `${prefix}-ceph`,
    cephAddr: `${mg}.3`,
    rootLink: `${prefix}-m`,
    mgmtNet: `${mg}.0/24`,
    fabricNet: `${fb}.0/24`,
    vmNet: `198.19.${m + 2}.0/24`,
    rootAddr: `${mg}.1`,
    coordAddr: `${mg}.2`,
    coordinator: `${mg}.2:${COORDINATOR_PORT}`,
    hosts: list,
  };
}

export function findHost(layout: LabLayout, id: string): HostLayout {
  const h = layout.hosts.find((x) => x.id === id);
  if (!h)
    throw new PlinthError(
      ErrorCodes.NOT_FOUND,
      `lab ${layout.name} has no host ${JSON.stringify(id)} (hosts: ${layout.hosts.map((x) => x.id).join(', ')})`,
    );
  return h;
}

/** Every namespace the lab makes, in creation order. */
export function allNamespaces(l: LabLayout, ceph = false): string[] {
  return [
    l.netNs,
    l.coordNs,
    l.spineNs,
    ...(ceph ? [l.cephNs] : []),
    ...l.hosts.flatMap((h) => [h.ns, h.bmcNs]),
  ];
}
