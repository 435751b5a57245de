import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Counter } from 'prom-client';
import { ErrorCodes, PlinthError, toPlinthError } from '../../lib/errors.js';
import type { Log } from '../../lib/log.js';
import type { ObjectChange } from '../../lib/model.js';
import { peerIdentity } from '../../lib/tls.js';
import type { AgentMessage } from '../../proto/gen/plinth/v1/AgentMessage.js';
import type { CoordinatorMessage__Input } from '../../proto/gen/plinth/v1/CoordinatorMessage.js';
import type { AgentGatewayHandlers } from '../../proto/gen/plinth/v1/AgentGateway.js';
import type { Cluster, SessionHandle } from '../cluster/cluster.js';
import type { GroupCommit } from '../store/group-commit.js';
import type { CoordinatorStore } from '../store/store.js';
import { toServiceError } from './status.js';
import { eventFromWire, objectFromWire, parseJsonField, resultFromWire } from './wire.js';

export interface GatewayDeps {
  store: CoordinatorStore;
  commits: GroupCommit;
  cluster: Cluster;
  log: Log;
  heartbeatMs: number;
  helloTimeoutMs: number;
  messages: Counter;
}

type Call = grpc.ServerDuplexStream<AgentMessage, CoordinatorMessage__Input>;

/**
 * AgentGateway.Connect. Identity comes from the client certificate, never from
 * the message: the role must be agent, and every Hello must name the host the
 * certificate names. A malformed message ends the stream with INVALID_ARGUMENT;
 * nothing from it reaches the store.
 */
export function createGateway(deps: GatewayDeps): AgentGatewayHandlers {
  return {
    Connect(call: Call) {
      new AgentSession(call, deps).start();
    },
  };
}

class AgentSession implements SessionHandle {
  hostId = '';
  private certHost = '';
  private welcomed = false;
  private ended = false;
  private stateSeq = 0;
  /** The newest seq accepted into the commit queue (ahead of what is committed). */
  private expectedSeq = 0;
  private readonly pending = new Map<
    string,
    {
      resolve: (r: { ok: boolean; code: string; message: string; resultJson: string }) => void;
      timer: NodeJS.Timeout;
    }
  >();
  private helloTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly call: Call,
    private readonly d: GatewayDeps,
  ) {}

  start(): void {
    const id = peerIdentity(this.call.getAuthContext()?.sslPeerCertificate);
    if (!id || id.role !== 'agent') {
      this.fail(
        new PlinthError(
          ErrorCodes.PERMISSION_DENIED,
          `only agent certificates may connect to AgentGateway (this one is ${id ? id.role : 'not a plinth certificate'})`,
        ),
      );
      return;
    }
    this.certHost = id.name;
    this.helloTimer = setTimeout(
      () =>
        this.fail(
          new PlinthError(
            ErrorCodes.INVALID_ARGUMENT,
            `no Hello within ${this.d.helloTimeoutMs} ms`,
          ),
        ),
      this.d.helloTimeoutMs,
    );
    this.call.on('data', (m: AgentMessage) => {
      if (this.ended) return;
      try {
        this.handle(m);
      } catch (e) {
        this.fail(e);
      }
    });
    this.call.on('error', () => this.cleanup('stream error'));
    this.call.on('end', () => {
      this.cleanup('agent closed the stream');
      try {
        this.call.end();
      } catch {
        /* already closed */
      }
    });
    this.call.on('cancelled', () => this.cleanup('cancelled'));
  }

  private write(m: CoordinatorMessage__Input): void {
    if (!this.ended) this.call.write(m);
  }

  private fail(e: unknown): void {
    if (this.ended) return;
    const err = toPlinthError(e);
    this.d.log.warn(
      {
        host: this.hostId || this.certHost || '(unauthenticated)',
        code: err.code,
        err: err.message,
      },
      'agent stream refused',
    );
    this.cleanup(err.message);
    this.call.emit('error', toServiceError(err));
  }

  private cleanup(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.helloTimer) clearTimeout(this.helloTimer);
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({
        ok: false,
        code: ErrorCodes.UNAVAILABLE,
        message: `host ${this.hostId} disconnected before answering (${reason})`,
        resultJson: '',
      });
    }
    this.pending.clear();
    if (this.hostId && this.d.cluster.sessions.get(this.hostId) === this) {
      this.d.cluster.sessions.delete(this.hostId);
      this.d.log.info({ host: this.hostId, reason }, 'agent disconnected');
    }
  }

  private handle(m: AgentMessage): void {
    const kind = m.body ?? 'none';
    this.d.messages.inc({ type: kind });
    if (!this.welcomed) {
      if (!m.hello)
        throw new PlinthError(
          ErrorCodes.INVALID_ARGUMENT,
          `the first message must be Hello, got ${kind}`,
        );
      this.onHello(m.hello);
      return;
    }
    this.d.cluster.seen(this.hostId);
    if (m.delta)
      this.onDelta(
        m.delta.seq,
        m.delta.changes.map(objectFromWire),
        m.delta.events.map(eventFromWire),
      );
    else if (m.heartbeat) this.onHeartbeat(m.heartbeat.lastSeq);
    else if (m.ack) {
      const { generation } = m.ack;
      const results = m.ack.results.map(resultFromWire);
      this.commit(
        () => this.d.store.recordApplied(this.hostId, generation, results),
        () => this.d.cluster.changed(this.hostId, 'applied'),
      );
    } else if (m.snapshot) {
      const objects = m.snapshot.objects.map(objectFromWire);
      const seq = m.snapshot.seq;
      this.stateSeq = this.expectedSeq = seq;
      this.commit(
        () => this.d.store.recordSnapshot(this.hostId, seq, objects),
        () => {
          this.write({ deltaAck: { seq } });
          this.d.cluster.changed(this.hostId, 'objects');
        },
      );
    } else if (m.commandResult) {
      const p = this.pending.get(m.commandResult.id);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(m.commandResult.id);
        p.resolve(m.commandResult);
      }
    } else if (m.hello) {
      throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, 'a second Hello on one stream');
    } else {
      throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, 'an empty message');
    }
  }

  private onHello(h: NonNullable<AgentMessage['hello']>): void {
    if (h.hostId !== this.certHost) {
      throw new PlinthError(
        ErrorCodes.PERMISSION_DENIED,
        `Hello claims host "${h.hostId.slice(0, 80)}" but the client certificate is for host "${this.certHost}"`,
      );
    }
    if (!h.incarnation || h.incarnation.length > 64)
      throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, 'Hello without a valid incarnation');
    const objects: ObjectChange[] = (h.snapshot?.objects ?? []).map(objectFromWire);
    const inventory = parseJsonField(JSON.stringify(h.inventory ?? {}), 'inventory');
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.hostId = h.hostId;
    this.welcomed = true;
    this.stateSeq = h.snapshot?.seq ?? 0;
    const hello = {
      version: h.version.slice(0, 64),
      incarnation: h.incarnation,
      inventory,
      appliedGeneration: h.appliedGeneration,
    };
    this.commit(
      () => this.d.store.recordHello(this.hostId, hello, objects),
      ({ ackedSeq }) => {
        this.expectedSeq = Math.max(this.expectedSeq, ackedSeq);
        const previous = this.d.cluster.sessions.get(this.hostId);
        this.d.cluster.sessions.set(this.hostId, this);
        if (previous && previous !== this)
          previous.close('replaced by a newer connection from the same host');
        this.d.cluster.seen(this.hostId);
        this.d.cluster.evaluate(this.hostId);
        this.d.cluster.changed(this.hostId, 'objects');
        this.write({
          welcome: { hostId: this.hostId, ackedSeq, heartbeatIntervalMs: this.d.heartbeatMs },
        });
        const desired = this.d.store.getDesired(this.hostId);
        if (desired) this.sendDesired(desired.generation, JSON.stringify(desired.spec));
        this.d.log.info(
          {
            host: this.hostId,
            version: h.version,
            ackedSeq,
            snapshotSeq: this.stateSeq,
            objects: objects.length,
          },
          'agent connected',
        );
      },
    );
  }

  /** Queue a write for the next group commit; act on it only once it is durable. */
  private commit<T>(work: () => T, then?: (v: T) => void): void {
    this.d.commits.enqueue(work).then(
      (v) => {
        if (!this.ended) then?.(v);
      },
      (e: unknown) => this.fail(e),
    );
  }

  private onDelta(
    seq: number,
    changes: ObjectChange[],
    events: ReturnType<typeof eventFromWire>[],
  ): void {
    if (seq <= this.expectedSeq) {
      // Already accepted (a resend after reconnect): acknowledge again once durable, change nothing.
      this.commit(
        () => undefined,
        () => this.write({ deltaAck: { seq } }),
      );
      return;
    }
    if (seq !== this.expectedSeq + 1) {
      // While a resync is under way, the snapshot will cover what is missing.
      if (this.resyncing) return;
      this.requestResync(`sequence gap: expected ${this.expectedSeq + 1}, got ${seq}`);
      return;
    }
    this.expectedSeq = seq;
    const stateSeq = this.stateSeq;
    this.commit(
      () => this.d.store.recordDelta(this.hostId, seq, stateSeq, changes, events),
      (stored) => {
        this.write({ deltaAck: { seq } });
        this.d.cluster.publish(stored);
        if (changes.length > 0) this.d.cluster.changed(this.hostId, 'objects');
      },
    );
  }

  private resyncing = false;
  private onHeartbeat(lastSeq: number): void {
    if (lastSeq > this.expectedSeq && !this.resyncing)
      this.requestResync(`heartbeat says seq ${lastSeq}, committed ${this.expectedSeq}`);
  }

  private requestResync(reason: string): void {
    this.d.log.warn({ host: this.hostId, reason }, 'asking the agent for a fresh snapshot');
    const ev = this.d.store.addEvent(this.hostId, {
      type: 'agent.resync',
      severity: 'warning',
      message: `resync of ${this.hostId}: ${reason}`,
    });
    this.d.cluster.publish([ev]);
    this.resyncing = true;
    this.write({ resync: { reason } });
    // The snapshot answers it; deltas after it follow the usual rule.
    setTimeout(() => (this.resyncing = false), 5_000).unref();
  }

  sendDesired(generation: number, specJson: string): void {
    this.write({ desired: { generation, specJson } });
  }

  runCommand(
    kind: string,
    argsJson: string,
    timeoutMs: number,
  ): Promise<{ ok: boolean; code: string; message: string; resultJson: string }> {
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          ok: false,
          code: ErrorCodes.TIMEOUT,
          message: `host ${this.hostId} did not answer ${kind} within ${timeoutMs} ms`,
          resultJson: '',
        });
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      this.write({ command: { id, kind, argsJson } });
    });
  }

  close(reason: string): void {
    this.fail(new PlinthError(ErrorCodes.CONFLICT, reason));
  }
}
