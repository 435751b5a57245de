import type { EventEmitter } from 'node:events';
import { ErrorCodes, isPlinthError, PlinthError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/json.js';
import type { Log } from '../../lib/log.js';
import type { HostEvent, HostState } from '../../lib/model.js';
import type { FenceOutcome } from '../fencing/types.js';
import type { StoredEvent } from '../store/store.js';
import type { VmDirectory } from '../vms/types.js';
import { brakeStep, operatorBrake, RELEASED, type BrakeState, type BrakeStep } from './brake.js';
import type { EvacuationConfig } from './config.js';
import {
  decide,
  fenceAdvice,
  vmView,
  type Decision,
  type FenceState,
  type WaitReason,
} from './decide.js';
import type { HostProgress, ProgressStore } from './progress.js';
import { EMPTY_RATE, rateAvailable, rateTake, type RateState } from './rate.js';

/** The part of the Cluster the controller uses (Cluster satisfies it). */
export interface ClusterView extends Pick<EventEmitter, 'on' | 'off'> {
  readonly startedMono: number;
  state(hostId: string): HostState;
  counts(): Record<HostState, number>;
  publish(events: readonly StoredEvent[]): void;
}

export interface EvacuationDeps {
  cluster: ClusterView;
  store: { addEvent(hostId: string, e: Omit<HostEvent, 'atMs'> & { atMs?: number }): StoredEvent };
  progress: ProgressStore;
  fencing: { fenceHost(hostId: string, who: string): Promise<FenceOutcome> };
  vms: VmDirectory;
  log: Log;
  /** Monotonic ms: every interval and decision. */
  mono: () => number;
  /** Wall ms: only what people read. */
  now: () => number;
  /** The Cluster's liveness startupGraceMs: no action before it has passed. */
  startupGraceMs: number;
  /** How old a BMC fence confirmation may be when a relocation starts (FENCE_FRESH_MS). */
  fenceFreshMs?: number;
}

/**
 * A BMC power-off confirmation older than this is re-checked (ensure-off again,
 * already-off counts) before a relocation starts: while the brake, the rate limit
 * or a relocation retry held the VM back, someone may have powered the host on.
 * An operator's confirm-off has no read-back to repeat: it holds until the host
 * comes back (the episode ends) or is replaced by a BMC result.
 */
export const FENCE_FRESH_MS = 60_000;

interface HostTrack {
  fence: FenceState;
  busy: boolean;
  progress?: HostProgress;
  /** Restored from the store at start: the first pass says so. */
  resumed?: boolean;
  /** vm -> the reason last reported, so a waiting VM is reported once, not every tick. */
  reported: Map<string, WaitReason>;
  /** The fence is an operator's confirm-off: it does not go stale. */
  manual?: boolean;
}

export interface EvacuationStatus {
  enabled: boolean;
  inStartupGrace: boolean;
  brake: { engaged: boolean; by: string | null; reason: string };
  relocationsInLastMinute: number;
  hosts: {
    hostId: string;
    state: HostState;
    fence: FenceState;
    /** ok by an operator's confirm-off, not a BMC read-back. */
    manualFence: boolean;
    /** Monotonic age of the fence result, ms (0 while none). */
    fenceAgeMs: number;
    relocated: HostProgress['relocated'];
    waiting: { vm: string; reason: WaitReason; message: string }[];
  }[];
}

const WHO = 'evacuation';
const SECOND = 1000;

/**
 * The shell around decide(): listens to liveness, fences through the fencing
 * service, relocates through the VM directory, reports every step as an event.
 * Level-triggered: a state change only kicks a pass; a periodic pass re-evaluates
 * every lost host, which is also how work resumes after a restart.
 */
export function createEvacuationController(d: EvacuationDeps, cfg: EvacuationConfig) {
  const brakeCfg = {
    threshold: cfg.brake.threshold,
    windowMs: cfg.brake.windowSeconds * 1000,
    minHosts: cfg.brake.minHosts,
    autoRelease: cfg.brake.autoRelease,
  };
  const hosts = new Map<string, HostTrack>();
  const inflight = new Map<string, Promise<void>>();
  const retryAt = new Map<string, number>();
  let brake: BrakeState = { ...RELEASED };
  let rate: RateState = EMPTY_RATE;
  let pendingLosses: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let kickPending = false;
  let stopped = false;

  const emit = (
    hostId: string,
    type: string,
    severity: HostEvent['severity'],
    message: string,
    extra: { vm?: string; data?: JsonObject } = {},
  ) => {
    try {
      const ev = d.store.addEvent(hostId, {
        type,
        severity,
        message,
        ...(extra.vm ? { object: { kind: 'vm', id: extra.vm } } : {}),
        ...(extra.data ? { data: extra.data } : {}),
      });
      d.cluster.publish([ev]);
    } catch (e) {
      d.log.error({ host: hostId, type, err: (e as Error).message }, 'recording an event failed');
    }
  };

  const inGrace = () => d.mono() - d.cluster.startedMono < d.startupGraceMs;
  const freshMs = d.fenceFreshMs ?? FENCE_FRESH_MS;

  /** A BMC confirmation too old to start a VM elsewhere on: fence again first. */
  const stale = (h: HostTrack) =>
    h.fence.phase === 'ok' && !h.manual && d.mono() - h.fence.atMs > freshMs;

  const track = (hostId: string): HostTrack => {
    let h = hosts.get(hostId);
    if (!h) {
      h = { fence: { phase: 'none' }, busy: false, reported: new Map() };
      hosts.set(hostId, h);
    }
    return h;
  };

  const save = (hostId: string, h: HostTrack) => {
    // A relocation that answers after its host came back must not resurrect the record.
    if (!h.progress || hosts.get(hostId) !== h) return;
    try {
      d.progress.saveHost(h.progress);
    } catch (e) {
      d.log.error({ host: hostId, err: (e as Error).message }, 'saving evacuation progress failed');
    }
  };

  const applyBrake = (r: BrakeStep) => {
    brake = r.state;
    if (!r.change) return;
    emit(
      '',
      r.change === 'engaged' ? 'evacuation.brake.engaged' : 'evacuation.brake.released',
      r.change === 'engaged' ? 'critical' : 'warning',
      r.message ?? '',
      { data: { by: brake.by ?? '', reason: brake.reason } },
    );
    try {
      d.progress.saveBrake({
        engaged: brake.engaged,
        by: brake.by,
        reason: brake.reason,
        sinceMs: d.now(),
      });
    } catch (e) {
      d.log.error({ err: (e as Error).message }, 'saving the brake state failed');
    }
  };

  /** A host came back: whatever was not moved stays with it; the episode ends. */
  const endEpisode = (hostId: string, h: HostTrack) => {
    hosts.delete(hostId);
    let left: string[] = [];
    try {
      const vms = d.vms.vmsOnHost(hostId);
      left = vms.map((v) => v.name);
      const r = decide({
        ...baseInput(hostId, h),
        hostState: 'ready',
        vms: vms.map((v) => vmView(v, false, undefined)),
      });
      runFlags(r);
    } catch (e) {
      d.log.error(
        { host: hostId, err: (e as Error).message },
        'listing VMs of a returning host failed',
      );
    }
    if (h.progress) {
      emit(
        hostId,
        'evacuation.ended',
        'info',
        `host ${hostId} is back: evacuation over; ${h.progress.relocated.length} VM(s) had moved, ${left.length} still on it${left.length ? ` (${left.join(', ')})` : ''}`,
        { data: { moved: h.progress.relocated.length, left: left.length } },
      );
      try {
        d.progress.deleteHost(hostId);
      } catch (e) {
        d.log.error(
          { host: hostId, err: (e as Error).message },
          'clearing evacuation progress failed',
        );
      }
    }
  };

  function onState(hostId: string, next: HostState, prev: HostState | undefined) {
    if (stopped) return;
    const wasOut = prev === 'suspect' || prev === 'down';
    if (next === 'suspect' || (next === 'down' && !wasOut)) pendingLosses.push(hostId);
    if (next === 'down') track(hostId);
    // A returning host's episode ends in the next pass, outside the Cluster's emit.
    kick();
  }

  function onEvent(e: StoredEvent) {
    if (stopped || e.type !== 'fence.done' || e.data?.ok !== true) return;
    const h = hosts.get(e.hostId);
    // Our own fence reports through the same event while `running`; an operator's
    // `plinth fence` (or a confirmed manual fence) arrives here otherwise.
    if (!h || h.fence.phase === 'running' || h.fence.phase === 'ok') return;
    h.fence = {
      phase: 'ok',
      atMs: d.mono(),
      alreadyOff: e.data?.alreadyOff === true,
      by: 'operator',
    };
    h.manual = false;
    kick();
  }

  function kick() {
    if (kickPending || stopped) return;
    kickPending = true;
    setImmediate(() => {
      kickPending = false;
      tick();
    });
  }

  const baseInput = (hostId: string, h: HostTrack) => ({
    hostId,
    hostState: d.cluster.state(hostId),
    fence: h.fence,
    enabled: cfg.enabled,
    inStartupGrace: inGrace(),
    brakeEngaged: brake.engaged,
    relocationsAvailable: rateAvailable(rate, d.mono(), cfg.rate.perMinute),
    nowMs: d.mono(),
    fenceRetryMs: cfg.fenceRetrySeconds * 1000,
  });

  function runFlags(r: Decision) {
    for (const a of r.actions) {
      if (a.kind === 'flag') d.vms.flag(a.vm, a.flag, a.message);
      else if (a.kind === 'unflag') d.vms.unflag(a.vm, a.flag);
    }
  }

  async function fenceNow(hostId: string, h: HostTrack) {
    h.fence = { phase: 'running' };
    h.manual = false;
    let outcome: FenceOutcome;
    try {
      outcome = await d.fencing.fenceHost(hostId, WHO);
    } catch (e) {
      // No BMC configured, undecryptable credentials: the service throws before any BMC call.
      outcome = {
        ok: false,
        alreadyOff: false,
        powerState: 'unknown',
        attempts: [],
        elapsedMs: 0,
        code: isPlinthError(e) ? e.code : ErrorCodes.FENCE_FAILED,
        message: (e as Error).message,
      };
    }
    const atMs = d.mono();
    if (outcome.ok) {
      h.fence = { phase: 'ok', atMs, alreadyOff: outcome.alreadyOff, by: WHO };
      emit(
        hostId,
        'evacuation.fence.ok',
        'warning',
        `host ${hostId} is confirmed powered off${outcome.alreadyOff ? ' (it already was)' : ''} after ${outcome.elapsedMs} ms: its VMs can now start elsewhere`,
        { data: { alreadyOff: outcome.alreadyOff, elapsedMs: outcome.elapsedMs } },
      );
    } else {
      const code = outcome.code ?? ErrorCodes.FENCE_FAILED;
      h.fence = { phase: 'failed', atMs, code, message: outcome.message };
      emit(
        hostId,
        'evacuation.fence.failed',
        'critical',
        `fencing ${hostId} FAILED (${code}: ${outcome.message}): its VMs stay where they are, flagged ${'fence-failed'}; ${fenceAdvice(hostId, code)}`,
        { data: { code, elapsedMs: outcome.elapsedMs } },
      );
    }
    if (h.progress) {
      h.progress.lastFence = {
        ok: outcome.ok,
        atMs: d.now(),
        ...(outcome.code ? { code: outcome.code } : {}),
        message: outcome.message,
      };
      save(hostId, h);
    }
  }

  function relocateNow(hostId: string, h: HostTrack, vm: string, policy: string) {
    rate = rateTake(rate, d.mono());
    const reason = `host ${hostId} is down and confirmed powered off (policy ${policy})`;
    emit(hostId, 'evacuation.vm.relocating', 'info', `relocating ${vm} off ${hostId} (${policy})`, {
      vm,
    });
    let slow: NodeJS.Timeout | undefined;
    const p = (async () => {
      slow = setTimeout(
        () =>
          emit(
            hostId,
            'evacuation.vm.relocate-slow',
            'warning',
            `relocating ${vm} has not answered after ${cfg.relocateTimeoutSeconds} s; it is not issued again while it runs`,
            { vm },
          ),
        cfg.relocateTimeoutSeconds * 1000,
      );
      slow.unref();
      let r: { ok: boolean; hostId?: string; message: string };
      try {
        r = await d.vms.relocate(vm, { excludeHosts: [hostId], reason });
      } catch (e) {
        r = { ok: false, message: (e as Error).message };
      }
      if (r.ok) {
        retryAt.delete(vm);
        emit(
          hostId,
          'evacuation.vm.relocated',
          'warning',
          `${vm} relocated from ${hostId} to ${r.hostId ?? '?'} (${policy}): ${r.message}`,
          { vm, data: { from: hostId, to: r.hostId ?? '', policy } },
        );
        if (h.progress) {
          h.progress.relocated.push({ vm, to: r.hostId ?? '', atMs: d.now() });
          save(hostId, h);
        }
      } else {
        retryAt.set(vm, d.mono() + cfg.relocateRetrySeconds * 1000);
        emit(
          hostId,
          'evacuation.vm.relocate-failed',
          'critical',
          `relocating ${vm} off ${hostId} failed: ${r.message}; retried in ${cfg.relocateRetrySeconds} s`,
          { vm },
        );
      }
    })().finally(() => {
      clearTimeout(slow);
      inflight.delete(vm);
      kick();
    });
    inflight.set(vm, p);
  }

  function reportWaiting(hostId: string, h: HostTrack, r: Decision) {
    const now = new Set<string>();
    for (const w of r.waiting) {
      now.add(w.vm);
      if (h.reported.get(w.vm) === w.reason) continue;
      h.reported.set(w.vm, w.reason);
      if (w.reason === 'relocating') continue;
      emit(
        hostId,
        'evacuation.vm.waiting',
        w.reason === 'fence-failed' || w.reason === 'brake' ? 'critical' : 'info',
        w.message,
        { vm: w.vm, data: { reason: w.reason } },
      );
    }
    for (const vm of [...h.reported.keys()]) if (!now.has(vm)) h.reported.delete(vm);
  }

  /** One host, one pass at a time. Bounded: a fence is followed by at most a few re-decisions. */
  async function step(hostId: string, h: HostTrack) {
    h.busy = true;
    try {
      for (let pass = 0; pass < 3 && !stopped; pass++) {
        const records = d.vms.vmsOnHost(hostId);
        const input = baseInput(hostId, h);
        const r = decide({
          ...input,
          vms: records.map((v) => vmView(v, inflight.has(v.name), retryAt.get(v.name))),
        });
        if (!h.progress && records.length > 0 && input.hostState === 'down') {
          h.progress = { hostId, startedAtMs: d.now(), relocated: [], doneReported: false };
          save(hostId, h);
          emit(
            hostId,
            'evacuation.started',
            'warning',
            `host ${hostId} is down with ${records.length} VM(s): ${r.movable.length} restart elsewhere once it is fenced, ${records.length - r.movable.length} wait for it`,
            { data: { vms: records.length, movable: r.movable.length } },
          );
        } else if (h.resumed && h.progress) {
          emit(
            hostId,
            'evacuation.resumed',
            'warning',
            `coordinator restarted: resuming the evacuation of ${hostId} (${h.progress.relocated.length} VM(s) already moved, ${r.movable.length} to move; the host is fenced again first)`,
            { data: { moved: h.progress.relocated.length, movable: r.movable.length } },
          );
        }
        h.resumed = false;
        if (stale(h) && r.actions.some((a) => a.kind === 'relocate')) {
          const age = Math.round((d.mono() - (h.fence as { atMs: number }).atMs) / SECOND);
          emit(
            hostId,
            'evacuation.fence.refresh',
            'info',
            `${hostId}'s power-off was confirmed ${age} s ago (over ${Math.round(freshMs / SECOND)} s): checking it again before ${r.actions.filter((a) => a.kind === 'relocate').length} VM(s) start elsewhere`,
            { data: { ageMs: age * SECOND } },
          );
          await fenceNow(hostId, h);
          continue;
        }
        reportWaiting(hostId, h, r);
        runFlags(r);
        for (const a of r.actions)
          if (a.kind === 'relocate' && !inflight.has(a.vm)) relocateNow(hostId, h, a.vm, a.policy);
        if (
          h.progress &&
          !h.progress.doneReported &&
          h.fence.phase === 'ok' &&
          r.movable.length === 0 &&
          h.progress.relocated.length > 0
        ) {
          h.progress.doneReported = true;
          save(hostId, h);
          emit(
            hostId,
            'evacuation.done',
            'warning',
            `evacuation of ${hostId} done: ${h.progress.relocated.length} VM(s) moved, ${records.length} wait for the host`,
            { data: { moved: h.progress.relocated.length, waiting: records.length } },
          );
        }
        if (!r.actions.some((a) => a.kind === 'fence')) break;
        emit(
          hostId,
          'evacuation.fencing',
          'warning',
          `fencing ${hostId} before any of its VMs moves: ${r.movable.join(', ')}`,
        );
        await fenceNow(hostId, h);
      }
    } catch (e) {
      d.log.error({ host: hostId, err: (e as Error).message }, 'evacuation pass failed');
    } finally {
      h.busy = false;
    }
    if (d.cluster.state(hostId) === 'ready' && hosts.get(hostId) === h) endEpisode(hostId, h);
  }

  function tick() {
    if (stopped) return;
    const now = d.mono();
    const c = d.cluster.counts();
    const total = c.ready + c.suspect + c.down + c.unknown;
    const lost = pendingLosses;
    pendingLosses = [];
    applyBrake(
      brakeStep(
        brake,
        {
          nowMs: now,
          totalHosts: total,
          outHosts: c.suspect + c.down,
          lost,
          holdRelease: inGrace(),
        },
        brakeCfg,
      ),
    );
    for (const [hostId, h] of hosts) {
      if (h.busy) continue;
      const state = d.cluster.state(hostId);
      if (state === 'ready') {
        endEpisode(hostId, h);
        continue;
      }
      if (state !== 'down') continue;
      void step(hostId, h);
    }
  }

  const stateListener = (hostId: string, next: HostState, prev: HostState | undefined) =>
    onState(hostId, next, prev);
  const eventListener = (e: StoredEvent) => onEvent(e);

  return {
    start() {
      const b = d.progress.loadBrake();
      if (b?.engaged) brake = { ...RELEASED, engaged: true, by: b.by, reason: b.reason };
      for (const p of d.progress.loadHosts()) {
        const h = track(p.hostId);
        h.progress = p;
        h.resumed = true;
      }
      d.cluster.on('state', stateListener);
      d.cluster.on('event', eventListener);
      timer = setInterval(tick, cfg.tickSeconds * 1000);
      if (b?.engaged || hosts.size)
        d.log.info(
          { brake: brake.engaged, hosts: [...hosts.keys()] },
          'evacuation state restored: lost hosts are re-evaluated (and fenced again) after the startup grace',
        );
    },

    /** Stops deciding; relocations already issued finish on their own. */
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      d.cluster.off('state', stateListener);
      d.cluster.off('event', eventListener);
      const bound = new Promise((r) => setTimeout(r, 2000).unref());
      await Promise.race([Promise.allSettled([...inflight.values()]), bound]);
    },

    tick,

    /** An operator holds the brake (no automatic release) or releases it. */
    brake(action: 'engage' | 'release', who: string) {
      applyBrake(operatorBrake(brake, action, who));
      kick();
      return { engaged: brake.engaged, by: brake.by, reason: brake.reason };
    },

    /**
     * An operator states that the host is powered off (e.g. the BMC is dead and
     * the power cords are out). Recorded as an event; then treated as fenced.
     */
    confirmFenced(hostId: string, who: string) {
      const state = d.cluster.state(hostId);
      if (state !== 'down')
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          `host ${hostId} is ${state}, not down: there is nothing to confirm (a confirm-off is accepted only once liveness has marked the host down)`,
          { hostId, state },
        );
      const h = track(hostId);
      if (h.fence.phase === 'running')
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          `a fence of ${hostId} through its BMC is running: wait for its result (plinth evacuation status), then confirm if it failed`,
          { hostId },
        );
      h.fence = { phase: 'ok', atMs: d.mono(), alreadyOff: true, by: who };
      h.manual = true;
      emit(
        hostId,
        'evacuation.fence.ok',
        'critical',
        `${who} confirmed by hand that ${hostId} is powered off (no BMC read-back): its VMs now start elsewhere`,
        { data: { manual: true, by: who } },
      );
      kick();
      return { hostId, by: who };
    },

    /**
     * Who confirmed the host powered off in its current down episode (the BMC
     * fence, an operator's fence or confirm-off), or undefined when nobody has.
     */
    fencedBy(hostId: string): string | undefined {
      const h = hosts.get(hostId);
      if (!h || h.fence.phase !== 'ok' || d.cluster.state(hostId) !== 'down') return undefined;
      return h.manual ? `${h.fence.by} (confirm-off)` : h.fence.by;
    },

    /** Cheap, for metrics: no VM lookups. */
    summary() {
      let fenceFailed = 0;
      for (const h of hosts.values()) if (h.fence.phase === 'failed') fenceFailed++;
      return {
        brakeEngaged: brake.engaged,
        lostHosts: hosts.size,
        fenceFailedHosts: fenceFailed,
        relocationsInFlight: inflight.size,
      };
    },

    status(): EvacuationStatus {
      const nowMs = d.mono();
      return {
        enabled: cfg.enabled,
        inStartupGrace: inGrace(),
        brake: { engaged: brake.engaged, by: brake.by, reason: brake.reason },
        relocationsInLastMinute:
          cfg.rate.perMinute - rateAvailable(rate, nowMs, cfg.rate.perMinute),
        hosts: [...hosts.entries()].map(([hostId, h]) => {
          const r = decide({
            ...baseInput(hostId, h),
            vms: d.vms
              .vmsOnHost(hostId)
              .map((v) => vmView(v, inflight.has(v.name), retryAt.get(v.name))),
          });
          return {
            hostId,
            state: d.cluster.state(hostId),
            fence: h.fence,
            manualFence: h.fence.phase === 'ok' && h.manual === true,
            fenceAgeMs: 'atMs' in h.fence ? Math.max(0, nowMs - h.fence.atMs) : 0,
            relocated: h.progress?.relocated ?? [],
            waiting: r.waiting,
          };
        }),
      };
    },
  };
}

export type EvacuationController = ReturnType<typeof createEvacuationController>;
