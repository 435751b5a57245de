import { backoffDelay, type BackoffPolicy } from '../../../../lib/backoff.js';
import { ErrorCodes, PlinthError } from '../../../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../../../lib/json.js';
import type { Log } from '../../../../lib/log.js';
import type { Dial, OvsdbSocket } from './dial.js';
import { JsonObjectStream } from './framing.js';

export type ClientState = 'idle' | 'connecting' | 'syncing' | 'ready' | 'stopped';

export interface OvsdbClientOptions {
  socketPath: string;
  dial: Dial;
  log: Log;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Send an `echo` after this long without traffic; 0 disables. */
  echoIntervalMs?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  /**
   * Runs after every (re)connect before the client counts as ready: the full resync
   * (schema check, fresh monitor) lives here. A throw drops the connection and retries.
   */
  onConnect?: (client: OvsdbClient) => Promise<void>;
  /** Server-sent notifications (`update`, `update2`, `locked`...). */
  onNotification?: (method: string, params: JsonValue) => void;
  onStateChange?: (state: ClientState, error?: PlinthError) => void;
}

interface Pending {
  method: string;
  resolve: (v: JsonValue) => void;
  reject: (e: PlinthError) => void;
  timer: NodeJS.Timeout;
}

interface Connection {
  socket: OvsdbSocket;
  stream: JsonObjectStream;
  pending: Map<number, Pending>;
  open: boolean;
  echoTimer?: NodeJS.Timeout;
  connectTimer?: NodeJS.Timeout;
}

export const DEFAULT_OVSDB_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5000, factor: 2 };

/**
 * One JSON-RPC connection to ovsdb-server (RFC 7047), kept alive by echo both ways
 * and re-established with jittered backoff. It never resumes a half-known state:
 * after a reconnect `onConnect` runs a full resync before anything counts as ready.
 */
export class OvsdbClient {
  private conn: Connection | undefined;
  private nextId = 1;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readyWaiters: Array<() => void> = [];
  private stateValue: ClientState = 'idle';
  private lastErrorValue: PlinthError | undefined;
  private everConnectedValue = false;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly echoIntervalMs: number;
  private readonly backoff: BackoffPolicy;

  /** Requests sent since creation, by method: benchmarks and tests count writes with it. */
  readonly sent = new Map<string, number>();

  constructor(private readonly opts: OvsdbClientOptions) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    this.echoIntervalMs = opts.echoIntervalMs ?? 5000;
    this.backoff = opts.backoff ?? DEFAULT_OVSDB_BACKOFF;
  }

  get state(): ClientState {
    return this.stateValue;
  }
  get lastError(): PlinthError | undefined {
    return this.lastErrorValue;
  }
  /** Whether any connection ever reached `ready`: tells "not installed" from "went away". */
  get everConnected(): boolean {
    return this.everConnectedValue;
  }

  start(): void {
    if (this.stateValue !== 'idle') return;
    this.connect();
  }

  stop(): void {
    this.setState('stopped');
    clearTimeout(this.retryTimer);
    if (this.conn) this.drop(this.conn, unavailable('OVSDB client stopped'), false);
    for (const w of this.readyWaiters.splice(0)) w();
  }

  /** Resolves true once ready, false when `timeoutMs` passes first (never throws). */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.stateValue === 'ready') return Promise.resolve(true);
    if (this.stateValue === 'stopped') return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(this.stateValue === 'ready');
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.readyWaiters.push(done);
    });
  }

  /** One JSON-RPC request on the current connection; rejects when it is not up. */
  request(
    method: string,
    params: JsonValue[],
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<JsonValue> {
    const conn = this.conn;
    if (!conn || !conn.open || (this.stateValue !== 'ready' && this.stateValue !== 'syncing')) {
      return Promise.reject(
        this.lastErrorValue ??
          unavailable(`not connected to ovsdb-server at ${this.opts.socketPath}`),
      );
    }
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    this.sent.set(method, (this.sent.get(method) ?? 0) + 1);
    return new Promise<JsonValue>((resolve, reject) => {
      const onAbort = (): void => finish(new PlinthError(ErrorCodes.TIMEOUT, `${method} aborted`));
      const finish = (err: PlinthError | undefined, v?: JsonValue): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        conn.pending.delete(id);
        if (err) reject(err);
        else resolve(v ?? null);
      };
      const timer = setTimeout(
        () =>
          finish(
            new PlinthError(
              ErrorCodes.TIMEOUT,
              `ovsdb-server did not answer ${method} within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      conn.pending.set(id, {
        method,
        timer,
        resolve: (v) => finish(undefined, v),
        reject: (e) => finish(e),
      });
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.send(conn, { method, params, id });
    });
  }

  /** Drop the connection and go through reconnect + resync (e.g. the caller lost sync). */
  resync(why: string): void {
    if (this.conn) {
      this.drop(this.conn, new PlinthError(ErrorCodes.PARSE, `resync requested: ${why}`), true);
    }
  }

  getSchema(db: string): Promise<JsonValue> {
    return this.request('get_schema', [db]);
  }

  /** Returns the per-operation results; see `transactOutcome` for reading them. */
  async transact(
    db: string,
    ops: JsonObject[],
    opts?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<JsonValue[]> {
    const r = await this.request('transact', [db, ...ops], opts);
    if (!Array.isArray(r)) {
      throw new PlinthError(ErrorCodes.PARSE, 'transact reply is not an array');
    }
    return r;
  }

  private setState(s: ClientState, err?: PlinthError): void {
    if (this.stateValue === 'stopped' && s !== 'stopped') return;
    this.stateValue = s;
    if (err) this.lastErrorValue = err;
    if (s === 'ready') {
      this.lastErrorValue = undefined;
      this.everConnectedValue = true;
      for (const w of this.readyWaiters.splice(0)) w();
    }
    this.opts.onStateChange?.(s, err);
  }

  private connect(): void {
    if (this.stateValue === 'stopped') return;
    this.setState('connecting');
    let socket: OvsdbSocket;
    try {
      socket = this.opts.dial(this.opts.socketPath);
    } catch (e) {
      this.scheduleRetry(unavailable(`cannot dial ${this.opts.socketPath}: ${String(e)}`));
      return;
    }
    const conn: Connection = {
      socket,
      stream: new JsonObjectStream(),
      pending: new Map(),
      open: false,
    };
    this.conn = conn;
    conn.connectTimer = setTimeout(
      () => this.drop(conn, unavailable(`connect to ${this.opts.socketPath} timed out`), true),
      this.connectTimeoutMs,
    );
    socket.on('connect', () => {
      if (this.conn !== conn) return;
      clearTimeout(conn.connectTimer);
      conn.open = true;
      this.setState('syncing');
      this.armEcho(conn);
      void this.sync(conn);
    });
    socket.on('data', (chunk) => this.onData(conn, chunk));
    socket.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      this.drop(
        conn,
        unavailable(`ovsdb-server at ${this.opts.socketPath}: ${err.message}`, { errno: code }),
        true,
      );
    });
    socket.on('close', () =>
      this.drop(
        conn,
        unavailable(`ovsdb-server at ${this.opts.socketPath} closed the connection`),
        true,
      ),
    );
  }

  private async sync(conn: Connection): Promise<void> {
    try {
      await this.opts.onConnect?.(this);
      if (this.conn !== conn || !conn.open) return;
      this.attempt = 0;
      this.setState('ready');
    } catch (e) {
      const err =
        e instanceof PlinthError ? e : unavailable(`resync after connect failed: ${String(e)}`);
      this.drop(conn, err, true);
    }
  }

  private onData(conn: Connection, chunk: string): void {
    if (this.conn !== conn) return;
    this.armEcho(conn);
    let messages: JsonObject[];
    try {
      messages = conn.stream.push(chunk);
    } catch (e) {
      return this.malformed(conn, (e as Error).message);
    }
    for (const m of messages) {
      if (this.conn !== conn) return;
      this.onMessage(conn, m);
    }
  }

  private onMessage(conn: Connection, m: JsonObject): void {
    if (typeof m.method === 'string') {
      const id = m.id;
      const params = m.params ?? null;
      if (id === undefined || id === null) {
        this.opts.onNotification?.(m.method, params);
        return;
      }
      if (m.method === 'echo') {
        this.send(conn, { id, result: params, error: null });
        return;
      }
      this.send(conn, { id, result: null, error: `unsupported method ${m.method}` });
      return;
    }
    if (typeof m.id !== 'number') {
      return this.malformed(conn, `reply without a known id: ${JSON.stringify(m).slice(0, 200)}`);
    }
    const p = conn.pending.get(m.id);
    if (!p) return this.malformed(conn, `reply to unknown request id ${m.id}`);
    const error = m.error;
    if (error !== undefined && error !== null) {
      p.reject(
        new PlinthError(
          ErrorCodes.INTERNAL,
          `ovsdb-server rejected ${p.method}: ${JSON.stringify(error)}`,
          {
            error,
          },
        ),
      );
      return;
    }
    if (!('result' in m))
      return this.malformed(conn, `reply to ${p.method} has neither result nor error`);
    p.resolve(m.result ?? null);
  }

  /** A peer that breaks the protocol cannot be trusted to be in sync: close, reconnect, resync. */
  private malformed(conn: Connection, why: string): void {
    this.opts.log.warn({ why }, 'malformed JSON-RPC from ovsdb-server; reconnecting');
    this.drop(
      conn,
      new PlinthError(ErrorCodes.PARSE, `malformed JSON-RPC from ovsdb-server: ${why}`),
      true,
    );
  }

  private armEcho(conn: Connection): void {
    if (this.echoIntervalMs <= 0) return;
    clearTimeout(conn.echoTimer);
    conn.echoTimer = setTimeout(() => {
      if (this.conn !== conn || !conn.open) return;
      this.request('echo', ['plinth-keepalive']).catch((e: PlinthError) =>
        this.drop(conn, unavailable(`keepalive echo failed: ${e.message}`), true),
      );
    }, this.echoIntervalMs);
  }

  private send(conn: Connection, msg: JsonObject): void {
    try {
      conn.socket.write(JSON.stringify(msg));
    } catch (e) {
      this.drop(conn, unavailable(`write to ovsdb-server failed: ${String(e)}`), true);
    }
  }

  private drop(conn: Connection, err: PlinthError, retry: boolean): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    conn.open = false;
    clearTimeout(conn.echoTimer);
    clearTimeout(conn.connectTimer);
    conn.socket.destroy();
    for (const p of [...conn.pending.values()]) {
      p.reject(
        err.code === ErrorCodes.PARSE
          ? err
          : unavailable(`${p.method} lost: ${err.message}`, err.details),
      );
    }
    conn.pending.clear();
    if (retry) this.scheduleRetry(err);
  }

  private scheduleRetry(err: PlinthError): void {
    if (this.stateValue === 'stopped') return;
    this.setState('connecting', err);
    const delay = backoffDelay(this.attempt++, this.backoff, this.opts.random);
    this.opts.log.debug({ delay, err: err.message }, 'ovsdb reconnect scheduled');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}

function unavailable(message: string, details?: Record<string, unknown>): PlinthError {
  return new PlinthError(ErrorCodes.OVSDB_UNAVAILABLE, message, details);
}

/** Why a transaction failed, read from its per-operation results (RFC 7047 §4.1.3). */
export function transactOutcome(
  results: readonly JsonValue[],
): { ok: true } | { ok: false; error: string; details: string; opIndex: number } {
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    if (r && typeof r === 'object' && !Array.isArray(r) && typeof r.error === 'string') {
      return {
        ok: false,
        error: r.error,
        details: typeof r.details === 'string' ? r.details : '',
        opIndex: i,
      };
    }
  }
  return { ok: true };
}
