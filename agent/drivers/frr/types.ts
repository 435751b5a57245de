/** The project's own types for the FRR driver; FRR's JSON shapes stop in parse-json.ts. */

export type RemoteAs = number | 'external' | 'internal';

/** Desired routing state for this host (the `bgp` key of the desired-state document). */
export interface BgpDesired {
  asn: number;
  routerId?: string;
  /**
   * FRR's `bgp network import-check`: announce a network only while its prefix is in
   * the RIB. Absent: leave FRR's setting alone. False suits addresses the host
   * attracts for guests (VM /32s), which have no route of their own in the RIB.
   */
  importCheck?: boolean;
  neighbors: DesiredNeighbor[];
  /** Network addresses with length, e.g. `198.18.5.200/32`, normalised. */
  prefixes: string[];
  /**
   * Objects whose desired entry was invalid: they are left exactly as they are in FRR
   * (neither changed nor removed). 'all' when the whole list was malformed.
   */
  keep: { neighbors: string[] | 'all'; prefixes: string[] | 'all' };
}

export interface DesiredNeighbor {
  /** Address (v4 or v6) or interface name; the neighbour's id in FRR. */
  id: string;
  kind: 'address' | 'interface';
  remoteAs: RemoteAs;
  /** Operator text without the ownership tag; '' for none. */
  description: string;
  bfd: boolean;
  shutdown: boolean;
}

/** What `show running-config` says about the default BGP instance (pure parse). */
export interface RunningBgp {
  /** null when there is no `router bgp` for the default VRF. */
  asn: number | null;
  /** `bgp router-id` when configured explicitly. */
  routerId: string | null;
  /** False when `no bgp network import-check` is configured (FRR's default is on). */
  importCheck: boolean;
  neighbors: Map<string, RunningNeighbor>;
  peerGroups: Set<string>;
  networks: RunningNetwork[];
  routeMaps: Set<string>;
}

export interface RunningNeighbor {
  id: string;
  kind: 'address' | 'interface';
  remoteAs: RemoteAs | null;
  /** Raw description as configured (with the tag when owned). */
  description: string | null;
  bfd: boolean;
  shutdown: boolean;
  peerGroup: string | null;
}

export interface RunningNetwork {
  prefix: string;
  afi: 'ipv4' | 'ipv6';
  routeMap: string | null;
}

/** One neighbour as bgpd reports it (`show bgp neighbors json`, `show bgp summary json`). */
export interface NeighborStatus {
  id: string;
  kind: 'address' | 'interface';
  remoteAs: number | null;
  localAs: number | null;
  /** FRR's state with the admin suffix removed: Idle, Connect, Active, OpenSent, OpenConfirm, Established. */
  state: string;
  adminShutdown: boolean;
  description: string | null;
  uptimeMs: number;
  prefixesReceived: number;
  prefixesSent: number;
  connectionsEstablished: number;
  connectionsDropped: number;
  lastError: string | null;
  peerGroup: string | null;
  dynamic: boolean;
  bfdStatus: string | null;
}

export interface BgpInstanceStatus {
  asn: number;
  routerId: string;
}

export interface LocalRoute {
  prefix: string;
  afi: 'ipv4' | 'ipv6';
  /** Valid and best: actually advertised. */
  valid: boolean;
}

export interface BfdPeer {
  peer: string;
  local: string | null;
  interface: string | null;
  multihop: boolean;
  status: string;
  diagnostic: string | null;
  remoteDiagnostic: string | null;
  detectMultiplier: number | null;
  receiveIntervalMs: number | null;
  transmitIntervalMs: number | null;
  uptimeS: number;
}

export interface InterfaceStatus {
  name: string;
  up: boolean;
}

/** Everything one observe pass reads from FRR. */
export interface FrrSnapshot {
  instance: BgpInstanceStatus | null;
  neighbors: NeighborStatus[];
  localRoutes: LocalRoute[];
  running: RunningBgp;
  interfaces: InterfaceStatus[];
  /** null when bfdd is not running (or BFD observation is off). */
  bfdPeers: BfdPeer[] | null;
}
