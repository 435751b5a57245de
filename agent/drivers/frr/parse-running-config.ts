import type { RemoteAs, RunningBgp, RunningNeighbor, RunningNetwork } from './types.js';
import { isValidIpv4, isValidIpv6, normaliseAddress } from './validate.js';

/**
 * Pure parse of `show running-config` text (FRR 8.x layout): the default VRF's
 * `router bgp` block, its neighbours and `network` statements, and route-map names.
 * Anything not understood is ignored: the planner only ever emits commands for
 * things it recognises and owns.
 */
export function parseRunningConfig(text: string): RunningBgp {
  const out: RunningBgp = {
    asn: null,
    routerId: null,
    importCheck: true,
    neighbors: new Map(),
    peerGroups: new Set(),
    networks: [],
    routeMaps: new Set(),
  };
  let ctx: 'top' | 'bgp' | 'other-bgp' | 'af' | 'other' = 'top';
  let afi: 'ipv4' | 'ipv6' | null = null;

  const neighbor = (id: string, kind: RunningNeighbor['kind']): RunningNeighbor => {
    let n = out.neighbors.get(id);
    if (!n) {
      n = {
        id,
        kind,
        remoteAs: null,
        description: null,
        bfd: false,
        shutdown: false,
        peerGroup: null,
      };
      out.neighbors.set(id, n);
    }
    if (kind === 'interface') n.kind = 'interface';
    return n;
  };

  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trim() === '!') continue;
    const indented = /^\s/.test(line);
    const words = line.trim().split(/\s+/);

    if (!indented) {
      afi = null;
      if (words[0] === 'router' && words[1] === 'bgp') {
        const vrf = words.indexOf('vrf');
        ctx = vrf === -1 || words[vrf + 1] === 'default' ? 'bgp' : 'other-bgp';
        if (ctx === 'bgp') out.asn = Number(words[2]) || null;
      } else if (words[0] === 'route-map' && words[1]) {
        out.routeMaps.add(words[1]);
        ctx = 'other';
      } else {
        ctx = words[0] === 'exit' || words[0] === 'end' ? 'top' : 'other';
      }
      continue;
    }
    if (ctx !== 'bgp' && ctx !== 'af') continue;

    if (words[0] === 'address-family') {
      ctx = 'af';
      afi =
        words[2] === 'unicast' && (words[1] === 'ipv4' || words[1] === 'ipv6') ? words[1] : null;
      continue;
    }
    if (words[0] === 'exit-address-family') {
      ctx = 'bgp';
      afi = null;
      continue;
    }
    if (ctx === 'af') {
      if (words[0] === 'network' && words[1] && afi) {
        const rm = words.indexOf('route-map');
        const [addr, len] = words[1].split('/');
        const net: RunningNetwork = {
          prefix: `${normaliseAddress(addr ?? '')}/${len ?? ''}`,
          afi,
          routeMap: rm === -1 ? null : (words[rm + 1] ?? null),
        };
        out.networks.push(net);
      }
      continue;
    }
    // ctx === 'bgp'
    if (words.join(' ') === 'no bgp network import-check') {
      out.importCheck = false;
      continue;
    }
    if (words[0] === 'bgp' && words[1] === 'router-id' && words[2]) {
      out.routerId = words[2];
      continue;
    }
    if (words[0] !== 'neighbor' || !words[1]) continue;
    const id =
      isValidIpv4(words[1]) || isValidIpv6(words[1]) ? normaliseAddress(words[1]) : words[1];
    const rest = words.slice(2);
    if (rest[0] === 'peer-group' && rest.length === 1) {
      out.peerGroups.add(id);
      out.neighbors.delete(id);
      continue;
    }
    if (out.peerGroups.has(id)) continue;
    const isAddr = isValidIpv4(id) || isValidIpv6(id);
    const iface = rest[0] === 'interface';
    const n = neighbor(id, iface || !isAddr ? 'interface' : 'address');
    const attr = iface ? rest.slice(1) : rest;
    switch (attr[0]) {
      case 'remote-as':
        n.remoteAs = readRemoteAs(attr[1]);
        break;
      case 'peer-group':
        n.peerGroup = attr[1] ?? null;
        break;
      case 'description':
        // The description is the rest of the original line, spacing included.
        n.description = line.replace(/^\s*neighbor\s+\S+\s+description\s/, '');
        break;
      case 'bfd':
        n.bfd = true;
        break;
      case 'shutdown':
        n.shutdown = true;
        break;
    }
  }
  return out;
}

function readRemoteAs(w: string | undefined): RemoteAs | null {
  if (w === 'external' || w === 'internal') return w;
  const n = Number(w);
  return Number.isInteger(n) && n > 0 ? n : null;
}
