import type * as grpc from '@grpc/grpc-js';
import { ErrorCodes, PlinthError, isPlinthError } from '../../lib/errors.js';
import type { Log } from '../../lib/log.js';
import type { HostState } from '../../lib/model.js';
import { assertName } from '../../lib/names.js';
import type { AdminHandlers } from '../../proto/gen/plinth/v1/Admin.js';
import type { DrainUpdate__Input } from '../../proto/gen/plinth/v1/DrainUpdate.js';
import type { Vm__Input } from '../../proto/gen/plinth/v1/Vm.js';
import type { VmPlacementResponse__Input } from '../../proto/gen/plinth/v1/VmPlacementResponse.js';
import type { Placement } from '../scheduler/types.js';
import type { ForceDeleteResult, ForceGate } from '../vms/force.js';
import type { DrainProgress, DrainResult, VmRecord, VmService, VmStatus } from '../vms/types.js';
import { requireAdmin, unary } from './admin-auth.js';
import { toServiceError } from './status.js';

/**
 * The Admin RPCs for VMs and host operations (issue 9): a thin edge over the
 * VmService. Wire types stop here (principle 8); the service validates specs,
 * this layer validates names and bounds and maps errors through status.ts.
 */
export interface VmAdminDeps {
  /** Absent when the coordinator runs without the VM service: every call says so. */
  vms?: VmService & {
    forceDelete?(name: string, gate: ForceGate, who: string): Promise<ForceDeleteResult>;
  };
  /** Host liveness, shown beside a VM's status: `running` on a down host is not running. */
  cluster?: { state(hostId: string): HostState };
  /** Who confirmed a down host powered off (the evacuation controller); for `delete --force`. */
  evacuation?: { fencedBy(hostId: string): string | undefined };
  log: Log;
  now?: () => number;
  /** Per-host verdicts sent in one answer; the filter summary always covers every host. */
  maxPlacementHosts?: number;
}

export type VmAdminHandlers = Pick<
  AdminHandlers,
  | 'CreateVm'
  | 'PlanVm'
  | 'ApplyPlan'
  | 'ListVms'
  | 'GetVm'
  | 'StartVm'
  | 'StopVm'
  | 'DeleteVm'
  | 'CordonHost'
  | 'DrainHost'
  | 'HostMaintenance'
>;

export const VM_STATUSES: readonly VmStatus[] = [
  'pending',
  'placed',
  'starting',
  'running',
  'stopping',
  'stopped',
  'migrating',
  'deleting',
  'failed',
];

export const DEFAULT_DRAIN_DEADLINE_MS = 10 * 60_000;
export const MAX_DRAIN_DEADLINE_MS = 24 * 3_600_000;
export const DEFAULT_DRAIN_PARALLEL = 4;
export const MAX_DRAIN_PARALLEL = 64;
// ~1.2 KB of JSON per verdict: 500 keeps an answer well under the 4 MiB message bound.
const DEFAULT_MAX_PLACEMENT_HOSTS = 500;
const TOKEN = /^[A-Za-z0-9._:-]{1,256}$/;

function bad(message: string): never {
  throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, message);
}

export function vmToWire(r: VmRecord, hostState?: (hostId: string) => HostState): Vm__Input {
  return {
    hostState: r.hostId && hostState ? hostState(r.hostId) : '',
    name: r.name,
    uuid: r.uuid,
    status: r.status,
    reason: r.reason,
    hostId: r.hostId ?? '',
    power: r.power,
    fenceToken: r.fenceToken,
    flags: r.flags,
    vcpus: r.spec?.vcpus ?? 0,
    memoryMib: r.spec?.memoryMiB ?? 0,
    createdMs: r.createdMs,
    updatedMs: r.updatedMs,
    specJson: r.spec ? JSON.stringify(r.spec) : '',
    placementJson: r.placement ? JSON.stringify(r.placement) : '',
  };
}

/** The placement as JSON with at most `max` host verdicts (chosen and best first, as sorted). */
export function placementToWire(
  p: Placement | undefined,
  max: number,
): { json: string; omitted: number } {
  if (!p) return { json: '', omitted: 0 };
  const hosts = Array.isArray(p.hosts) ? p.hosts : [];
  const omitted = Math.max(0, hosts.length - max);
  return { json: JSON.stringify(omitted ? { ...p, hosts: hosts.slice(0, max) } : p), omitted };
}

function isPlacement(v: unknown): v is Placement {
  return (
    !!v &&
    typeof v === 'object' &&
    typeof (v as Placement).ok === 'boolean' &&
    Array.isArray((v as Placement).hosts)
  );
}

/**
 * A rejection is an answer the operator must see as a table, so it travels as
 * ok=false rather than as a status whose details cannot hold the table. The
 * service may return a failed record with the placement, or throw with the
 * placement in the error's details: both land here.
 */
async function placementCall(
  fn: () => Promise<{ vm: VmRecord; placement: Placement }>,
  max: number,
): Promise<VmPlacementResponse__Input> {
  try {
    const { vm, placement } = await fn();
    const wire = placementToWire(placement, max);
    const ok = placement?.ok !== false;
    return {
      ok,
      vm: vm ? vmToWire(vm) : null,
      placementJson: wire.json,
      hostsOmitted: wire.omitted,
      message: placement?.message ?? '',
      code: ok ? '' : ErrorCodes.CAPACITY,
    };
  } catch (e) {
    const placement = isPlinthError(e) ? e.details?.placement : undefined;
    if (!isPlacement(placement)) throw e;
    const wire = placementToWire(placement, max);
    const vm = (e as PlinthError).details?.vm as VmRecord | undefined;
    return {
      ok: false,
      vm: vm && typeof vm === 'object' && 'name' in vm ? vmToWire(vm) : null,
      placementJson: wire.json,
      hostsOmitted: wire.omitted,
      message: (e as PlinthError).message,
      code: (e as PlinthError).code,
    };
  }
}

function vmName(v: string): string {
  return assertName('objectName', v, 'VM name');
}

function hostArg(v: string): string {
  return assertName('hostId', v, 'host id');
}

export function drainOptions(
  deadlineMs: number,
  parallel: number,
): { deadlineMs: number; parallel: number } {
  const d = deadlineMs || DEFAULT_DRAIN_DEADLINE_MS;
  const p = parallel || DEFAULT_DRAIN_PARALLEL;
  if (d > MAX_DRAIN_DEADLINE_MS)
    bad(`drain deadline ${d} ms is over the ${MAX_DRAIN_DEADLINE_MS} ms (24 h) limit`);
  if (p > MAX_DRAIN_PARALLEL)
    bad(`drain parallelism ${p} is over the limit of ${MAX_DRAIN_PARALLEL}`);
  return { deadlineMs: d, parallel: p };
}

function progressToWire(p: DrainProgress, atMs: number): DrainUpdate__Input {
  return {
    progress: {
      vm: p.vm,
      step: p.step,
      fromHost: p.fromHost,
      toHost: p.toHost ?? '',
      message: p.message,
      atMs,
    },
  };
}

function resultToWire(r: DrainResult): DrainUpdate__Input {
  return {
    result: {
      hostId: r.hostId,
      moved: r.moved,
      refused: r.refused,
      failed: r.failed,
      left: r.left,
    },
  };
}

/**
 * One drain-like stream: progress as it happens, then exactly one result. A client
 * that goes away does not stop the drain (the service has no abort): it finishes
 * at the coordinator and its moves show in `plinth vm list --host`.
 */
function drainStream<Req>(
  log: Log,
  name: string,
  now: () => number,
  run: (req: Req, who: string, onProgress: (p: DrainProgress) => void) => Promise<DrainResult>,
): grpc.handleServerStreamingCall<Req, DrainUpdate__Input> {
  return (call) => {
    let open = true;
    const stop = () => (open = false);
    call.on('cancelled', stop);
    call.on('close', stop);
    const write = (u: DrainUpdate__Input) => {
      if (open) call.write(u);
    };
    Promise.resolve()
      .then(() => run(call.request, requireAdmin(call), (p) => write(progressToWire(p, now()))))
      .then(
        (r) => {
          write(resultToWire(r));
          if (open) call.end();
        },
        (e: unknown) => {
          if (!isPlinthError(e))
            log.error({ rpc: name, err: (e as Error).message }, 'admin call failed');
          if (open) call.emit('error', toServiceError(e));
        },
      );
  };
}

export function createVmAdmin(deps: VmAdminDeps): VmAdminHandlers {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const max = deps.maxPlacementHosts ?? DEFAULT_MAX_PLACEMENT_HOSTS;
  const liveness = deps.cluster ? (h: string) => deps.cluster!.state(h) : undefined;
  const wire = (r: VmRecord) => vmToWire(r, liveness);
  const need = (): NonNullable<VmAdminDeps['vms']> => {
    if (!deps.vms)
      throw new PlinthError(
        ErrorCodes.UNAVAILABLE,
        'this coordinator runs without the VM service, so it cannot manage VMs: upgrade it, or check its log for why the service did not start',
      );
    return deps.vms;
  };

  return {
    CreateVm: unary(log, 'CreateVm', async (req, who) => {
      const vms = need();
      if (!req.specJson) bad('the VM spec is empty: send spec_json (a VmSpec as JSON)');
      const spec = parseSpec(req.specJson);
      log.info({ rpc: 'CreateVm', who, vm: (spec as { name?: unknown }).name }, 'create VM');
      return placementCall(() => vms.create(spec), max);
    }),
    PlanVm: unary(log, 'PlanVm', (req) => {
      const vms = need();
      if (!req.specJson) bad('the VM spec is empty: send spec_json (a VmSpec as JSON)');
      const spec = parseSpec(req.specJson);
      try {
        const r = vms.plan(spec);
        const wire = placementToWire(r.placement, max);
        return {
          ok: r.placement.ok,
          token: r.token,
          placementJson: wire.json,
          hostsOmitted: wire.omitted,
          expiresMs: r.expiresMs,
          message: r.placement.message,
        };
      } catch (e) {
        const placement = isPlinthError(e) ? e.details?.placement : undefined;
        if (!isPlacement(placement)) throw e;
        const wire = placementToWire(placement, max);
        return {
          ok: false,
          token: '',
          placementJson: wire.json,
          hostsOmitted: wire.omitted,
          expiresMs: 0,
          message: (e as PlinthError).message,
        };
      }
    }),
    ApplyPlan: unary(log, 'ApplyPlan', (req, who) => {
      const vms = need();
      if (!TOKEN.test(req.token))
        bad(
          `plan token ${JSON.stringify(req.token.slice(0, 80))} is not a token printed by plinth plan`,
        );
      log.info({ rpc: 'ApplyPlan', who }, 'apply plan');
      return placementCall(() => vms.apply(req.token), max);
    }),
    ListVms: unary(log, 'ListVms', (req) => {
      const vms = need();
      const filter: { hostId?: string; status?: VmStatus } = {};
      if (req.hostId) filter.hostId = hostArg(req.hostId);
      if (req.status) {
        if (!VM_STATUSES.includes(req.status as VmStatus))
          bad(`VM status ${JSON.stringify(req.status)}: one of ${VM_STATUSES.join(', ')}`);
        filter.status = req.status as VmStatus;
      }
      return { vms: vms.list(filter).map(wire) };
    }),
    GetVm: unary(log, 'GetVm', (req) => {
      const r = need().get(vmName(req.name));
      return {
        vm: wire(r),
        history: (r.history ?? []).map((h) => ({
          atMs: h.atMs,
          status: h.status,
          hostId: h.hostId,
          message: h.message,
        })),
      };
    }),
    StartVm: unary(log, 'StartVm', async (req, who) => {
      const vms = need();
      log.info({ rpc: 'StartVm', who, vm: req.name }, 'start VM');
      return wire(await vms.start(vmName(req.name)));
    }),
    StopVm: unary(log, 'StopVm', async (req, who) => {
      const vms = need();
      log.info({ rpc: 'StopVm', who, vm: req.name }, 'stop VM');
      return wire(await vms.stop(vmName(req.name)));
    }),
    DeleteVm: unary(log, 'DeleteVm', async (req, who) => {
      const vms = need();
      const name = vmName(req.name);
      if (req.force) {
        if (!vms.forceDelete || !deps.cluster)
          throw new PlinthError(
            ErrorCodes.UNAVAILABLE,
            'this coordinator cannot force-delete VMs (no liveness or evacuation state wired)',
          );
        const cluster = deps.cluster;
        const fenced = deps.evacuation;
        log.warn({ rpc: 'DeleteVm', who, vm: name, force: true }, 'force-delete VM');
        const r = await vms.forceDelete(
          name,
          { hostState: (h) => cluster.state(h), fencedBy: (h) => fenced?.fencedBy(h) },
          who,
        );
        return { name, message: r.message };
      }
      log.info({ rpc: 'DeleteVm', who, vm: name }, 'delete VM');
      await vms.delete(name);
      return { name, message: '' };
    }),
    CordonHost: unary(log, 'CordonHost', (req, who) => {
      const vms = need();
      const id = hostArg(req.hostId);
      if (req.reason.length > 512) bad('cordon reason is over 512 characters');
      log.info({ rpc: 'CordonHost', who, host: id, cordoned: req.cordoned }, 'cordon host');
      vms.cordon(
        id,
        req.cordoned,
        req.reason || `${req.cordoned ? 'cordoned' : 'uncordoned'} by ${who}`,
      );
      return { hostId: id, cordoned: req.cordoned };
    }),
    DrainHost: drainStream(log, 'DrainHost', now, (req, who, onProgress) => {
      const vms = need();
      const id = hostArg(req.hostId);
      const opts = drainOptions(req.deadlineMs, req.parallel);
      log.info({ rpc: 'DrainHost', who, host: id, ...opts }, 'drain host');
      return vms.drain(id, opts, onProgress);
    }),
    HostMaintenance: drainStream(log, 'HostMaintenance', now, (req, who, onProgress) => {
      const vms = need();
      const id = hostArg(req.hostId);
      if (req.action !== 'enter' && req.action !== 'exit')
        bad(`maintenance action ${JSON.stringify(req.action)}: enter or exit`);
      const opts = drainOptions(req.deadlineMs, req.parallel);
      log.info(
        { rpc: 'HostMaintenance', who, host: id, action: req.action, ...opts },
        'maintenance',
      );
      return vms.maintenance(id, req.action, opts, onProgress);
    }),
  };
}

// The service validates the spec's content; here only that it is a JSON object of bounded size.
const MAX_SPEC_BYTES = 64 * 1024;
function parseSpec(text: string): Record<string, unknown> {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_SPEC_BYTES)
    bad(`the VM spec is ${size} bytes, over the ${MAX_SPEC_BYTES}-byte limit`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    bad(`the VM spec is not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad('the VM spec is not a JSON object');
  return v as Record<string, unknown>;
}
