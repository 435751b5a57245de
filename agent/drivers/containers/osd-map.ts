/**
 * Which Ceph OSD a container runs, from its name or labels. Pure, shared by the
 * containers driver (inventory) and the Ceph driver (stopping a container-run OSD).
 *
 * Recognised:
 * - cephadm names: `ceph-<fsid>-osd.<id>` (Octopus) and `ceph-<fsid>-osd-<id>` (Pacific+,
 *   dots are no longer allowed in its container names);
 * - labels `ceph-osd-id` (Rook) or `ceph.osd-id`, with `ceph.fsid` when present.
 */
export interface ContainerIdentity {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export interface ContainerOsd {
  osdId: number;
  /** Cluster fsid when the name or labels carry it. */
  fsid?: string;
}

const FSID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const CEPHADM_NAME = new RegExp(`^/?ceph-(${FSID})-osd[.-](\\d{1,6})$`);
const LABEL_KEYS = ['ceph-osd-id', 'ceph.osd-id'] as const;

function osdIdFrom(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,6}$/.test(text)) return undefined;
  return Number(text);
}

/** Undefined when the container is not an OSD, or belongs to another cluster than `fsid`. */
export function containerOsd(c: ContainerIdentity, fsid?: string): ContainerOsd | undefined {
  let found: ContainerOsd | undefined;
  const m = CEPHADM_NAME.exec(c.name);
  if (m) {
    found = { osdId: Number(m[2]), fsid: m[1]! };
  } else {
    for (const key of LABEL_KEYS) {
      const id = osdIdFrom(c.labels[key]);
      if (id !== undefined) {
        found = { osdId: id };
        const labelFsid = c.labels['ceph.fsid'];
        if (labelFsid !== undefined && new RegExp(`^${FSID}$`).test(labelFsid)) {
          found.fsid = labelFsid;
        }
        break;
      }
    }
  }
  if (!found) return undefined;
  if (fsid !== undefined && found.fsid !== undefined && found.fsid !== fsid.toLowerCase()) {
    return undefined;
  }
  return found;
}
