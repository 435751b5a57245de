import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type {
  BfdPeer,
  BgpInstanceStatus,
  InterfaceStatus,
  LocalRoute,
  NeighborStatus,
} from './types.js';
import { isValidIpv4, isValidIpv6 } from './validate.js';

/** Pure parsers for vtysh's JSON output (FRR 8.x shapes, see test/fixtures/frr/). */

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.PARSE,
      `vtysh "${what}" did not return JSON: ${text.trim().slice(0, 200)}`,
      { what },
      { cause: e },
    );
  }
}

/**
 * `vtysh -E` echoes `<hostname># <command>` before each command's output; one exec then
 * serves several commands. Returns each command's output (text between its echo and the next).
 */
export function splitEchoed(output: string, commands: readonly string[]): Map<string, string> {
  const lines = output.split('\n');
  const out = new Map<string, string>();
  let i = 0;
  for (let c = 0; c < commands.length; c++) {
    const cmd = commands[c]!;
    while (i < lines.length && !isEcho(lines[i]!, cmd)) i++;
    if (i >= lines.length) break;
    const start = ++i;
    const next = commands[c + 1];
    while (i < lines.length && !(next !== undefined && isEcho(lines[i]!, next))) i++;
    out.set(cmd, lines.slice(start, i).join('\n'));
  }
  return out;
}

function isEcho(line: string, cmd: string): boolean {
  return line.endsWith(`# ${cmd}`) && /^\S*# /.test(line);
}

/** `show bgp summary json`: the default instance (null when there is none). */
export function parseSummaryInstance(json: unknown): BgpInstanceStatus | null {
  if (!isObj(json)) return null;
  for (const af of Object.values(json)) {
    if (isObj(af) && typeof af.as === 'number' && typeof af.routerId === 'string') {
      return { asn: af.as, routerId: af.routerId };
    }
  }
  return null;
}

export interface SummaryPeer {
  id: string;
  state: string;
  /** Accepted through `bgp listen range` (only the summary says so). */
  dynamic: boolean;
  connectionsEstablished: number;
  connectionsDropped: number;
}

/** `show bgp summary json` peers across address families: what the cheap state poll compares. */
export function parseSummaryPeers(json: unknown): SummaryPeer[] {
  const peers = new Map<string, SummaryPeer>();
  if (!isObj(json)) return [];
  for (const af of Object.values(json)) {
    if (!isObj(af) || !isObj(af.peers)) continue;
    for (const [id, p] of Object.entries(af.peers)) {
      if (!isObj(p) || peers.has(id)) continue;
      peers.set(id, {
        id,
        state: str(p.state) ?? 'unknown',
        dynamic: p.dynamicPeer === true,
        connectionsEstablished: num(p.connectionsEstablished),
        connectionsDropped: num(p.connectionsDropped),
      });
    }
  }
  return [...peers.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** A stable string that changes whenever any session changes state or flaps. */
export function sessionFingerprint(json: unknown): string {
  const inst = parseSummaryInstance(json);
  const peers = parseSummaryPeers(json).map(
    (p) => `${p.id}=${p.state}/${p.connectionsEstablished}/${p.connectionsDropped}`,
  );
  return `${inst ? `${inst.asn}/${inst.routerId}` : 'none'}|${peers.join(',')}`;
}

function sumAf(info: unknown, key: string): number {
  if (!isObj(info)) return 0;
  return Object.values(info).reduce<number>((acc, af) => acc + (isObj(af) ? num(af[key]) : 0), 0);
}

/** `show bgp neighbors json`; `dynamic` is filled in from the summary (see withDynamic). */
export function parseNeighbors(json: unknown): NeighborStatus[] {
  if (!isObj(json)) return [];
  const out: NeighborStatus[] = [];
  for (const [id, n] of Object.entries(json)) {
    if (!isObj(n) || typeof n.bgpState !== 'string') continue;
    const established = n.bgpState === 'Established';
    out.push({
      id,
      kind: isValidIpv4(id) || isValidIpv6(id) ? 'address' : 'interface',
      remoteAs: numOrNull(n.remoteAs) || null,
      localAs: numOrNull(n.localAs),
      state: n.bgpState.replace(/\s*\(.*\)$/, ''),
      adminShutdown: n.adminShutDown === true,
      description: str(n.nbrDesc),
      uptimeMs: established ? num(n.bgpTimerUpMsec) : 0,
      prefixesReceived: sumAf(n.addressFamilyInfo, 'acceptedPrefixCounter'),
      prefixesSent: sumAf(n.addressFamilyInfo, 'sentPrefixCounter'),
      connectionsEstablished: num(n.connectionsEstablished),
      connectionsDropped: num(n.connectionsDropped),
      lastError: str(n.lastNotificationReason) ?? str(n.lastResetDueTo),
      peerGroup: str(n.peerGroup),
      dynamic: false,
      bfdStatus: isObj(n.peerBfdInfo) ? (str(n.peerBfdInfo.status)?.toLowerCase() ?? null) : null,
    });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * `show bgp ipv4|ipv6 unicast json`: the routes this host originates (peerId "(unspec)").
 * A `network` statement whose prefix is not in the RIB shows without `valid`.
 */
export function parseLocalRoutes(json: unknown, afi: 'ipv4' | 'ipv6'): LocalRoute[] {
  if (!isObj(json) || !isObj(json.routes)) return [];
  const out: LocalRoute[] = [];
  for (const [prefix, paths] of Object.entries(json.routes)) {
    if (!Array.isArray(paths)) continue;
    const local = paths.filter((p) => isObj(p) && p.peerId === '(unspec)') as Obj[];
    if (local.length === 0) continue;
    out.push({ prefix, afi, valid: local.some((p) => p.valid === true && p.bestpath === true) });
  }
  return out.sort((a, b) => a.prefix.localeCompare(b.prefix));
}

/** `show bfd peers json`. */
export function parseBfdPeers(json: unknown): BfdPeer[] {
  if (!Array.isArray(json)) return [];
  return json
    .filter(isObj)
    .filter((p) => typeof p.peer === 'string')
    .map((p) => ({
      peer: p.peer as string,
      local: str(p.local),
      interface: str(p.interface),
      multihop: p.multihop === true,
      status: str(p.status) ?? 'unknown',
      diagnostic: str(p.diagnostic),
      remoteDiagnostic: str(p['remote-diagnostic']),
      detectMultiplier: numOrNull(p['detect-multiplier']),
      receiveIntervalMs: numOrNull(p['receive-interval']),
      transmitIntervalMs: numOrNull(p['transmit-interval']),
      uptimeS: num(p.uptime),
    }))
    .sort((a, b) => a.peer.localeCompare(b.peer));
}

/** `show interface brief json` (zebra's view, which is the right network namespace). */
export function parseInterfaces(json: unknown): InterfaceStatus[] {
  if (!isObj(json)) return [];
  return Object.entries(json)
    .filter(([, v]) => isObj(v))
    .map(([name, v]) => ({ name, up: (v as Obj).status === 'up' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The neighbours JSON does not flag dynamic peers; the summary does. */
export function withDynamic(neighbors: NeighborStatus[], summary: SummaryPeer[]): NeighborStatus[] {
  const dyn = new Set(summary.filter((p) => p.dynamic).map((p) => p.id));
  return neighbors.map((n) => (dyn.has(n.id) ? { ...n, dynamic: true } : n));
}
