import { randomBytes, randomUUID } from 'node:crypto';
import { ErrorCodes, PlinthError, toPlinthError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/json.js';
import { assertName } from '../../lib/names.js';
import type { Placement } from '../scheduler/types.js';
import { parseNetworks, type VmsConfig } from './config.js';
import { Batch, toRecord, trimPlacement, VmCore, type VmServiceDeps } from './core.js';
import { DesiredWriter } from './desired.js';
import { checkDrainOptions, runDrain } from './drain.js';
import { forceDeleteVm, type ForceDeleteResult, type ForceGate } from './force.js';
import { placeElsewhere, restoreOnOldHost } from './moves.js';
import { StatusLoop } from './reconcile.js';
import { parseVmSpec, placementRequest, type SpecContext } from './spec.js';
import { VmStore, type DrainRow, type VmRow } from './store.js';
import type {
  DrainProgress,
  DrainResult,
  PlanResult,
  VmDirectory,
  VmHistoryEntry,
  VmRecord,
  VmService,
  VmSpec,
  VmStatus,
} from './types.js';

export interface VmServiceHandle extends VmService, VmDirectory {
  /** Admin SetDesired: the operator's base document for a host; VMs are composed over it. */
  setBaseDesired(
    hostId: string,
    spec: JsonObject,
    expectGeneration?: number,
  ): { generation: number; spec: JsonObject };
  /** The operator's base document alone (what `setBaseDesired` stored), without the VMs. */
  getBaseDesired(hostId: string): JsonObject;
  /** Start the status loop and resume drains a previous coordinator left unfinished. */
  run(): void;
  close(): void;
  /** For tests: run one status pass over every host with VMs now. */
  reconcileNow(): void;
  /** `vm delete --force`: forget a VM whose host is down and fenced (or that has none). */
  forceDelete(name: string, gate: ForceGate, who: string): Promise<ForceDeleteResult>;
}

const CEPH_ENTER = 'ceph.maintenance.enter';
const CEPH_EXIT = 'ceph.maintenance.exit';

function notFound(name: string): PlinthError {
  return new PlinthError(ErrorCodes.NOT_FOUND, `no VM "${name}" (see \`plinth vm list\`)`, {
    vm: name,
  });
}

export function createVmService(deps: VmServiceDeps, config: VmsConfig): VmServiceHandle {
  const networks = parseNetworks(config.networks);
  const now = deps.now ?? Date.now;
  const vms = new VmStore(deps.store.db, now);
  const cephConfigured = config.ceph.monitors.length > 0;
  const writer = new DesiredWriter(deps.store, vms, {
    networks,
    defaultDomainType: config.defaultDomainType,
    restartPolicy: config.restartPolicy,
    ceph: config.ceph,
  });
  const core = new VmCore(deps, vms, writer, config);
  const { engine, store, cluster } = deps;
  const loop = new StatusLoop(core, engine);
  core.touched = (h) => loop.mark(h);
  const specCtx: SpecContext = {
    networks,
    defaultDomainType: config.defaultDomainType,
    ...(cephConfigured ? { cephPools: config.ceph.pools } : {}),
  };
  const activeDrains = new Set<string>();

  const requireVm = (name: string): VmRow => {
    assertName('objectName', name, 'VM name');
    const vm = vms.get(name);
    if (!vm) throw notFound(name);
    return vm;
  };

  const refuseBusy = (vm: VmRow, what: string) => {
    if (vm.status === 'deleting' || vm.status === 'migrating')
      throw new PlinthError(
        ErrorCodes.CONFLICT,
        `cannot ${what} VM ${vm.name}: it is ${vm.status} (${vm.reason}); wait until that finishes`,
        { vm: vm.name, status: vm.status },
      );
  };

  /**
   * `plan`: a plan being applied; its fingerprint is checked, and its token used up,
   * inside the claim's transaction.
   */
  async function createFrom(
    spec: VmSpec,
    plan?: { token: string; fingerprint: string },
  ): Promise<{ vm: VmRecord; placement: Placement }> {
    if (vms.get(spec.name))
      throw new PlinthError(ErrorCodes.CONFLICT, `a VM named "${spec.name}" already exists`, {
        vm: spec.name,
      });
    const uuid = randomUUID();
    const b = new Batch();
    const placement = await engine.place(
      placementRequest(spec, config.defaultDomainType),
      (p) => {
        if (!p.ok || !p.hostId) return;
        if (plan) vms.deletePlan(plan.token);
        if (vms.get(spec.name))
          throw new PlinthError(ErrorCodes.CONFLICT, `a VM named "${spec.name}" already exists`);
        const t = now();
        const vm: VmRow = {
          name: spec.name,
          uuid,
          spec,
          status: 'pending',
          reason: '',
          hostId: p.hostId,
          power: 'running',
          fenceToken: vms.allocFenceToken(),
          flags: [],
          placement: trimPlacement(p),
          createdMs: t,
          updatedMs: t,
          desiredGeneration: 0,
          moveFrom: '',
        };
        vms.insert(vm);
        vm.desiredGeneration = core.writeHost(b, p.hostId).generation;
        core.setStatus(b, vm, 'placed', p.message, p.hostId);
      },
      plan ? { fingerprint: plan.fingerprint } : {},
    );
    if (!placement.ok || !placement.hostId)
      throw new PlinthError(ErrorCodes.CAPACITY, `VM ${spec.name}: ${placement.message}`, {
        placement,
      });
    core.flush(b);
    return { vm: toRecord(vms.get(spec.name)!), placement };
  }

  /** Power change: a new generation, status follows observation. */
  function setPower(name: string, power: 'running' | 'stopped'): VmRecord {
    return core.tx((b) => {
      const vm = requireVm(name);
      refuseBusy(vm, power === 'running' ? 'start' : 'stop');
      const retry = power === 'running' && vm.status === 'failed';
      if (vm.power === power && !retry) return toRecord(vm);
      vm.power = power;
      vm.updatedMs = now();
      vms.update(vm);
      const w = core.writeHost(b, vm.hostId!, retry);
      vm.desiredGeneration = w.generation;
      core.setStatus(
        b,
        vm,
        power === 'running' ? 'starting' : 'stopping',
        `${power === 'running' ? (retry ? 'retry requested' : 'start requested') : 'stop requested'} (generation ${w.generation})`,
      );
      return toRecord(vm);
    });
  }

  function hostRunsCeph(hostId: string): boolean {
    return store
      .objectsOfKind(hostId, 'driver')
      .some((o) => o.id === 'ceph' && o.data.health !== 'undetected');
  }

  async function cephStep(
    hostId: string,
    kind: string,
    args: JsonObject,
    onProgress: (p: DrainProgress) => void,
  ): Promise<{ ok: boolean; message: string }> {
    const session = cluster.sessions.get(hostId);
    if (!session)
      return { ok: false, message: `host ${hostId} is not connected: ${kind} was not sent` };
    onProgress({ vm: '', step: kind, fromHost: hostId, message: `${kind} on ${hostId}` });
    const r = await session.runCommand(
      kind,
      JSON.stringify(args),
      config.maintenanceCommandTimeoutSeconds * 1000,
    );
    const message = r.ok ? `${kind} succeeded` : `${kind} failed: ${r.code}: ${r.message}`;
    onProgress({ vm: '', step: r.ok ? 'done' : 'failed', fromHost: hostId, message });
    core.tx((b) =>
      core.event(b, hostId, {
        type: 'host.maintenance',
        severity: r.ok ? 'info' : 'warning',
        message: `host ${hostId}: ${message}`,
        data: { step: kind, ok: r.ok },
      }),
    );
    return { ok: r.ok, message };
  }

  function setSched(
    hostId: string,
    patch: { cordoned?: boolean; maintenance?: string; reason?: string },
  ) {
    core.tx((b) => {
      const cur = vms.sched(hostId);
      const next = { ...cur, ...patch };
      vms.setSched(next);
      if (cur.cordoned !== next.cordoned || cur.maintenance !== next.maintenance)
        core.event(b, hostId, {
          type: 'host.schedulable',
          severity: 'info',
          message: `host ${hostId}: ${next.cordoned ? 'cordoned' : 'schedulable'}${next.maintenance ? `, maintenance ${next.maintenance}` : ''}${next.reason ? ` (${next.reason})` : ''}`,
          data: { cordoned: next.cordoned, maintenance: next.maintenance },
        });
    });
    engine.invalidateHost(hostId);
  }

  async function drainWith(
    row: DrainRow,
    onProgress: (p: DrainProgress) => void,
  ): Promise<DrainResult> {
    if (activeDrains.has(row.hostId))
      throw new PlinthError(ErrorCodes.CONFLICT, `a drain of ${row.hostId} is already running`);
    activeDrains.add(row.hostId);
    try {
      core.tx(() => vms.putDrain(row));
      const result = await runDrain(core, engine, row, onProgress);
      let failedCeph: string | undefined;
      if (row.purpose === 'maintenance') {
        const clean = result.left.length + result.refused.length + result.failed.length === 0;
        if (!clean) {
          failedCeph = `maintenance not entered: ${result.left.length + result.refused.length + result.failed.length} VM(s) are still on ${row.hostId}`;
        } else if (hostRunsCeph(row.hostId)) {
          const r = await cephStep(row.hostId, CEPH_ENTER, {}, onProgress);
          if (!r.ok) failedCeph = r.message;
        }
        setSched(
          row.hostId,
          failedCeph
            ? { maintenance: '', reason: failedCeph }
            : { maintenance: 'in', reason: 'maintenance' },
        );
        if (failedCeph) result.failed.push({ vm: '(maintenance)', reason: failedCeph });
      }
      core.tx((b) => {
        vms.deleteDrain(row.hostId);
        core.event(b, row.hostId, {
          type: 'host.drain',
          severity:
            result.failed.length + result.refused.length + result.left.length ? 'warning' : 'info',
          message: `${row.purpose} of ${row.hostId}: ${result.moved.length} moved, ${result.refused.length} refused, ${result.failed.length} failed, ${result.left.length} left`,
          data: {
            moved: result.moved,
            refused: result.refused.map((r) => r.vm),
            failed: result.failed.map((r) => r.vm),
            left: result.left,
          },
        });
      });
      return result;
    } finally {
      activeDrains.delete(row.hostId);
    }
  }

  function refuseSecondDrain(hostId: string): void {
    if (activeDrains.has(hostId))
      throw new PlinthError(ErrorCodes.CONFLICT, `a drain of ${hostId} is already running`);
  }

  function requireHost(hostId: string): void {
    assertName('hostId', hostId, 'host id');
    store.requireHost(hostId);
  }

  const service: VmServiceHandle = {
    async create(raw) {
      return createFrom(parseVmSpec(raw, specCtx));
    },

    plan(raw) {
      const spec = parseVmSpec(raw, specCtx);
      if (vms.get(spec.name))
        throw new PlinthError(ErrorCodes.CONFLICT, `a VM named "${spec.name}" already exists`);
      const placement = engine.preview(placementRequest(spec, config.defaultDomainType));
      const token = randomBytes(12).toString('base64url');
      const t = now();
      const expiresMs = t + config.planTtlSeconds * 1000;
      core.tx(() => {
        vms.prunePlans(t);
        vms.insertPlan({ token, spec, fingerprint: engine.fingerprint(), createdMs: t, expiresMs });
      });
      return { token, placement, expiresMs } satisfies PlanResult;
    },

    async apply(token) {
      if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(token))
        throw new PlinthError(
          ErrorCodes.INVALID_ARGUMENT,
          `${JSON.stringify(token)} is not a plan token`,
        );
      const plan = vms.getPlan(token);
      if (!plan)
        throw new PlinthError(
          ErrorCodes.NOT_FOUND,
          `no plan ${token}: it was applied already, or expired (plans live ${config.planTtlSeconds} s); run \`plinth plan\` again`,
        );
      if (now() > plan.expiresMs) {
        core.tx(() => vms.deletePlan(token));
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          `plan ${token} expired ${Math.round((now() - plan.expiresMs) / 1000)} s ago; run \`plinth plan\` again`,
        );
      }
      const fp = engine.fingerprint();
      if (fp !== plan.fingerprint)
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          `the cluster changed since plan ${token} was made (hosts, claims or cordons), so its table may no longer hold; run \`plinth plan\` again to see the new one`,
          { planned: plan.fingerprint, current: fp },
        );
      // Checked again: the config (networks, Ceph pools) may have changed since the plan.
      // The fingerprint is checked again inside the claim's transaction (a placement may
      // commit between here and there); the token is used up only by a create that commits.
      return createFrom(parseVmSpec(plan.spec, specCtx), { token, fingerprint: plan.fingerprint });
    },

    list(filter = {}) {
      return vms.list(filter).map(toRecord);
    },

    get(name) {
      const vm = requireVm(name);
      const history: VmHistoryEntry[] = vms.history(name);
      return { ...toRecord(vm), history };
    },

    async start(name) {
      return setPower(name, 'running');
    },

    async stop(name) {
      return setPower(name, 'stopped');
    },

    async delete(name) {
      const vm0 = requireVm(name);
      refuseBusy({ ...vm0, status: vm0.status === 'deleting' ? 'running' : vm0.status }, 'delete');
      if (vm0.status !== 'deleting')
        core.tx((b) => {
          const vm = requireVm(name);
          core.setStatus(
            b,
            vm,
            'deleting',
            "delete requested: removed from the host's desired state",
          );
          vm.desiredGeneration = core.writeHost(b, vm.hostId!, true).generation;
          vms.update(vm);
        });
      const deadline = now() + config.deleteTimeoutSeconds * 1000;
      const gone = await core.waitUntil(() => !vms.get(name), deadline);
      if (!gone) {
        const vm = vms.get(name);
        throw new PlinthError(
          ErrorCodes.TIMEOUT,
          `VM ${name} was removed from ${vm?.hostId ?? 'its host'}'s desired state, but the host has not confirmed the domain gone within ${config.deleteTimeoutSeconds} s (host ${vm?.hostId ? cluster.state(vm.hostId) : 'unknown'}); it stays 'deleting' and is deleted once the host confirms`,
          { vm: name },
        );
      }
    },

    cordon(hostId, cordoned, reason) {
      requireHost(hostId);
      const cur = vms.sched(hostId);
      if (!cordoned && cur.maintenance)
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          `host ${hostId} is in maintenance (${cur.maintenance}): run \`plinth host maintenance ${hostId} exit\` instead`,
        );
      setSched(hostId, { cordoned, reason: cordoned ? (reason ?? 'cordoned') : '' });
    },

    async drain(hostId, opts, onProgress) {
      requireHost(hostId);
      checkDrainOptions(opts);
      refuseSecondDrain(hostId);
      setSched(hostId, { cordoned: true, reason: 'draining' });
      return drainWith(
        {
          hostId,
          purpose: 'drain',
          deadlineMs: now() + opts.deadlineMs,
          parallel: opts.parallel,
          startedMs: now(),
        },
        onProgress,
      );
    },

    async maintenance(hostId, action, opts, onProgress) {
      requireHost(hostId);
      if (action === 'enter') {
        checkDrainOptions(opts);
        refuseSecondDrain(hostId);
        setSched(hostId, {
          cordoned: true,
          maintenance: 'entering',
          reason: 'entering maintenance',
        });
        return drainWith(
          {
            hostId,
            purpose: 'maintenance',
            deadlineMs: now() + opts.deadlineMs,
            parallel: opts.parallel,
            startedMs: now(),
          },
          onProgress,
        );
      }
      if (action !== 'exit')
        throw new PlinthError(
          ErrorCodes.INVALID_ARGUMENT,
          `maintenance action must be enter or exit, got ${String(action)}`,
        );
      const result: DrainResult = { hostId, moved: [], refused: [], failed: [], left: [] };
      if (activeDrains.has(hostId))
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          `host ${hostId} is still being drained; wait for it, then exit`,
        );
      if (hostRunsCeph(hostId)) {
        const r = await cephStep(hostId, CEPH_EXIT, {}, onProgress);
        if (!r.ok) {
          result.failed.push({ vm: '(ceph)', reason: r.message });
          return result;
        }
      }
      setSched(hostId, { cordoned: false, maintenance: '', reason: '' });
      onProgress({
        vm: '',
        step: 'done',
        fromHost: hostId,
        message: `${hostId} is schedulable again`,
      });
      return result;
    },

    vmsOnHost(hostId) {
      return vms.list({ hostId }).map(toRecord);
    },

    async relocate(name, opts) {
      const vm = vms.get(name);
      if (!vm) return { ok: false, message: `no VM ${name}` };
      if (vm.status === 'deleting') return { ok: false, message: `VM ${name} is being deleted` };
      const r = await placeElsewhere(core, engine, name, {
        excludeHosts: opts.excludeHosts,
        reason: opts.reason,
        mode: 'relocate',
      });
      return r.ok
        ? { ok: true, hostId: r.hostId!, message: r.message }
        : { ok: false, message: r.message };
    },

    flag(name, flag, message) {
      core.tx((b) => {
        const vm = vms.get(name);
        if (!vm) throw notFound(name);
        if (!vm.flags.includes(flag)) vm.flags = [...vm.flags, flag].sort();
        vm.updatedMs = now();
        vms.update(vm);
        vms.addHistory(name, vm.status, vm.hostId ?? '', `flagged ${flag}: ${message}`);
        core.event(b, vm.hostId ?? '', {
          type: 'vm.flag',
          severity: 'warning',
          message: `vm ${name} flagged ${flag}: ${message}`,
          object: { kind: 'vm', id: name },
          data: { vm: name, flag },
        });
      });
    },

    unflag(name, flag) {
      core.tx((b) => {
        const vm = vms.get(name);
        if (!vm || !vm.flags.includes(flag)) return;
        vm.flags = vm.flags.filter((f) => f !== flag);
        vm.updatedMs = now();
        vms.update(vm);
        vms.addHistory(name, vm.status, vm.hostId ?? '', `flag ${flag} cleared`);
        core.event(b, vm.hostId ?? '', {
          type: 'vm.flag',
          severity: 'info',
          message: `vm ${name}: flag ${flag} cleared`,
          object: { kind: 'vm', id: name },
          data: { vm: name, flag, cleared: true },
        });
      });
    },

    setBaseDesired(hostId, spec, expectGeneration = 0) {
      return core.tx((b) => {
        store.desiredGeneration(hostId, expectGeneration);
        // The base is the operator's part only: an edited `desired show` carries the
        // VMs' domains and assignments, which must not outlive the VMs' moves.
        vms.setBase(hostId, writer.cleanBase(hostId, spec, 'refuse').base);
        const w = core.writeHost(b, hostId, true);
        return { generation: w.generation, spec: JSON.parse(w.json) as JsonObject };
      });
    },

    getBaseDesired(hostId) {
      store.requireHostId(hostId);
      return writer.cleanBase(hostId, writer.base(hostId), 'strip').base;
    },

    run() {
      loop.start();
      // Drains a previous coordinator left: resume them until their deadline, or report them.
      for (const row of vms.drains()) {
        const log = (p: DrainProgress) =>
          deps.log.info({ host: row.hostId, ...p }, 'drain (resumed)');
        if (now() >= row.deadlineMs) {
          // A VM whose stop the host never confirmed was placed nowhere else: left
          // 'migrating' it would refuse stop/start/delete forever. It stays where it
          // is, as the drain itself does at its deadline.
          const stuck = vms
            .onHost(row.hostId)
            .filter((v) => v.status === 'migrating' && v.moveFrom === row.hostId);
          for (const v of stuck)
            restoreOnOldHost(
              core,
              v.name,
              `the ${row.purpose} of ${row.hostId} was interrupted by a coordinator restart and its deadline passed before ${row.hostId} confirmed the stop: the move is abandoned and it stays on ${row.hostId}`,
            );
          core.tx((b) => {
            vms.deleteDrain(row.hostId);
            core.event(b, row.hostId, {
              type: 'host.drain',
              severity: 'warning',
              message: `${row.purpose} of ${row.hostId} was interrupted by a coordinator restart and its deadline has passed; ${vms.list({ hostId: row.hostId }).length} VM(s) are still on it${stuck.length ? ` (${stuck.length} whose stop was not confirmed stay there: ${stuck.map((v) => v.name).join(', ')})` : ''}; moves already under way continue`,
            });
          });
          continue;
        }
        core.tx((b) =>
          core.event(b, row.hostId, {
            type: 'host.drain',
            severity: 'info',
            message: `resuming the ${row.purpose} of ${row.hostId} after a coordinator restart (deadline in ${Math.round((row.deadlineMs - now()) / 1000)} s)`,
          }),
        );
        void drainWith(row, log).catch((e: unknown) =>
          deps.log.error(
            { host: row.hostId, err: toPlinthError(e).message },
            'resumed drain failed',
          ),
        );
      }
    },

    close() {
      loop.stop();
      core.close();
    },

    reconcileNow() {
      loop.sweep();
      loop.pass();
    },

    async forceDelete(name, gate, who) {
      requireVm(name);
      return forceDeleteVm(core, engine, name, gate, who);
    },
  };
  return service;
}

export type { VmStatus };
