import { createConnection, type Socket } from 'node:net';
import { ErrorCodes, PlinthError, type ErrorCode } from '../../../../lib/errors.js';
import {
  AuthType,
  args,
  decodeError,
  decodeLifecycleEvent,
  decodeMessage,
  encodeMessage,
  MessageStatus,
  MessageType,
  Proc,
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  ret,
  splitFrames,
  VirErr,
  type LifecycleEvent,
} from './protocol.js';

/**
 * One persistent connection to libvirtd's unix socket speaking the remote protocol
 * (the one virsh speaks): many calls in flight, matched by serial; lifecycle events
 * arrive on the same socket as MESSAGE frames. Every call has a deadline. A closed
 * socket fails every pending call at once with PLINTH_E_LIBVIRT_UNAVAILABLE.
 */

export interface RpcClientOptions {
  socketPath: string;
  /** The connection URI the daemon opens for us. */
  name?: string;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  onEvent?: (ev: LifecycleEvent) => void;
  onClose?: (err: Error | undefined) => void;
  /** Sees every frame (tests capture real bytes with it). */
  trace?: (dir: 'out' | 'in', frame: Buffer) => void;
}

/** A libvirt error reply: `virCode` is virterror.h's code, e.g. 42 = no such domain. */
export class LibvirtError extends PlinthError {
  readonly virCode: number;
  constructor(code: ErrorCode, virCode: number, message: string) {
    super(code, message, { virCode });
    this.virCode = virCode;
  }
}

/** Map virterror codes onto plinth's stable codes; callers branch on these, never on text. */
export function codeFor(virCode: number): ErrorCode {
  switch (virCode) {
    case VirErr.NO_DOMAIN:
    case VirErr.NO_STORAGE_POOL:
    case VirErr.NO_STORAGE_VOL:
      return ErrorCodes.NOT_FOUND;
    case VirErr.OPERATION_INVALID:
      return ErrorCodes.CONFLICT;
    default:
      return ErrorCodes.INTERNAL;
  }
}

interface Pending {
  proc: number;
  resolve(body: Buffer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class LibvirtRpcClient {
  private serial = 1;
  private pending = new Map<number, Pending>();
  private buf: Buffer = Buffer.alloc(0);
  private closedWith: Error | undefined;
  private isClosed = false;
  readonly callTimeoutMs: number;

  private constructor(
    private readonly sock: Socket,
    private readonly opts: RpcClientOptions,
  ) {
    this.callTimeoutMs = opts.callTimeoutMs ?? 30_000;
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (e) => this.shutdown(e));
    sock.on('close', () => this.shutdown(undefined));
  }

  /** Connect, authenticate (root on the unix socket: auth none, polkit bypassed) and open. */
  static async connect(opts: RpcClientOptions): Promise<LibvirtRpcClient> {
    const timeoutMs = opts.connectTimeoutMs ?? 5000;
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection({ path: opts.socketPath });
      const timer = setTimeout(() => {
        s.destroy();
        reject(
          new PlinthError(
            ErrorCodes.LIBVIRT_UNAVAILABLE,
            `libvirtd at ${opts.socketPath} did not accept within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(
          new PlinthError(
            ErrorCodes.LIBVIRT_UNAVAILABLE,
            `cannot connect to libvirtd at ${opts.socketPath}: ${e.message}`,
          ),
        );
      });
    });
    const client = new LibvirtRpcClient(sock, opts);
    try {
      const auth = ret.authList(await client.call(Proc.AUTH_LIST, Buffer.alloc(0), timeoutMs));
      if (auth.length > 0 && !auth.includes(AuthType.NONE)) {
        throw new PlinthError(
          ErrorCodes.PERMISSION_DENIED,
          `libvirtd requires authentication (${auth.join(',')}); plinth connects as root over the unix socket with auth none`,
        );
      }
      await client.call(
        Proc.CONNECT_OPEN,
        args.connectOpen(opts.name ?? 'qemu:///system'),
        timeoutMs,
      );
    } catch (e) {
      client.destroy();
      throw e;
    }
    return client;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  call(proc: number, body: Buffer, timeoutMs = this.callTimeoutMs): Promise<Buffer> {
    if (this.isClosed) {
      return Promise.reject(
        new PlinthError(
          ErrorCodes.LIBVIRT_UNAVAILABLE,
          `libvirt connection closed${this.closedWith ? `: ${this.closedWith.message}` : ''}`,
        ),
      );
    }
    const serial = this.serial++ >>> 0;
    const frame = encodeMessage(
      {
        prog: REMOTE_PROGRAM,
        vers: REMOTE_PROTOCOL_VERSION,
        proc,
        type: MessageType.CALL,
        serial,
        status: MessageStatus.OK,
      },
      body,
    );
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(
          new PlinthError(
            ErrorCodes.TIMEOUT,
            `libvirt call ${proc} got no reply within ${timeoutMs} ms`,
            { proc },
          ),
        );
      }, timeoutMs);
      this.pending.set(serial, { proc, resolve, reject, timer });
      this.opts.trace?.('out', frame);
      this.sock.write(frame);
    });
  }

  /** Close politely (CONNECT_CLOSE) with a short bound, then drop the socket. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    await this.call(Proc.CONNECT_CLOSE, Buffer.alloc(0), 1000).catch(() => undefined);
    this.destroy();
  }

  destroy(): void {
    this.sock.destroy();
    this.shutdown(undefined);
  }

  private shutdown(err: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closedWith = err;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(
        new PlinthError(
          ErrorCodes.LIBVIRT_UNAVAILABLE,
          `libvirt connection lost${err ? `: ${err.message}` : ''}`,
        ),
      );
    }
    this.pending.clear();
    this.opts.onClose?.(err);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let frames: Buffer[];
    try {
      const split = splitFrames(this.buf);
      frames = split.frames;
      this.buf = Buffer.from(split.rest);
    } catch (e) {
      this.sock.destroy();
      this.shutdown(e as Error);
      return;
    }
    for (const f of frames) {
      this.opts.trace?.('in', f);
      this.onFrame(f);
    }
  }

  private onFrame(frame: Buffer): void {
    const { header, body } = decodeMessage(frame);
    if (header.prog !== REMOTE_PROGRAM) return; // keepalive program: we never advertise it
    if (header.type === MessageType.MESSAGE) {
      if (header.proc === Proc.DOMAIN_EVENT_CALLBACK_LIFECYCLE && this.opts.onEvent) {
        try {
          this.opts.onEvent(decodeLifecycleEvent(body));
        } catch {
          /* a malformed event is dropped; the periodic relist covers it */
        }
      }
      return;
    }
    if (header.type !== MessageType.REPLY) return;
    const p = this.pending.get(header.serial);
    if (!p) return; // reply after our timeout
    this.pending.delete(header.serial);
    clearTimeout(p.timer);
    if (header.status === MessageStatus.OK) {
      p.resolve(Buffer.from(body));
      return;
    }
    try {
      const e = decodeError(body);
      p.reject(new LibvirtError(codeFor(e.code), e.code, e.message));
    } catch (e) {
      p.reject(e as Error);
    }
  }
}
