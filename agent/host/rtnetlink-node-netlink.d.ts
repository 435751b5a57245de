// node-netlink ships no types; this covers the part agent/host/rtnetlink.ts uses.
declare module 'node-netlink' {
  export interface NetlinkHeader {
    nlmsg_type: bigint;
    nlmsg_flags: bigint;
    nlmsg_seq?: bigint;
    nlmsg_pid?: bigint;
  }

  export interface NetlinkMessage {
    header: Required<NetlinkHeader>;
    payload: Buffer;
  }

  export interface NetlinkSocket {
    nl_pid: bigint;
    talk(
      message: { header: NetlinkHeader; payload: Buffer },
      options?: { timeout?: number },
    ): Promise<NetlinkMessage[]>;
    close(): Promise<void>;
    on(event: 'message', listener: (message: NetlinkMessage) => void): void;
  }

  const netlink: {
    NLM_F_REQUEST: bigint;
    NLM_F_MULTI: bigint;
    NLM_F_DUMP: bigint;
    NLM_F_ACK: bigint;
    NLMSG_DONE: bigint;
    NLMSG_ERROR: bigint;
    open(options: { family: number; pid?: number; groups?: number }): Promise<NetlinkSocket>;
  };
  export default netlink;
}
