import { labAdmin } from './admin.js';
import { cephPids } from './ceph.js';
import { portUp } from './network.js';
import { bmcPid, bootStatus, hostDaemons, powerState, type HostDaemons } from './host.js';
import { coordinatorPid, spinePids, spineVtysh } from './services.js';
import { labPaths, layoutOf, requireState } from './state.js';
import { netnsPids, rssBytes } from './sys.js';
import { labInfo, type LabInfo, type LabRef } from './info.js';

export interface HostStatus {
  id: string;
  power: 'on' | 'off';
  bootStatus?: number;
  daemons: HostDaemons;
  processes: number;
  rssBytes: number;
  bmcPid?: number;
  links: { mgmt?: boolean; fabric?: boolean; bmc?: boolean };
  coordinator?: { state: string; connected: boolean; applied: number; desired: number };
}

export interface LabStatus {
  info: LabInfo;
  coordinatorPid?: number;
  spine: { zebra?: number; bgpd?: number; sessions?: Record<string, string> };
  ceph?: { mon?: number; osd?: number; mgr?: number };
  coordinatorReachable: boolean;
  hosts: HostStatus[];
}

export async function labStatus(r: LabRef = {}): Promise<LabStatus> {
  const info = labInfo(r);
  const s = requireState(info.name, info.dir);
  const l = layoutOf(s);
  const p = labPaths(s.dir);
  let byId = new Map<string, HostStatus['coordinator']>();
  let reachable = false;
  if (coordinatorPid(p) !== undefined) {
    try {
      const a = await labAdmin(info.target, 3000);
      try {
        byId = new Map(
          (await a.listHosts()).map((h) => [
            h.id,
            {
              state: h.state,
              connected: h.connected,
              applied: Number(h.appliedGeneration),
              desired: Number(h.desiredGeneration),
            },
          ]),
        );
        reachable = true;
      } finally {
        a.close();
      }
    } catch {
      /* reported as unreachable */
    }
  }
  const spine: LabStatus['spine'] = spinePids(p);
  if (spine.bgpd !== undefined) {
    try {
      const j = JSON.parse(await spineVtysh(p, 'show bgp summary json')) as {
        ipv4Unicast?: { peers?: Record<string, { state?: string }> };
      };
      spine.sessions = Object.fromEntries(
        Object.entries(j.ipv4Unicast?.peers ?? {}).map(([k, v]) => [k, v.state ?? '?']),
      );
    } catch {
      /* bgpd busy: no sessions shown */
    }
  }
  const hosts: HostStatus[] = [];
  for (const h of l.hosts) {
    const pids = netnsPids(h.ns);
    hosts.push({
      id: h.id,
      power: powerState(h),
      bootStatus: bootStatus(h),
      daemons: hostDaemons(h),
      processes: pids.length,
      rssBytes: pids.reduce((a, x) => a + rssBytes(x), 0),
      bmcPid: bmcPid(h),
      links: {
        mgmt: await portUp(l.netNs, h.mgmtPort),
        fabric: await portUp(l.spineNs, h.fabricPort),
        bmc: await portUp(l.netNs, h.bmcPort),
      },
      coordinator: byId.get(h.id),
    });
  }
  return {
    info,
    coordinatorPid: coordinatorPid(p),
    spine,
    ceph: s.ceph ? cephPids(l) : undefined,
    coordinatorReachable: reachable,
    hosts,
  };
}
