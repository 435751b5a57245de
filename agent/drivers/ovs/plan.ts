import type { ApplyResult } from '../driver.js';
import { ErrorCodes } from '../../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../../lib/json.js';
import { ovsMap, ovsNamed, ovsSet, ovsUuid } from './ovsdb/values.js';
import type { BridgeRow, InterfaceRow, OvsState, PortRow } from './state.js';
import { OWNER_KEY, type DesiredPort, type OvsDesired } from './types.js';

export const OVS_DB = 'Open_vSwitch';

/** Columns a `wait` pins per table: only configuration, never what ovs-vswitchd writes. */
export const WAIT_COLUMNS = {
  Bridge: ['name', 'datapath_type', 'external_ids'],
  Port: ['name', 'interfaces', 'tag', 'trunks', 'vlan_mode', 'external_ids'],
  Interface: ['name', 'type', 'options', 'external_ids'],
} as const;

export interface OvsPlan {
  /** One RFC 7047 transaction for the whole change set; empty when nothing differs. */
  ops: JsonObject[];
  /** One result per desired or deleted object; non-noop ones succeed only if `ops` commits. */
  results: ApplyResult[];
  /** Number of changed objects (0 <=> ops is empty). */
  changes: number;
}

type Table = keyof typeof WAIT_COLUMNS;

/** Precondition: the row still has exactly the configuration we planned from. */
function waitRow(table: Table, uuid: string, raw: Record<string, JsonValue>): JsonObject {
  const cols = WAIT_COLUMNS[table];
  const row: JsonObject = {};
  for (const c of cols) if (raw[c] !== undefined) row[c] = raw[c]!;
  return {
    op: 'wait',
    table,
    timeout: 0,
    where: [['_uuid', '==', ovsUuid(uuid)]],
    columns: Object.keys(row),
    until: '==',
    rows: [row],
  };
}

/** Precondition: nobody created a row with this name since we looked. */
function waitAbsent(table: Table, name: string): JsonObject {
  return {
    op: 'wait',
    table,
    timeout: 0,
    where: [['name', '==', name]],
    columns: ['name'],
    until: '==',
    rows: [],
  };
}

const sameNumbers = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

const ifaceType = (p: DesiredPort): string => (p.type === 'system' ? '' : p.type);

/**
 * Pure: desired vs. observed -> one transaction. Every row it updates or whose
 * reference set it changes is pinned by a `wait` on its configuration columns, so a
 * concurrent edit makes the whole transaction fail instead of being overwritten. Set
 * references (Open_vSwitch.bridges, Bridge.ports) change by `mutate`, which cannot
 * lose someone else's concurrent addition. Objects not owned by `owner` are never
 * updated or deleted.
 */
export function planOvs(desired: OvsDesired, s: OvsState, owner: string): OvsPlan {
  const ops: JsonObject[] = [];
  const results: ApplyResult[] = [];
  if (!desired.managed) return { ops, results, changes: 0 };
  const system = s.system;
  if (!system) {
    for (const b of desired.bridges) {
      results.push({
        kind: 'ovs.bridge',
        id: b.name,
        ok: false,
        code: ErrorCodes.OVSDB_UNAVAILABLE,
        message:
          'the Open_vSwitch table has no row: the database was never initialised (ovs-vsctl init)',
      });
    }
    return { ops, results, changes: 0 };
  }

  const ownerIds = ovsMap({ [OWNER_KEY]: owner });
  const owned = (ids: Record<string, string>): boolean => ids[OWNER_KEY] === owner;
  const ownerText = (ids: Record<string, string>): string =>
    ids[OWNER_KEY] ? `${OWNER_KEY}=${ids[OWNER_KEY]}` : `no ${OWNER_KEY} mark`;
  let seq = 0;
  const named = (p: string): string => `${p}${++seq}`;
  let changes = 0;
  const change = (r: ApplyResult): void => {
    changes++;
    results.push(r);
  };
  const waited = new Set<string>();
  const pin = (table: Table, row: { uuid: string; raw: Record<string, JsonValue> }): void => {
    if (waited.has(row.uuid)) return;
    waited.add(row.uuid);
    ops.push(waitRow(table, row.uuid, row.raw));
  };

  const desiredBridgeNames = new Set(desired.bridges.map((b) => b.name));
  const desiredPortNames = new Set(desired.bridges.flatMap((b) => b.ports.map((p) => p.name)));
  const protectedPorts = new Set(desired.protectedPorts);
  const protectedBridges = new Set(desired.protectedBridges);

  for (const b of desired.bridges) {
    const ex = s.bridgeByName.get(b.name);
    if (ex && !owned(ex.externalIds)) {
      const msg = `bridge ${b.name} exists and is not owned by this agent (${ownerText(ex.externalIds)}); left alone`;
      results.push({
        kind: 'ovs.bridge',
        id: b.name,
        ok: false,
        code: ErrorCodes.CONFLICT,
        message: msg,
      });
      for (const p of b.ports) {
        results.push({
          kind: 'ovs.port',
          id: p.name,
          ok: false,
          code: ErrorCodes.CONFLICT,
          message: `not applied: its bridge ${b.name} is not owned by this agent`,
        });
      }
      continue;
    }
    if (!ex && (s.portByName.has(b.name) || s.interfaceByName.has(b.name))) {
      results.push({
        kind: 'ovs.bridge',
        id: b.name,
        ok: false,
        code: ErrorCodes.CONFLICT,
        message: `cannot create bridge ${b.name}: a port or interface with that name already exists`,
      });
      continue;
    }

    const newPortRefs: JsonValue[] = [];
    let bridgeRef: JsonValue;
    let newBridge: { uuidName: string; localPort: string } | undefined;
    if (!ex) {
      const bn = named('bridge');
      const lp = named('port');
      const li = named('iface');
      ops.push(
        waitAbsent('Bridge', b.name),
        waitAbsent('Port', b.name),
        waitAbsent('Interface', b.name),
      );
      ops.push({
        op: 'insert',
        table: 'Interface',
        'uuid-name': li,
        row: { name: b.name, type: 'internal', external_ids: ownerIds },
      });
      ops.push({
        op: 'insert',
        table: 'Port',
        'uuid-name': lp,
        row: { name: b.name, interfaces: ovsNamed(li), external_ids: ownerIds },
      });
      newBridge = { uuidName: bn, localPort: lp };
      bridgeRef = ovsNamed(bn);
      change({ kind: 'ovs.bridge', id: b.name, ok: true, action: 'create' });
    } else {
      bridgeRef = ovsUuid(ex.uuid);
      if ((ex.datapathType || 'system') !== b.datapathType) {
        pin('Bridge', ex);
        ops.push({
          op: 'update',
          table: 'Bridge',
          where: [['_uuid', '==', bridgeRef]],
          row: { datapath_type: b.datapathType },
        });
        change({ kind: 'ovs.bridge', id: b.name, ok: true, action: 'update' });
      } else {
        results.push({ kind: 'ovs.bridge', id: b.name, ok: true, action: 'noop' });
      }
    }

    for (const p of b.ports) {
      const r = planPort(p, ex, s, owned, ownerText, ownerIds, ops, pin, named, newPortRefs);
      if (r.action === 'noop' || !r.ok) results.push(r);
      else change(r);
    }

    if (ex) {
      // Owned ports on this bridge that are no longer desired go; unowned ones stay.
      const gone: JsonValue[] = [];
      for (const pu of ex.portUuids) {
        const port = s.ports.get(pu);
        if (!port || port.name === b.name || !owned(port.externalIds)) continue;
        if (desiredPortNames.has(port.name) || protectedPorts.has(port.name)) continue;
        pin('Port', port);
        gone.push(ovsUuid(port.uuid));
        change({ kind: 'ovs.port', id: port.name, ok: true, action: 'delete' });
      }
      if (gone.length || newPortRefs.length) pin('Bridge', ex);
      if (gone.length) {
        ops.push({
          op: 'mutate',
          table: 'Bridge',
          where: [['_uuid', '==', bridgeRef]],
          mutations: [['ports', 'delete', ovsSet(gone)]],
        });
      }
      if (newPortRefs.length) {
        ops.push({
          op: 'mutate',
          table: 'Bridge',
          where: [['_uuid', '==', bridgeRef]],
          mutations: [['ports', 'insert', ovsSet(newPortRefs)]],
        });
      }
    } else if (newBridge) {
      ops.push({
        op: 'insert',
        table: 'Bridge',
        'uuid-name': newBridge.uuidName,
        row: {
          name: b.name,
          datapath_type: b.datapathType,
          ports: ovsSet([ovsNamed(newBridge.localPort), ...newPortRefs]),
          external_ids: ownerIds,
        },
      });
      ops.push({
        op: 'mutate',
        table: 'Open_vSwitch',
        where: [['_uuid', '==', ovsUuid(system.uuid)]],
        mutations: [['bridges', 'insert', ovsSet([bridgeRef])]],
      });
    }
  }

  // Owned bridges no longer desired go, unless someone else put ports on them.
  const goneBridges: JsonValue[] = [];
  for (const br of s.bridges.values()) {
    if (
      !owned(br.externalIds) ||
      desiredBridgeNames.has(br.name) ||
      protectedBridges.has(br.name)
    ) {
      continue;
    }
    const foreign = br.portUuids
      .map((u) => s.ports.get(u))
      .filter((p): p is PortRow => !!p && p.name !== br.name && !owned(p.externalIds));
    if (foreign.length) {
      results.push({
        kind: 'ovs.bridge',
        id: br.name,
        ok: false,
        code: ErrorCodes.CONFLICT,
        message: `bridge ${br.name} is no longer desired but carries ports this agent does not own (${foreign
          .map((p) => p.name)
          .join(', ')}); not deleted`,
      });
      continue;
    }
    pin('Bridge', br);
    goneBridges.push(ovsUuid(br.uuid));
    change({ kind: 'ovs.bridge', id: br.name, ok: true, action: 'delete' });
  }
  if (goneBridges.length) {
    ops.push({
      op: 'mutate',
      table: 'Open_vSwitch',
      where: [['_uuid', '==', ovsUuid(system.uuid)]],
      mutations: [['bridges', 'delete', ovsSet(goneBridges)]],
    });
  }

  if (ops.length === 0 || changes === 0) return { ops: [], results, changes: 0 };
  ops.unshift({ op: 'comment', comment: `plinth-ovs ${OWNER_KEY}=${owner}: ${changes} change(s)` });
  return { ops, results, changes };
}

function planPort(
  p: DesiredPort,
  bridge: BridgeRow | undefined,
  s: OvsState,
  owned: (ids: Record<string, string>) => boolean,
  ownerText: (ids: Record<string, string>) => string,
  ownerIds: JsonValue,
  ops: JsonObject[],
  pin: (t: Table, row: { uuid: string; raw: Record<string, JsonValue> }) => void,
  named: (p: string) => string,
  newPortRefs: JsonValue[],
): ApplyResult {
  const conflict = (message: string): ApplyResult => ({
    kind: 'ovs.port',
    id: p.name,
    ok: false,
    code: ErrorCodes.CONFLICT,
    message,
  });
  const tag: JsonValue = p.tag ?? ovsSet([]);
  const trunks = ovsSet(p.trunks);
  const ex = s.portByName.get(p.name);

  if (!ex) {
    const other = s.interfaceByName.get(p.name);
    if (other) {
      return conflict(
        `an interface named ${p.name} already exists on port ${s.portOfInterface.get(other.uuid)?.name ?? '(none)'}`,
      );
    }
    const ip = named('iface');
    const pp = named('port');
    ops.push(waitAbsent('Port', p.name), waitAbsent('Interface', p.name));
    ops.push({
      op: 'insert',
      table: 'Interface',
      'uuid-name': ip,
      row: { name: p.name, type: ifaceType(p), options: ovsMap(p.options), external_ids: ownerIds },
    });
    ops.push({
      op: 'insert',
      table: 'Port',
      'uuid-name': pp,
      row: { name: p.name, interfaces: ovsNamed(ip), tag, trunks, external_ids: ownerIds },
    });
    newPortRefs.push(ovsNamed(pp));
    return { kind: 'ovs.port', id: p.name, ok: true, action: 'create' };
  }

  if (!owned(ex.externalIds)) {
    return conflict(
      `port ${p.name} exists and is not owned by this agent (${ownerText(ex.externalIds)}); left alone`,
    );
  }
  const ifaces = ex.interfaceUuids
    .map((u) => s.interfaces.get(u))
    .filter((i): i is InterfaceRow => i !== undefined);
  const iface = ifaces[0];
  if (ifaces.length !== 1 || !iface || iface.name !== p.name) {
    return conflict(
      `port ${p.name} has interfaces [${ifaces.map((i) => i.name).join(', ')}], expected only ${p.name}`,
    );
  }

  const actions: string[] = [];
  const current = s.bridgeOfPort.get(ex.uuid);
  if (!bridge || current?.uuid !== bridge.uuid) {
    // Move the row itself so the port keeps its ofport and identity.
    if (current) {
      pin('Bridge', current);
      pin('Port', ex);
      ops.push({
        op: 'mutate',
        table: 'Bridge',
        where: [['_uuid', '==', ovsUuid(current.uuid)]],
        mutations: [['ports', 'delete', ovsSet([ovsUuid(ex.uuid)])]],
      });
    }
    newPortRefs.push(ovsUuid(ex.uuid));
    actions.push('move');
  }
  if (ex.tag !== p.tag || !sameNumbers(ex.trunks, p.trunks) || ex.vlanMode !== undefined) {
    pin('Port', ex);
    ops.push({
      op: 'update',
      table: 'Port',
      where: [['_uuid', '==', ovsUuid(ex.uuid)]],
      row: { tag, trunks, vlan_mode: ovsSet([]) },
    });
    actions.push('update');
  }
  if (iface.type !== p.type || !sameMap(iface.options, p.options)) {
    pin('Interface', iface);
    ops.push({
      op: 'update',
      table: 'Interface',
      where: [['_uuid', '==', ovsUuid(iface.uuid)]],
      row: { type: ifaceType(p), options: ovsMap(p.options) },
    });
    actions.push('update');
  }
  return {
    kind: 'ovs.port',
    id: p.name,
    ok: true,
    action: actions.length ? [...new Set(actions)].join('+') : 'noop',
  };
}
