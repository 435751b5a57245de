import * as grpc from '@grpc/grpc-js';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/json.js';
import type { Log } from '../../lib/log.js';
import { assertName, isValidName } from '../../lib/names.js';
import type { AdminHandlers } from '../../proto/gen/plinth/v1/Admin.js';
import type { HostSummary__Input } from '../../proto/gen/plinth/v1/HostSummary.js';
import type { Event__Input } from '../../proto/gen/plinth/v1/Event.js';
import type { Cluster } from '../cluster/cluster.js';
import type { BmcRow, CoordinatorStore, HostRow, StoredEvent } from '../store/store.js';
import { trustOf, type FencingService } from '../fencing/service.js';
import { requireAdmin, unary } from './admin-auth.js';
import { toServiceError } from './status.js';
import { createVmAdmin } from './vm-admin.js';
import { createEvacuationAdmin } from './evacuation-admin.js';
import type { EvacuationController } from '../evacuation/controller.js';
import type { VmServiceHandle } from '../vms/service.js';
import { eventToWire, parseJsonField } from './wire.js';

export interface AdminDeps {
  store: CoordinatorStore;
  cluster: Cluster;
  log: Log;
  fencing: FencingService;
  /** The VM service; SetDesired then sets the host's base document and VMs are composed over it. */
  vms?: VmServiceHandle;
  /** Host-loss evacuation: its status, brake and confirm-off RPCs; fence state for force delete. */
  evacuation?: EvacuationController;
}

const MAX_COMMAND_TIMEOUT_MS = 3_600_000;

export function hostSummary(
  h: HostRow,
  cluster: Cluster,
  desiredGeneration: number,
  objects: { kind: string; id: string; data: JsonObject }[],
): HostSummary__Input {
  const inv = h.inventory as {
    cpu?: { model?: string; threads?: number };
    memory?: { totalBytes?: number };
    os?: { kernel?: string };
  };
  const drivers = objects
    .filter((o) => o.kind === 'driver')
    .map((o) => ({
      name: o.id,
      health: String(o.data.health ?? ''),
      code: String(o.data.code ?? ''),
      message: String(o.data.message ?? ''),
    }));
  const conditions = objects
    .filter((o) => o.kind === 'condition')
    .map((o) => ({
      type: String(o.data.type ?? ''),
      status: o.data.status === true,
      reason: String(o.data.reason ?? ''),
      message: String(o.data.message ?? ''),
      source: String(o.data.source ?? ''),
    }));
  return {
    id: h.id,
    state: cluster.state(h.id),
    connected: cluster.sessions.has(h.id),
    lastSeenAgeMs: cluster.lastSeenAgeMs(h.id),
    labels: h.labels,
    version: h.version,
    desiredGeneration,
    appliedGeneration: h.appliedGeneration,
    conditions,
    drivers,
    cpuModel: inv.cpu?.model ?? '',
    cpuThreads: inv.cpu?.threads ?? 0,
    memoryBytes: inv.memory?.totalBytes ?? 0,
    kernel: inv.os?.kernel ?? '',
    stateSinceMs: h.stateSinceMs,
  };
}

function statusObjects(store: CoordinatorStore, hostId: string) {
  return [...store.objectsOfKind(hostId, 'driver'), ...store.objectsOfKind(hostId, 'condition')];
}

function bmcInfo(r: BmcRow) {
  return {
    hostId: r.hostId,
    protocol: r.protocol,
    address: r.address,
    user: r.user,
    trust: trustOf(r),
    updatedMs: r.updatedMs,
  };
}

export function createAdmin(deps: AdminDeps): AdminHandlers {
  const { store, cluster, log, fencing } = deps;
  const summary = (h: HostRow) =>
    hostSummary(h, cluster, store.getDesired(h.id)?.generation ?? 0, statusObjects(store, h.id));
  const hostArg = (id: string) => assertName('hostId', id, 'host id');

  return {
    ...createVmAdmin(deps),
    ...createEvacuationAdmin(deps),
    ListHosts: unary(log, 'ListHosts', (req) => {
      const want = Object.entries(req.labels ?? {});
      return {
        hosts: store
          .listHosts()
          .filter((h) => want.every(([k, v]) => h.labels[k] === v))
          .map(summary),
      };
    }),
    GetHost: unary(log, 'GetHost', (req) => {
      const h = store.requireHost(hostArg(req.id));
      return {
        summary: summary(h),
        inventory: h.inventory as never,
        objects: store.objects(h.id).map((o) => ({
          kind: o.kind,
          id: o.id,
          dataJson: JSON.stringify(o.data),
          deleted: false,
        })),
        lastResults: h.appliedResults.map((r) => ({
          kind: r.kind,
          id: r.id,
          ok: r.ok,
          action: r.action ?? '',
          code: r.code ?? '',
          message: r.message ?? '',
        })),
      };
    }),
    LabelHost: unary(log, 'LabelHost', (req, who) => {
      const id = hostArg(req.id);
      for (const [k, v] of Object.entries(req.set ?? {})) {
        assertName('labelKey', k, 'label key');
        if (!isValidName('labelValue', v))
          throw new PlinthError(
            ErrorCodes.INVALID_ARGUMENT,
            `label value ${JSON.stringify(v)} for ${k}: letters, digits, . _ : - only, at most 63`,
          );
      }
      for (const k of req.remove ?? []) assertName('labelKey', k, 'label key');
      const h = store.setLabels(id, req.set ?? {}, req.remove ?? []);
      const ev = store.addEvent(id, {
        type: 'host.labels',
        severity: 'info',
        message: `labels of ${id} changed by ${who}`,
        data: { set: req.set ?? {}, remove: req.remove ?? [] },
      });
      cluster.publish([ev]);
      return summary(h);
    }),
    SetDesired: unary(log, 'SetDesired', (req, who) => {
      const id = hostArg(req.id);
      const spec = parseJsonField(req.specJson, 'desired spec');
      // With the VM service, the operator's document is the base the host's VMs are
      // composed over; without it (tests of the API alone) it is the whole document.
      const { generation, spec: composed } = deps.vms
        ? deps.vms.setBaseDesired(id, spec, req.expectGeneration)
        : { ...store.setDesired(id, spec, req.expectGeneration), spec };
      const ev = store.addEvent(id, {
        type: 'host.desired',
        severity: 'info',
        message: `desired state of ${id} set to generation ${generation} by ${who}`,
        data: { generation },
      });
      cluster.publish([ev]);
      if (!deps.vms) cluster.sessions.get(id)?.sendDesired(generation, JSON.stringify(spec));
      const h = store.requireHost(id);
      return {
        hostId: id,
        generation,
        specJson: JSON.stringify(composed),
        appliedGeneration: h.appliedGeneration,
        results: [],
      };
    }),
    GetDesired: unary(log, 'GetDesired', (req) => {
      const id = hostArg(req.id);
      const h = store.requireHost(id);
      const d = store.getDesired(id);
      return {
        hostId: id,
        generation: d?.generation ?? 0,
        specJson: JSON.stringify(d?.spec ?? {}),
        appliedGeneration: h.appliedGeneration,
        results: h.appliedResults.map((r) => ({
          kind: r.kind,
          id: r.id,
          ok: r.ok,
          action: r.action ?? '',
          code: r.code ?? '',
          message: r.message ?? '',
        })),
      };
    }),
    RunCommand: unary(log, 'RunCommand', async (req, who) => {
      const id = hostArg(req.hostId);
      store.requireHost(id);
      if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(req.kind))
        throw new PlinthError(
          ErrorCodes.INVALID_ARGUMENT,
          `command kind ${JSON.stringify(req.kind)} is not valid`,
        );
      parseJsonField(req.argsJson, 'command arguments');
      const session = cluster.sessions.get(id);
      if (!session)
        throw new PlinthError(
          ErrorCodes.UNAVAILABLE,
          `host ${id} is not connected (state ${cluster.state(id)}); the command was not sent`,
        );
      const timeout = Math.min(req.timeoutMs || 120_000, MAX_COMMAND_TIMEOUT_MS);
      const started = store.addEvent(id, {
        type: 'command.start',
        severity: 'info',
        message: `${req.kind} on ${id} requested by ${who}`,
      });
      cluster.publish([started]);
      const r = await session.runCommand(req.kind, req.argsJson || '{}', timeout);
      const done = store.addEvent(id, {
        type: 'command.result',
        severity: r.ok ? 'info' : 'warning',
        message: `${req.kind} on ${id}: ${r.ok ? 'succeeded' : `failed: ${r.message}`}`,
        data: { ok: r.ok, code: r.code },
      });
      cluster.publish([done]);
      return { id: '', ok: r.ok, code: r.code, message: r.message, resultJson: r.resultJson };
    }),
    ListEvents: unary(log, 'ListEvents', (req) => {
      const limit = Math.min(req.limit || 100, 10_000);
      const host = req.hostId ? hostArg(req.hostId) : undefined;
      const events = req.afterId
        ? store.listEvents(req.afterId, limit, host)
        : store.tailEvents(limit, host);
      return { events: events.map(eventToWire) };
    }),
    SetBmc: unary(log, 'SetBmc', (req, who) =>
      bmcInfo(
        fencing.setBmc(
          {
            hostId: req.hostId,
            protocol: req.protocol,
            address: req.address,
            user: req.user,
            password: req.password,
            caPem: req.caPem || undefined,
            pinnedSha256: req.pinnedSha256 || undefined,
            insecureSkipVerify: req.insecureSkipVerify,
            cipherSuite: req.cipherSuite || undefined,
          },
          who,
        ),
      ),
    ),
    GetBmc: unary(log, 'GetBmc', (req) => bmcInfo(fencing.getBmc(hostArg(req.id)))),
    Power: unary(log, 'Power', async (req, who) =>
      fencing.power(hostArg(req.hostId), req.action, who),
    ),
    Fence: unary(log, 'Fence', async (req, who) => {
      const o = await fencing.fenceHost(hostArg(req.id), who);
      return {
        ok: o.ok,
        alreadyOff: o.alreadyOff,
        powerState: o.powerState,
        elapsedMs: o.elapsedMs,
        code: o.code ?? '',
        message: o.message,
        attempts: o.attempts.map((a) => ({
          ...a,
          powerState: a.powerState ?? '',
          alreadyOff: !!a.alreadyOff,
          code: a.code ?? '',
          message: a.message ?? '',
        })),
      };
    }),
    WatchEvents(
      call: grpc.ServerWritableStream<
        { afterId: number; limit: number; hostId: string },
        Event__Input
      >,
    ) {
      try {
        requireAdmin(call);
      } catch (e) {
        call.emit('error', toServiceError(e));
        return;
      }
      const host = call.request.hostId || undefined;
      let last = call.request.afterId;
      // Backlog first (bounded pages), then live events; ids never go backwards.
      for (let page = 0; page < 1000 && last > 0; page++) {
        const batch = store.listEvents(last, 1000, host);
        for (const e of batch) call.write(eventToWire(e));
        if (batch.length < 1000) {
          last = batch.at(-1)?.id ?? last;
          break;
        }
        last = batch.at(-1)!.id;
      }
      const onEvent = (e: StoredEvent) => {
        if (e.id <= last || (host && e.hostId !== host)) return;
        last = e.id;
        call.write(eventToWire(e));
      };
      cluster.on('event', onEvent);
      const stop = () => cluster.off('event', onEvent);
      call.on('cancelled', stop);
      call.on('close', stop);
      call.on('error', stop);
    },
  };
}
