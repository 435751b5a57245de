import type { ObservedObject } from '../driver.js';
import type { JsonObject } from '../../../lib/json.js';
import type { OvsState } from './state.js';
import { OWNER_KEY } from './types.js';

/** Pure: state -> the objects the agent reports. Counters are left out (they are metrics). */
export function toObservedObjects(s: OvsState, owner: string): ObservedObject[] {
  const objects: ObservedObject[] = [];
  const owned = (ids: Record<string, string>): boolean => ids[OWNER_KEY] === owner;
  const nameOfPort = (u: string): string | null => s.ports.get(u)?.name ?? null;
  const nameOfIface = (u: string): string | null => s.interfaces.get(u)?.name ?? null;

  for (const b of s.bridges.values()) {
    objects.push({
      kind: 'ovs.bridge',
      id: b.name,
      data: {
        name: b.name,
        uuid: b.uuid,
        datapathType: b.datapathType || 'system',
        ports: b.portUuids
          .map(nameOfPort)
          .filter((n): n is string => n !== null)
          .sort(),
        externalIds: b.externalIds,
        owned: owned(b.externalIds),
        owner: b.externalIds[OWNER_KEY] ?? null,
      },
    });
  }
  for (const p of s.ports.values()) {
    objects.push({
      kind: 'ovs.port',
      id: p.name,
      data: {
        name: p.name,
        uuid: p.uuid,
        bridge: s.bridgeOfPort.get(p.uuid)?.name ?? null,
        tag: p.tag ?? null,
        trunks: p.trunks,
        vlanMode: p.vlanMode ?? null,
        interfaces: p.interfaceUuids
          .map(nameOfIface)
          .filter((n): n is string => n !== null)
          .sort(),
        externalIds: p.externalIds,
        owned: owned(p.externalIds),
      },
    });
  }
  for (const i of s.interfaces.values()) {
    const port = s.portOfInterface.get(i.uuid);
    const data: JsonObject = {
      name: i.name,
      uuid: i.uuid,
      port: port?.name ?? null,
      bridge: port ? (s.bridgeOfPort.get(port.uuid)?.name ?? null) : null,
      type: i.type,
      options: i.options,
      linkState: i.linkState ?? null,
      adminState: i.adminState ?? null,
      mtu: i.mtu ?? null,
      mac: i.mac ?? null,
      ofport: i.ofport ?? null,
      error: i.error ?? null,
      externalIds: i.externalIds,
      owned: owned(i.externalIds),
    };
    objects.push({ kind: 'ovs.interface', id: i.name, data });
  }
  return objects;
}

/** Pure: the Open_vSwitch row as inventory for the Hello message. */
export function toInventory(s: OvsState, schemaVersion: string | undefined): JsonObject {
  const sys = s.system;
  return {
    ovsVersion: sys?.ovsVersion ?? null,
    dbVersion: sys?.dbVersion ?? null,
    schemaVersion: schemaVersion ?? null,
    datapathTypes: sys?.datapathTypes ?? [],
    ifaceTypes: sys?.ifaceTypes ?? [],
    systemId: sys?.systemId ?? null,
  };
}
