import type { JsonObject } from '../../../lib/json.js';
import { containerOsd } from './osd-map.js';

/** The Engine API's container list entry, reduced to what plinth reads. */
export interface RawContainer {
  Id: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  State?: string;
  Created?: number;
  Labels?: Record<string, string> | null;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  imageId: string;
  state: string;
  created: number;
  labels: Record<string, string>;
}

export function summarizeContainer(c: RawContainer): ContainerSummary {
  const first = c.Names?.[0] ?? c.Id.slice(0, 12);
  return {
    id: c.Id,
    name: first.replace(/^\//, ''),
    image: c.Image ?? '',
    imageId: c.ImageID ?? '',
    state: c.State ?? 'unknown',
    created: c.Created ?? 0,
    labels: { ...(c.Labels ?? {}) },
  };
}

/**
 * One `container` object per container. `Status` ("Up 3 minutes") is left out on
 * purpose: it changes every minute and would make every pass a delta.
 */
export function containerObject(c: ContainerSummary): {
  kind: string;
  id: string;
  data: JsonObject;
} {
  const data: JsonObject = {
    id: c.id,
    name: c.name,
    image: c.image,
    imageId: c.imageId,
    state: c.state,
    created: c.created,
    labels: c.labels,
  };
  const osd = containerOsd(c);
  if (osd) {
    data.cephOsdId = osd.osdId;
    if (osd.fsid) data.cephFsid = osd.fsid;
  }
  return { kind: 'container', id: c.name, data };
}
