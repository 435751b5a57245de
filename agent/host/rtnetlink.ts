import nl, { type NetlinkMessage, type NetlinkSocket } from 'node-netlink';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';

/**
 * The rtnetlink socket (NETLINK_ROUTE) through node-netlink: the only IO of the host
 * driver's network view. One socket serves both the dumps and the multicast
 * notifications, because node-netlink polls each socket from a libuv threadpool
 * thread (ppoll with a 100 ms timeout, forever): a second socket would pin a second
 * thread of the four the whole agent shares.
 */

export interface RtnlMessage {
  type: number;
  flags: number;
  /** The sender's port id: ours for replies, the originator's (or 0) for notifications. */
  portId: number;
  payload: Buffer;
}

export interface RtnlRequestOptions {
  dump: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface RtnetlinkSocket {
  readonly portId: number;
  /** Sends one request and resolves with its replies (all parts of a dump). Requests run one at a time. */
  request(type: number, payload: Buffer, opts: RtnlRequestOptions): Promise<RtnlMessage[]>;
  close(): Promise<void>;
}

export interface RtnetlinkOpenOptions {
  /** RTMGRP_* bitmask; 0 = no notifications. */
  groups: number;
  /** Called for every multicast notification (never for replies to our own requests). */
  onNotification?(msg: RtnlMessage): void;
}

export type OpenRtnetlink = (opts: RtnetlinkOpenOptions) => Promise<RtnetlinkSocket>;

const NETLINK_ROUTE = 0;
const NLMSG_MIN_TYPE = 16; // below: NOOP, ERROR, DONE, OVERRUN

let warnFilterInstalled = false;

/**
 * node-netlink 0.0.4 treats every multicast notification as the reply to an unknown
 * request and prints two console.warn lines for it ("could not find pending request
 * for seq=...", "nlmsg_type = ..."), which would interleave raw text into the agent's
 * JSON log on every link event. There is no option to turn that off, so exactly
 * that pair is dropped; every other console.warn passes through unchanged.
 */
function dropNodeNetlinkStrayReplyWarnings(): void {
  if (warnFilterInstalled) return;
  warnFilterInstalled = true;
  const original = console.warn.bind(console);
  let dropFollowUp = false;
  console.warn = (...args: unknown[]) => {
    const first = args[0];
    if (typeof first === 'string') {
      if (first.startsWith('could not find pending request for seq=')) {
        dropFollowUp = true;
        return;
      }
      if (dropFollowUp && first.startsWith('nlmsg_type = ')) {
        dropFollowUp = false;
        return;
      }
    }
    dropFollowUp = false;
    original(...args);
  };
}

function toMessage(m: NetlinkMessage): RtnlMessage {
  return {
    type: Number(m.header.nlmsg_type),
    flags: Number(m.header.nlmsg_flags),
    portId: Number(m.header.nlmsg_pid),
    payload: m.payload,
  };
}

function abortError(): PlinthError {
  return new PlinthError(ErrorCodes.TIMEOUT, 'rtnetlink request aborted by the caller');
}

export const openRtnetlink: OpenRtnetlink = async (opts) => {
  if (opts.groups !== 0) dropNodeNetlinkStrayReplyWarnings();
  let sock: NetlinkSocket;
  try {
    sock = await nl.open({ family: NETLINK_ROUTE, groups: opts.groups });
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.UNAVAILABLE,
      `cannot open an rtnetlink socket: ${e instanceof Error ? e.message : String(e)}`,
      undefined,
      { cause: e },
    );
  }
  const portId = Number(sock.nl_pid);
  let closed = false;
  /** Settles when the socket's current request has settled inside node-netlink. */
  let idle: Promise<unknown> = Promise.resolve();

  const onNotification = opts.onNotification;
  if (onNotification) {
    sock.on('message', (m) => {
      if (closed) return;
      const msg = toMessage(m);
      if (msg.portId === portId || msg.type < NLMSG_MIN_TYPE) return;
      onNotification(msg);
    });
  }

  const talk = async (type: number, payload: Buffer, o: RtnlRequestOptions) => {
    if (closed) throw new PlinthError(ErrorCodes.UNAVAILABLE, 'rtnetlink socket is closed');
    if (o.signal?.aborted) throw abortError();
    const flags = nl.NLM_F_REQUEST | nl.NLM_F_ACK | (o.dump ? nl.NLM_F_DUMP : 0n);
    const pending = sock.talk(
      { header: { nlmsg_type: BigInt(type), nlmsg_flags: flags }, payload },
      { timeout: o.timeoutMs },
    );
    // An aborted caller returns early, but the next request must still wait for this
    // one: node-netlink drops the bookkeeping of one of two overlapping requests.
    idle = pending.catch(() => undefined);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError());
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const replies = await Promise.race([pending, aborted]);
      // node-netlink matches replies by sequence number only; a notification caused by
      // another process whose own request used the same number would slip in.
      return replies.map(toMessage).filter((m) => m.type >= NLMSG_MIN_TYPE && m.portId === portId);
    } catch (e) {
      if (e instanceof PlinthError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      // node-netlink rejects with this exact text on its own timeout.
      const code = msg === 'timeout reached' ? ErrorCodes.TIMEOUT : ErrorCodes.UNAVAILABLE;
      throw new PlinthError(
        code,
        `rtnetlink request ${type} failed: ${msg}`,
        { type },
        { cause: e },
      );
    } finally {
      if (onAbort) o.signal?.removeEventListener('abort', onAbort);
    }
  };

  let queue: Promise<unknown> = Promise.resolve();

  return {
    portId,
    request(type, payload, o) {
      // node-netlink keeps one pending request correctly, not several: serialise.
      const run = queue.then(() => idle).then(() => talk(type, payload, o));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      if (closed) return;
      closed = true;
      await sock.close();
    },
  };
};
