import { isIP } from 'node:net';
import type { ApplyResult, ParsedDesired } from '../driver.js';
import { ErrorCodes } from '../../../lib/errors.js';
import type { JsonValue } from '../../../lib/json.js';
import { isValidName } from '../../../lib/names.js';
import {
  PORT_TYPES,
  type DesiredBridge,
  type DesiredPort,
  type OvsDesired,
  type PortType,
} from './types.js';

/**
 * The `ovs` section of a host's desired state:
 *
 *   { "bridges": [ { "name": "br-vm", "datapathType": "netdev", "ports": [
 *       { "name": "vm1", "type": "internal", "tag": 10 },
 *       { "name": "uplink0", "type": "system", "trunks": [10, 20] },
 *       { "name": "vx-h2", "type": "vxlan", "remoteIp": "198.18.4.2", "key": 5001 },
 *       { "name": "pa", "type": "patch", "peer": "pb" } ] } ] }
 *
 * Invalid entries are reported one by one and their names become protected, so an
 * error never turns into a deletion of what is already there.
 */

const BRIDGE_KEYS = ['name', 'datapathType', 'ports'];
const PORT_KEYS = ['name', 'type', 'tag', 'trunks', 'remoteIp', 'key', 'peer'];
const DATAPATH_TYPE = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_TUNNEL_KEY = 0xffffff; // VXLAN VNI and Geneve VNI are 24 bits

type Obj = { [k: string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isVlan = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4095;

function fail(kind: string, id: string, message: string): ApplyResult {
  return { kind, id, ok: false, code: ErrorCodes.INVALID_ARGUMENT, message };
}

function idOf(v: JsonValue | undefined, fallback: string): string {
  return typeof v === 'string' && v.length > 0 ? v : fallback;
}

function unknownKeys(o: Obj, allowed: string[]): string[] {
  return Object.keys(o).filter((k) => !allowed.includes(k));
}

function parsePort(raw: JsonValue | undefined, where: string): DesiredPort | string {
  if (!isObj(raw)) return `${where} must be an object`;
  const extra = unknownKeys(raw, PORT_KEYS);
  if (extra.length)
    return `${where} has unknown keys ${extra.join(', ')} (known: ${PORT_KEYS.join(', ')})`;
  const name = raw.name;
  if (!isValidName('ifName', name)) {
    return `port name ${JSON.stringify(name)} is invalid: 1-15 characters (the kernel's interface name limit) of A-Z a-z 0-9 . _ - , not starting with . _ -`;
  }
  const type = (raw.type ?? 'system') as PortType;
  if (!PORT_TYPES.includes(type)) {
    return `port ${name}: type ${JSON.stringify(raw.type)} is not one of ${PORT_TYPES.join(', ')}`;
  }
  if (raw.tag !== undefined && !isVlan(raw.tag)) {
    return `port ${name}: VLAN tag ${JSON.stringify(raw.tag)} is outside 0-4095`;
  }
  let trunks: number[] = [];
  if (raw.trunks !== undefined) {
    if (!Array.isArray(raw.trunks)) return `port ${name}: trunks must be a list of VLAN ids`;
    const bad = raw.trunks.find((v) => !isVlan(v));
    if (bad !== undefined)
      return `port ${name}: trunk VLAN ${JSON.stringify(bad)} is outside 0-4095`;
    trunks = [...new Set(raw.trunks as number[])].sort((a, b) => a - b);
  }
  if (raw.tag !== undefined && trunks.length > 0) {
    return `port ${name}: set either tag (access port) or trunks (trunk port), not both`;
  }
  const options: Record<string, string> = {};
  const tunnel = type === 'vxlan' || type === 'geneve';
  if (tunnel) {
    if (typeof raw.remoteIp !== 'string' || isIP(raw.remoteIp) === 0) {
      return `port ${name}: a ${type} tunnel needs remoteIp, an IPv4 or IPv6 address (got ${JSON.stringify(raw.remoteIp)})`;
    }
    options.remote_ip = raw.remoteIp;
    if (raw.key !== undefined) {
      const k = raw.key;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > MAX_TUNNEL_KEY) {
        return `port ${name}: tunnel key ${JSON.stringify(k)} must be an integer 0-${MAX_TUNNEL_KEY}`;
      }
      options.key = String(k);
    }
  } else if (raw.remoteIp !== undefined || raw.key !== undefined) {
    return `port ${name}: remoteIp and key apply only to vxlan and geneve ports`;
  }
  if (type === 'patch') {
    if (!isValidName('ifName', raw.peer)) {
      return `port ${name}: a patch port needs peer, the name of the patch port at the other end`;
    }
    if (raw.peer === name) return `port ${name}: a patch port cannot be its own peer`;
    options.peer = raw.peer;
  } else if (raw.peer !== undefined) {
    return `port ${name}: peer applies only to patch ports`;
  }
  return {
    name,
    type,
    ...(raw.tag !== undefined ? { tag: raw.tag as number } : {}),
    trunks,
    options,
  };
}

/** Pure: validate and normalise the driver's section of the desired state. */
export function parseOvsDesired(
  raw: JsonValue | undefined,
  defaults: { datapathType: string },
): ParsedDesired<OvsDesired> {
  const out: OvsDesired = { managed: false, bridges: [], protectedBridges: [], protectedPorts: [] };
  const errors: ApplyResult[] = [];
  if (raw === undefined || raw === null) return { desired: out, errors };
  if (!isObj(raw) || (raw.bridges !== undefined && !Array.isArray(raw.bridges))) {
    errors.push(fail('ovs', 'desired', 'the ovs section must be an object with a list "bridges"'));
    return { desired: out, errors };
  }
  const extra = unknownKeys(raw, ['bridges']);
  if (extra.length) {
    errors.push(fail('ovs', 'desired', `unknown keys ${extra.join(', ')} in the ovs section`));
    return { desired: out, errors };
  }
  out.managed = true;
  const rawBridges = (raw.bridges ?? []) as JsonValue[];
  const bridgeNames = new Set<string>();
  for (const rb of rawBridges) {
    if (isObj(rb) && typeof rb.name === 'string') bridgeNames.add(rb.name);
  }
  const seenBridges = new Set<string>();
  const seenPorts = new Set<string>();

  rawBridges.forEach((rb, bi) => {
    const bid = idOf(isObj(rb) ? rb.name : undefined, `bridges[${bi}]`);
    const bridgeError = (msg: string): void => {
      errors.push(fail('ovs.bridge', bid, msg));
      out.protectedBridges.push(bid);
      if (isObj(rb) && Array.isArray(rb.ports)) {
        for (const p of rb.ports)
          if (isObj(p) && typeof p.name === 'string') out.protectedPorts.push(p.name);
      }
    };
    if (!isObj(rb)) return bridgeError(`bridges[${bi}] must be an object`);
    const extraB = unknownKeys(rb, BRIDGE_KEYS);
    if (extraB.length) return bridgeError(`bridge ${bid} has unknown keys ${extraB.join(', ')}`);
    if (!isValidName('ifName', rb.name)) {
      return bridgeError(
        `bridge name ${JSON.stringify(rb.name)} is invalid: 1-15 characters (the kernel's interface name limit) of A-Z a-z 0-9 . _ - , not starting with . _ -`,
      );
    }
    if (seenBridges.has(rb.name)) return bridgeError(`bridge ${rb.name} is listed twice`);
    seenBridges.add(rb.name);
    const dt = rb.datapathType ?? defaults.datapathType;
    if (typeof dt !== 'string' || !DATAPATH_TYPE.test(dt)) {
      return bridgeError(
        `bridge ${rb.name}: datapathType ${JSON.stringify(dt)} is invalid (e.g. system, netdev)`,
      );
    }
    if (rb.ports !== undefined && !Array.isArray(rb.ports)) {
      return bridgeError(`bridge ${rb.name}: ports must be a list`);
    }
    const bridge: DesiredBridge = { name: rb.name, datapathType: dt, ports: [] };
    ((rb.ports ?? []) as JsonValue[]).forEach((rp, pi) => {
      const pid = idOf(isObj(rp) ? rp.name : undefined, `${rb.name}/ports[${pi}]`);
      const p = parsePort(rp, `bridge ${rb.name} ports[${pi}]`);
      let msg: string | undefined = typeof p === 'string' ? p : undefined;
      if (typeof p !== 'string') {
        if (seenPorts.has(p.name)) msg = `port ${p.name} is listed twice`;
        else if (bridgeNames.has(p.name)) msg = `port ${p.name} has the name of a bridge`;
      }
      if (msg !== undefined || typeof p === 'string') {
        errors.push(fail('ovs.port', pid, msg ?? String(p)));
        out.protectedPorts.push(pid);
        return;
      }
      seenPorts.add(p.name);
      bridge.ports.push(p);
    });
    out.bridges.push(bridge);
  });
  return { desired: out, errors };
}
