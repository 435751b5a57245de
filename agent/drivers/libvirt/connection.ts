import { backoffDelay, type BackoffPolicy } from '../../../lib/backoff.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { Log } from '../../../lib/log.js';
import { errorMessage } from '../driver.js';
import { LibvirtApi } from './api.js';
import { LibvirtRpcClient } from './rpc/client.js';
import type { LifecycleEvent } from './rpc/protocol.js';

/**
 * Keeps one RPC connection to libvirtd: connects on demand, re-registers the
 * lifecycle callback after every (re)connect, and after a loss reconnects by itself
 * with jittered backoff capped at `backoff.maxMs` (forever, while started).
 */

export interface ConnectionOptions {
  socketPath: string;
  uri: string;
  callTimeoutMs: number;
  connectTimeoutMs: number;
  log: Log;
  onEvent(ev: LifecycleEvent): void;
  /** Called on every transition between connected and disconnected. */
  onState(connected: boolean, reason: string): void;
  backoff?: BackoffPolicy;
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5000, factor: 2 };

export class LibvirtConnection {
  private api: LibvirtApi | undefined;
  private connecting: Promise<LibvirtApi> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private running = false;
  private connected = false;
  everConnected = false;
  lastError: string | undefined;

  constructor(private readonly opts: ConnectionOptions) {}

  /** Begin keeping the connection up in the background. */
  start(): void {
    this.running = true;
    void this.get().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const api = this.api;
    this.api = undefined;
    if (api) await api.close().catch(() => undefined);
  }

  get isConnected(): boolean {
    return this.api !== undefined && !this.api.closed;
  }

  /** The live API, connecting now if needed; throws PLINTH_E_LIBVIRT_UNAVAILABLE. */
  async get(): Promise<LibvirtApi> {
    if (this.api && !this.api.closed) return this.api;
    if (!this.connecting) {
      this.connecting = this.connect().finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async connect(): Promise<LibvirtApi> {
    let client: LibvirtRpcClient | undefined;
    try {
      client = await LibvirtRpcClient.connect({
        socketPath: this.opts.socketPath,
        name: this.opts.uri,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        callTimeoutMs: this.opts.callTimeoutMs,
        onEvent: (ev) => this.opts.onEvent(ev),
        onClose: (err) => this.onClose(client, err),
      });
      const api = new LibvirtApi(client);
      await api.registerLifecycleEvents();
      this.api = api;
      this.attempt = 0;
      this.everConnected = true;
      this.lastError = undefined;
      if (!this.connected) {
        this.connected = true;
        this.opts.onState(true, 'connected');
      }
      return api;
    } catch (e) {
      client?.destroy();
      this.lastError = errorMessage(e);
      this.scheduleReconnect();
      throw e instanceof PlinthError && e.code === ErrorCodes.PERMISSION_DENIED
        ? e
        : new PlinthError(
            ErrorCodes.LIBVIRT_UNAVAILABLE,
            `libvirtd unavailable: ${this.lastError}`,
          );
    }
  }

  private onClose(client: LibvirtRpcClient | undefined, err: Error | undefined): void {
    if (this.api && client && this.api.closed) this.api = undefined;
    this.lastError = err ? err.message : 'connection closed by libvirtd';
    if (this.connected) {
      this.connected = false;
      this.opts.onState(false, this.lastError);
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.timer) return;
    const delay = backoffDelay(this.attempt++, this.opts.backoff ?? DEFAULT_BACKOFF);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.running || this.isConnected) return;
      this.get().catch((e) =>
        this.opts.log.debug({ err: errorMessage(e) }, 'libvirt reconnect failed'),
      );
    }, delay);
    this.timer.unref();
  }
}
