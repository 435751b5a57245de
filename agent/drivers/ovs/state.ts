import type { Tables } from './ovsdb/replica.js';
import { mapOf, numberMapOf, optionalOf, setOf, type OvsdbRow } from './ovsdb/values.js';

/** The tables and columns the driver reads; the monitor asks for exactly these. */
export const MONITORED_COLUMNS = {
  Open_vSwitch: [
    'bridges',
    'ovs_version',
    'db_version',
    'datapath_types',
    'iface_types',
    'external_ids',
  ],
  Bridge: ['name', 'datapath_type', 'ports', 'external_ids'],
  Port: ['name', 'interfaces', 'tag', 'trunks', 'vlan_mode', 'external_ids'],
  Interface: [
    'name',
    'type',
    'options',
    'external_ids',
    'link_state',
    'admin_state',
    'mtu',
    'mac_in_use',
    'ofport',
    'error',
    'statistics',
  ],
} as const;

/** Counters change every few seconds; they feed metrics, not observations. */
export const QUIET_COLUMNS = { Interface: ['statistics'] } as const;

export interface SystemRow {
  uuid: string;
  ovsVersion?: string;
  dbVersion?: string;
  datapathTypes: string[];
  ifaceTypes: string[];
  systemId?: string;
  bridgeUuids: string[];
}

export interface BridgeRow {
  uuid: string;
  name: string;
  datapathType: string;
  portUuids: string[];
  externalIds: Record<string, string>;
  raw: OvsdbRow;
}

export interface PortRow {
  uuid: string;
  name: string;
  interfaceUuids: string[];
  tag?: number;
  trunks: number[];
  vlanMode?: string;
  externalIds: Record<string, string>;
  raw: OvsdbRow;
}

export interface InterfaceRow {
  uuid: string;
  name: string;
  /** '' in OVSDB means an ordinary (system) device; normalised to 'system'. */
  type: string;
  options: Record<string, string>;
  externalIds: Record<string, string>;
  linkState?: string;
  adminState?: string;
  mtu?: number;
  mac?: string;
  ofport?: number;
  error?: string;
  statistics: Record<string, number>;
  raw: OvsdbRow;
}

/** A parsed, cross-referenced snapshot of the switch configuration. */
export interface OvsState {
  system?: SystemRow;
  bridges: Map<string, BridgeRow>;
  ports: Map<string, PortRow>;
  interfaces: Map<string, InterfaceRow>;
  bridgeByName: Map<string, BridgeRow>;
  portByName: Map<string, PortRow>;
  interfaceByName: Map<string, InterfaceRow>;
  /** Port uuid -> the bridge that lists it. */
  bridgeOfPort: Map<string, BridgeRow>;
  /** Interface uuid -> the port that lists it. */
  portOfInterface: Map<string, PortRow>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const uuids = (v: OvsdbRow[string] | undefined): string[] =>
  setOf(v).filter((a): a is string => typeof a === 'string');

/** Pure: monitored rows -> typed, cross-referenced state. */
export function parseState(tables: Tables): OvsState {
  const s: OvsState = {
    bridges: new Map(),
    ports: new Map(),
    interfaces: new Map(),
    bridgeByName: new Map(),
    portByName: new Map(),
    interfaceByName: new Map(),
    bridgeOfPort: new Map(),
    portOfInterface: new Map(),
  };
  for (const [uuid, r] of tables.get('Open_vSwitch') ?? []) {
    s.system = {
      uuid,
      ovsVersion: str(optionalOf(r.ovs_version)),
      dbVersion: str(optionalOf(r.db_version)),
      datapathTypes: setOf(r.datapath_types).map(String).sort(),
      ifaceTypes: setOf(r.iface_types).map(String).sort(),
      systemId: mapOf(r.external_ids)['system-id'],
      bridgeUuids: uuids(r.bridges),
    };
  }
  for (const [uuid, r] of tables.get('Bridge') ?? []) {
    const b: BridgeRow = {
      uuid,
      name: str(r.name) ?? '',
      datapathType: str(r.datapath_type) ?? '',
      portUuids: uuids(r.ports),
      externalIds: mapOf(r.external_ids),
      raw: r,
    };
    s.bridges.set(uuid, b);
    s.bridgeByName.set(b.name, b);
    for (const p of b.portUuids) s.bridgeOfPort.set(p, b);
  }
  for (const [uuid, r] of tables.get('Port') ?? []) {
    const p: PortRow = {
      uuid,
      name: str(r.name) ?? '',
      interfaceUuids: uuids(r.interfaces),
      tag: num(optionalOf(r.tag)),
      trunks: setOf(r.trunks)
        .filter((x): x is number => typeof x === 'number')
        .sort((a, b) => a - b),
      vlanMode: str(optionalOf(r.vlan_mode)),
      externalIds: mapOf(r.external_ids),
      raw: r,
    };
    s.ports.set(uuid, p);
    s.portByName.set(p.name, p);
    for (const i of p.interfaceUuids) s.portOfInterface.set(i, p);
  }
  for (const [uuid, r] of tables.get('Interface') ?? []) {
    const i: InterfaceRow = {
      uuid,
      name: str(r.name) ?? '',
      type: str(r.type) || 'system',
      options: mapOf(r.options),
      externalIds: mapOf(r.external_ids),
      linkState: str(optionalOf(r.link_state)),
      adminState: str(optionalOf(r.admin_state)),
      mtu: num(optionalOf(r.mtu)),
      mac: str(optionalOf(r.mac_in_use)),
      ofport: num(optionalOf(r.ofport)),
      error: str(optionalOf(r.error)),
      statistics: numberMapOf(r.statistics),
      raw: r,
    };
    s.interfaces.set(uuid, i);
    s.interfaceByName.set(i.name, i);
  }
  return s;
}
