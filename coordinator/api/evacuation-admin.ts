import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { Log } from '../../lib/log.js';
import { assertName } from '../../lib/names.js';
import type { AdminHandlers } from '../../proto/gen/plinth/v1/Admin.js';
import type { EvacuationStatusResponse__Input } from '../../proto/gen/plinth/v1/EvacuationStatusResponse.js';
import type { EvacuationStatus } from '../evacuation/controller.js';
import { unary } from './admin-auth.js';

/** The part of the evacuation controller the Admin API calls (the controller satisfies it). */
export interface EvacuationAdminView {
  status(): EvacuationStatus;
  brake(
    action: 'engage' | 'release',
    who: string,
  ): { engaged: boolean; by: string | null; reason: string };
  confirmFenced(hostId: string, who: string): unknown;
}

export interface EvacuationAdminDeps {
  /** Absent when the coordinator runs without the VM service (and so without evacuation). */
  evacuation?: EvacuationAdminView;
  log: Log;
}

export type EvacuationAdminHandlers = Pick<
  AdminHandlers,
  'EvacuationStatus' | 'EvacuationBrake' | 'ConfirmHostOff'
>;

export function statusToWire(s: EvacuationStatus): EvacuationStatusResponse__Input {
  return {
    enabled: s.enabled,
    inStartupGrace: s.inStartupGrace,
    brakeEngaged: s.brake.engaged,
    brakeBy: s.brake.by ?? '',
    brakeReason: s.brake.reason,
    relocationsInLastMinute: s.relocationsInLastMinute,
    hosts: s.hosts.map((h) => ({
      hostId: h.hostId,
      state: h.state,
      fencePhase: h.fence.phase,
      fenceBy: h.fence.phase === 'ok' ? h.fence.by : '',
      fenceManual: h.manualFence,
      fenceAlreadyOff: h.fence.phase === 'ok' && h.fence.alreadyOff,
      fenceCode: h.fence.phase === 'failed' ? h.fence.code : '',
      fenceMessage: h.fence.phase === 'failed' ? h.fence.message : '',
      fenceAgeMs: h.fenceAgeMs,
      waiting: h.waiting.map((w) => ({ vm: w.vm, reason: w.reason, message: w.message })),
      relocated: h.relocated.map((r) => ({ vm: r.vm, toHost: r.to, atMs: r.atMs })),
    })),
  };
}

/** Host-loss RPCs (issue 10): a thin edge over the evacuation controller. */
export function createEvacuationAdmin(deps: EvacuationAdminDeps): EvacuationAdminHandlers {
  const { log } = deps;
  const need = (): EvacuationAdminView => {
    if (!deps.evacuation)
      throw new PlinthError(
        ErrorCodes.UNAVAILABLE,
        'this coordinator runs without the VM service, so there is no host-loss evacuation to show or steer',
      );
    return deps.evacuation;
  };
  return {
    EvacuationStatus: unary(log, 'EvacuationStatus', () => statusToWire(need().status())),
    EvacuationBrake: unary(log, 'EvacuationBrake', (req, who) => {
      const ctl = need();
      if (req.action !== 'hold' && req.action !== 'release')
        throw new PlinthError(
          ErrorCodes.INVALID_ARGUMENT,
          `brake action ${JSON.stringify(req.action.slice(0, 40))}: hold or release`,
        );
      log.warn({ rpc: 'EvacuationBrake', who, action: req.action }, 'evacuation brake');
      const b = ctl.brake(req.action === 'hold' ? 'engage' : 'release', who);
      return { engaged: b.engaged, by: b.by ?? '', reason: b.reason };
    }),
    ConfirmHostOff: unary(log, 'ConfirmHostOff', (req, who) => {
      const ctl = need();
      const id = assertName('hostId', req.id, 'host id');
      log.warn({ rpc: 'ConfirmHostOff', who, host: id }, 'operator confirms host powered off');
      ctl.confirmFenced(id, who);
      return {
        hostId: id,
        by: who,
        message: `${who} confirmed ${id} powered off; VMs whose policy restarts them elsewhere now move (unless the brake holds)`,
      };
    }),
  };
}
