import * as grpc from '@grpc/grpc-js';
import type { Gauge } from 'prom-client';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../../lib/backoff.js';
import type { JsonObject } from '../../lib/json.js';
import type { Log } from '../../lib/log.js';
import type { ApplyOutcome, ObjectChange } from '../../lib/model.js';
import { channelOptions, loadAgentProto } from '../../lib/proto.js';
import { dialOptions, type TlsMaterial } from '../../lib/tls.js';
import type { AgentMessage__Input } from '../../proto/gen/plinth/v1/AgentMessage.js';
import type { CoordinatorMessage } from '../../proto/gen/plinth/v1/CoordinatorMessage.js';
import type { HostInventory__Input } from '../../proto/gen/plinth/v1/HostInventory.js';
import type { AgentStore } from '../state/store.js';
import { deltaToWire, objectToWire, parseJsonObject, resultToWire } from './wire.js';

export type StreamState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';
const STATE_CODES: Record<StreamState, number> = {
  idle: 0,
  connecting: 1,
  connected: 2,
  backoff: 3,
  stopped: 4,
};

export interface CommandOutcome {
  ok: boolean;
  code?: string;
  message?: string;
  result?: JsonObject;
}

export interface ReportClientOptions {
  address: string;
  tls: TlsMaterial;
  hostId: string;
  version: string;
  store: AgentStore;
  heartbeatMs: number;
  helloTimeoutMs: number;
  backoff?: BackoffPolicy;
  log: Log;
  streamState: Gauge;
  snapshot(): ObjectChange[];
  inventory(): HostInventory__Input;
  applied(): { generation: number; results: ApplyOutcome[] };
  onDesired(generation: number, spec: JsonObject): void;
  onCommand(kind: string, args: JsonObject): Promise<CommandOutcome>;
  onStateChange?(state: StreamState): void;
}

/**
 * The agent's side of AgentGateway.Connect: dial out, Hello with a full snapshot,
 * then stream the outbox (the single source of what to send: replay after a
 * reconnect and live deltas are the same loop), heartbeats, acks. Reconnects with
 * jittered exponential backoff forever; never blocks the rest of the agent.
 */
export class ReportClient {
  private state: StreamState = 'idle';
  private call: grpc.ClientDuplexStream<AgentMessage__Input, CoordinatorMessage> | undefined;
  private client: grpc.Client | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private live = false;
  private sentSeq = 0;
  private pumping = false;

  constructor(private readonly o: ReportClientOptions) {}

  get streamState(): StreamState {
    return this.state;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.setState('stopped');
    this.teardown();
    if (this.timer) clearTimeout(this.timer);
  }

  /** A new delta was recorded in the outbox. */
  notifyDelta(): void {
    this.pump();
  }

  sendAck(generation: number, results: ApplyOutcome[]): void {
    if (this.live) this.write({ ack: { generation, results: results.map(resultToWire) } });
  }

  private setState(s: StreamState): void {
    this.state = s;
    this.o.streamState.set(STATE_CODES[s]);
    this.o.onStateChange?.(s);
  }

  private write(msg: AgentMessage__Input): void {
    try {
      this.call?.write(msg);
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'stream write failed');
    }
  }

  private connect(): void {
    if (this.state === 'stopped') return;
    this.setState('connecting');
    const proto = loadAgentProto();
    const Client = proto.plinth.v1.AgentGateway;
    const { creds, options } = dialOptions(this.o.tls, this.o.address, channelOptions);
    const client = new Client(this.o.address, creds, options);
    this.client = client;
    const call = client.Connect();
    this.call = call;
    let welcomed = false;
    const helloTimer = setTimeout(() => {
      if (!welcomed) {
        this.o.log.warn(
          { address: this.o.address },
          `no Welcome from the coordinator within ${this.o.helloTimeoutMs} ms; reconnecting`,
        );
        call.cancel();
      }
    }, this.o.helloTimeoutMs);

    call.on('data', (msg: CoordinatorMessage) => {
      if (msg.welcome) {
        welcomed = true;
        clearTimeout(helloTimer);
        this.onWelcome(msg.welcome.ackedSeq, msg.welcome.heartbeatIntervalMs);
      } else if (msg.deltaAck) {
        this.o.store.trimOutbox(msg.deltaAck.seq);
      } else if (msg.desired) {
        let spec: JsonObject;
        try {
          spec = parseJsonObject(msg.desired.specJson, 'desired spec');
        } catch (e) {
          this.o.log.error(
            { generation: msg.desired.generation, err: (e as Error).message },
            'ignoring malformed desired state',
          );
          return;
        }
        this.o.onDesired(msg.desired.generation, spec);
      } else if (msg.command) {
        void this.runCommand(msg.command.id, msg.command.kind, msg.command.argsJson);
      } else if (msg.resync) {
        this.o.log.info({ reason: msg.resync.reason }, 'coordinator asked for a fresh snapshot');
        const seq = this.o.store.lastSeq();
        this.write({ snapshot: { seq, objects: this.o.snapshot().map(objectToWire) } });
        this.sentSeq = seq;
      }
    });
    const onGone = (why: string, err?: grpc.ServiceError) => {
      clearTimeout(helloTimer);
      if (this.call !== call) return;
      this.teardown();
      if (this.state === 'stopped') return;
      const delay = backoffDelay(this.attempt++, this.o.backoff ?? DEFAULT_BACKOFF);
      this.o.log.warn(
        { why, code: err?.code, err: err?.details, retryInMs: delay },
        'disconnected from coordinator',
      );
      this.setState('backoff');
      this.timer = setTimeout(() => this.connect(), delay);
    };
    call.on('error', (err: grpc.ServiceError) => onGone('error', err));
    call.on('end', () => onGone('end'));

    const applied = this.o.applied();
    const seq = this.o.store.lastSeq();
    this.write({
      hello: {
        hostId: this.o.hostId,
        version: this.o.version,
        incarnation: this.o.store.incarnation,
        inventory: this.o.inventory(),
        appliedGeneration: applied.generation,
        snapshot: { seq, objects: this.o.snapshot().map(objectToWire) },
      },
    });
  }

  private onWelcome(ackedSeq: number, heartbeatMs: number): void {
    this.attempt = 0;
    this.live = true;
    this.sentSeq = ackedSeq;
    this.o.store.trimOutbox(ackedSeq);
    this.setState('connected');
    this.o.log.info(
      { address: this.o.address, ackedSeq, outbox: this.o.store.outboxDepth() },
      'connected to coordinator',
    );
    const applied = this.o.applied();
    if (applied.generation > 0) this.sendAck(applied.generation, applied.results);
    this.pump();
    const every = heartbeatMs > 0 ? heartbeatMs : this.o.heartbeatMs;
    this.heartbeat = setInterval(() => this.write({ heartbeat: { lastSeq: this.sentSeq } }), every);
    this.heartbeat.unref?.();
  }

  /** Send every outbox entry after sentSeq, in order, in bounded batches. */
  private pump(): void {
    if (!this.live || this.pumping) return;
    this.pumping = true;
    try {
      for (let rounds = 0; rounds < 10_000 && this.live; rounds++) {
        const batch = this.o.store.outboxAfter(this.sentSeq, 500);
        if (batch.length === 0) break;
        for (const d of batch) {
          this.write({ delta: deltaToWire(d) });
          this.sentSeq = d.seq;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async runCommand(id: string, kind: string, argsJson: string): Promise<void> {
    let out: CommandOutcome;
    try {
      out = await this.o.onCommand(kind, parseJsonObject(argsJson, 'command arguments'));
    } catch (e) {
      out = {
        ok: false,
        code: (e as { code?: string }).code ?? 'PLINTH_E_INTERNAL',
        message: (e as Error).message,
      };
    }
    this.write({
      commandResult: {
        id,
        ok: out.ok,
        code: out.code ?? '',
        message: out.message ?? '',
        resultJson: out.result ? JSON.stringify(out.result) : '',
      },
    });
  }

  private teardown(): void {
    this.live = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const call = this.call;
    this.call = undefined;
    try {
      call?.cancel();
    } catch {
      /* already closed */
    }
    this.client?.close();
    this.client = undefined;
  }
}
