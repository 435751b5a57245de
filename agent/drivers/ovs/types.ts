/** Config under `drivers.ovs` in the agent config (see configSchema in index.ts). */
export interface OvsConfig {
  /** ovsdb-server's unix socket. */
  socket: string;
  /** Datapath type for desired bridges that do not name one ('system' = kernel, 'netdev' = userspace). */
  datapathType: string;
  /** Value of external_ids:plinth-owner on everything this agent creates. */
  owner: string;
  requestTimeoutMs: number;
  echoIntervalMs: number;
}

export const OWNER_KEY = 'plinth-owner';

export const PORT_TYPES = ['internal', 'system', 'patch', 'vxlan', 'geneve'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export interface DesiredPort {
  name: string;
  type: PortType;
  /** Access port: the one VLAN it carries untagged. */
  tag?: number;
  /** Trunk port: the VLANs it carries tagged (empty = all, OVS's default). */
  trunks: number[];
  /** Interface options, exactly: peer (patch), remote_ip and key (tunnels). */
  options: Record<string, string>;
}

export interface DesiredBridge {
  name: string;
  datapathType: string;
  ports: DesiredPort[];
}

export interface OvsDesired {
  /**
   * false when the desired document has no `ovs` section: the driver then has no
   * opinion and changes nothing (not even deleting what it owns).
   */
  managed: boolean;
  bridges: DesiredBridge[];
  /** Names whose desired entry was invalid: left exactly as they are on the host. */
  protectedBridges: string[];
  protectedPorts: string[];
}
