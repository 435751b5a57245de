import { EventEmitter } from 'node:events';
import type { Log } from '../../lib/log.js';
import type { HostState } from '../../lib/model.js';
import type { CoordinatorStore, StoredEvent } from '../store/store.js';
import { livenessState, type LivenessConfig } from './liveness.js';

/** What the gateway needs from a live agent session. */
export interface SessionHandle {
  hostId: string;
  sendDesired(generation: number, specJson: string): void;
  runCommand(
    kind: string,
    argsJson: string,
    timeoutMs: number,
  ): Promise<{ ok: boolean; code: string; message: string; resultJson: string }>;
  close(reason: string): void;
}

/**
 * The in-memory cluster picture: who is connected, when we last heard from each
 * host (monotonic clock, never the agent's), and each host's liveness state.
 * State changes are persisted as events; heartbeats are not persisted.
 */
export class Cluster extends EventEmitter {
  readonly sessions = new Map<string, SessionHandle>();
  private readonly lastSeen = new Map<string, number>();
  private readonly states = new Map<string, HostState>();
  readonly startedMono: number;

  constructor(
    private readonly store: CoordinatorStore,
    private readonly liveness: LivenessConfig,
    private readonly mono: () => number,
    private readonly log: Log,
  ) {
    super();
    this.setMaxListeners(0);
    this.startedMono = mono();
    for (const h of store.listHosts()) this.states.set(h.id, 'unknown');
  }

  seen(hostId: string): void {
    this.lastSeen.set(hostId, this.mono());
  }

  lastSeenAgeMs(hostId: string): number {
    const t = this.lastSeen.get(hostId);
    return t === undefined ? -1 : Math.round(this.mono() - t);
  }

  state(hostId: string): HostState {
    return this.states.get(hostId) ?? 'unknown';
  }

  counts(): Record<HostState, number> {
    const c: Record<HostState, number> = { ready: 0, suspect: 0, down: 0, unknown: 0 };
    for (const s of this.states.values()) c[s]++;
    return c;
  }

  publish(events: readonly StoredEvent[]): void {
    for (const e of events) this.emit('event', e);
  }

  /** A host's objects or applied generation changed (committed): listeners re-read the store. */
  changed(hostId: string, what: 'objects' | 'applied'): void {
    this.emit('changed', hostId, what);
  }

  /** Re-evaluate every host; persist and announce transitions. */
  tick(): void {
    const now = this.mono();
    for (const id of this.states.keys()) this.evaluate(id, now);
    for (const id of this.lastSeen.keys()) if (!this.states.has(id)) this.evaluate(id, now);
  }

  evaluate(hostId: string, now = this.mono()): HostState {
    const prev = this.states.get(hostId);
    const next = livenessState(this.lastSeen.get(hostId), now, this.startedMono, this.liveness);
    if (prev === next) return next;
    this.states.set(hostId, next);
    if (prev === undefined && next === 'unknown') return next;
    const age = this.lastSeenAgeMs(hostId);
    const why =
      next === 'ready'
        ? 'heard from it'
        : age < 0
          ? 'not heard from it since the coordinator started'
          : `no message for ${(age / 1000).toFixed(1)} s`;
    const severity = next === 'down' ? 'critical' : next === 'suspect' ? 'warning' : 'info';
    try {
      this.store.setState(hostId, next, Date.now());
      const ev = this.store.addEvent(hostId, {
        type: 'host.state',
        severity,
        message: `host ${hostId}: ${prev ?? 'unknown'} -> ${next} (${why})`,
        data: { from: prev ?? 'unknown', to: next },
      });
      this.publish([ev]);
    } catch (e) {
      this.log.error(
        { host: hostId, err: (e as Error).message },
        'recording a host state change failed',
      );
    }
    this.emit('state', hostId, next, prev);
    return next;
  }
}
