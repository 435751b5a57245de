import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type {
  FilterName,
  FilterSummary,
  FilterVerdict,
  HostVerdict,
  Placement,
} from '../../../coordinator/scheduler/types.js';
import type {
  DrainProgress,
  DrainResult,
  PlanResult,
  VmHistoryEntry,
  VmRecord,
  VmService,
  VmSpec,
  VmStatus,
} from '../../../coordinator/vms/types.js';

/**
 * An in-memory VmService for testing the API layer and the CLI (not the
 * scheduler: its placement is a plain most-free-memory fit). Status advances one
 * step per `get`, so `--wait` sees pending -> placed -> starting -> running
 * without timers. `rejection` picks how a rejection is reported: as a failed
 * record with the placement, or thrown with the placement in the error details.
 */
export interface FakeHost {
  id: string;
  vcpus: number;
  memoryMiB: number;
  cordoned?: boolean;
}

export interface FakeVmService extends VmService {
  readonly hosts: FakeHost[];
  readonly records: Map<string, VmRecord & { history: VmHistoryEntry[] }>;
  /** Calls seen, in order, as "method arg". */
  readonly calls: string[];
}

const RATIO = 4;

export function createFakeVmService(
  hosts: FakeHost[],
  opts: { rejection?: 'throw' | 'record'; now?: () => number } = {},
): FakeVmService {
  const now = opts.now ?? (() => 1_700_000_000_000);
  const records = new Map<string, VmRecord & { history: VmHistoryEntry[] }>();
  const plans = new Map<string, { spec: VmSpec; version: number }>();
  const calls: string[] = [];
  let version = 0;
  let seq = 0;

  const used = (hostId: string) => {
    let vcpus = 0;
    let mem = 0;
    for (const r of records.values())
      if (r.hostId === hostId) {
        vcpus += r.spec.vcpus;
        mem += r.spec.memoryMiB;
      }
    return { vcpus, mem };
  };

  function validate(spec: unknown): VmSpec {
    const s = spec as Partial<VmSpec>;
    const errors: string[] = [];
    if (typeof s.name !== 'string' || !s.name) errors.push('name is missing');
    if (!Number.isInteger(s.vcpus) || (s.vcpus ?? 0) < 1) errors.push('vcpus must be >= 1');
    if (!Number.isInteger(s.memoryMiB) || (s.memoryMiB ?? 0) < 1)
      errors.push('memoryMiB must be >= 1');
    if (errors.length)
      throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, `invalid VM spec: ${errors.join('; ')}`);
    return {
      disks: [],
      nics: [],
      labels: {},
      requiredLabels: {},
      onHostFailure: 'keep',
      ...s,
    } as VmSpec;
  }

  function place(spec: VmSpec, exclude: string[] = []): Placement {
    const verdicts: HostVerdict[] = hosts.map((h) => {
      const u = used(h.id);
      const freeV = h.vcpus * RATIO - u.vcpus;
      const freeM = h.memoryMiB - u.mem;
      const filters: FilterVerdict[] = [
        {
          filter: 'ready',
          pass: !exclude.includes(h.id),
          reason: exclude.includes(h.id) ? 'excluded' : 'ready',
        },
        {
          filter: 'schedulable',
          pass: !h.cordoned,
          reason: h.cordoned ? 'cordoned' : 'schedulable',
        },
        {
          filter: 'vcpus',
          pass: freeV >= spec.vcpus,
          needed: spec.vcpus,
          free: freeV,
          ratio: RATIO,
          reason: `needs ${spec.vcpus} vCPUs, ${freeV} free (ratio ${RATIO.toFixed(1)})`,
        },
        {
          filter: 'memory',
          pass: freeM >= spec.memoryMiB,
          needed: spec.memoryMiB,
          free: freeM,
          ratio: 1,
          reason: `needs ${spec.memoryMiB} MiB, ${freeM} free`,
        },
      ];
      const pass = filters.every((f) => f.pass);
      const v: HostVerdict = { hostId: h.id, pass, filters };
      if (pass) {
        v.score = freeM / h.memoryMiB;
        v.scores = [{ score: 'strategy', weight: 1, value: v.score }];
      }
      return v;
    });
    const passing = verdicts
      .filter((v) => v.pass)
      .sort((a, b) => b.score! - a.score! || a.hostId.localeCompare(b.hostId));
    const rejected = verdicts.filter((v) => !v.pass);
    const names: FilterName[] = ['ready', 'schedulable', 'vcpus', 'memory'];
    const filters: FilterSummary[] = names.map((filter) => {
      const failed = verdicts.flatMap((v) =>
        v.filters.filter((f) => f.filter === filter && !f.pass),
      );
      const reasons = new Map<string, number>();
      for (const f of failed) reasons.set(f.reason, (reasons.get(f.reason) ?? 0) + 1);
      return {
        filter,
        removed: failed.length,
        reasons: [...reasons].map(([reason, n]) => ({ reason, hosts: n })),
      };
    });
    const chosen = passing[0];
    return {
      ok: !!chosen,
      ...(chosen ? { hostId: chosen.hostId, score: chosen.score } : {}),
      hosts: [...passing, ...rejected],
      filters,
      message: chosen
        ? `placed on ${chosen.hostId} (score ${chosen.score!.toFixed(2)})`
        : `no host fits ${spec.name}: ${filters
            .filter((f) => f.removed)
            .map((f) => `${f.filter} removed ${f.removed}`)
            .join(', ')}`,
    };
  }

  function history(r: VmRecord & { history: VmHistoryEntry[] }, status: VmStatus, message: string) {
    r.status = status;
    r.reason = status === 'failed' ? message : '';
    r.updatedMs = now();
    r.history.push({ atMs: now(), status, hostId: r.hostId ?? '', message });
  }

  function commit(spec: VmSpec): { vm: VmRecord; placement: Placement } {
    if (records.has(spec.name))
      throw new PlinthError(ErrorCodes.CONFLICT, `a VM named ${spec.name} already exists`);
    const placement = place(spec);
    if (!placement.ok && opts.rejection !== 'record')
      throw new PlinthError(ErrorCodes.CAPACITY, placement.message, { placement });
    const r: VmRecord & { history: VmHistoryEntry[] } = {
      name: spec.name,
      uuid: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
      spec,
      status: 'pending',
      reason: '',
      hostId: placement.hostId ?? null,
      power: 'running',
      fenceToken: placement.ok ? 1 : 0,
      flags: [],
      placement: { ...placement, hosts: placement.hosts.slice(0, 3) },
      createdMs: now(),
      updatedMs: now(),
      history: [],
    };
    history(r, 'pending', 'accepted');
    if (placement.ok) history(r, 'placed', placement.message);
    else history(r, 'failed', placement.message);
    records.set(r.name, r);
    version++;
    return { vm: structuredClone(r), placement };
  }

  function must(name: string) {
    const r = records.get(name);
    if (!r) throw new PlinthError(ErrorCodes.NOT_FOUND, `no VM named ${name}`);
    return r;
  }

  const tick = () => new Promise<void>((r) => setImmediate(r));

  async function drain(
    hostId: string,
    o: { deadlineMs: number; parallel: number },
    onProgress: (p: DrainProgress) => void,
  ): Promise<DrainResult> {
    const h = hosts.find((x) => x.id === hostId);
    if (!h) throw new PlinthError(ErrorCodes.NOT_FOUND, `no host ${hostId}`);
    h.cordoned = true;
    version++;
    const result: DrainResult = { hostId, moved: [], refused: [], failed: [], left: [] };
    for (const r of [...records.values()].filter((x) => x.hostId === hostId)) {
      const local = r.spec.disks.find((d) => !d.shared);
      if (local) {
        const reason = `disk ${local.name} is local to ${hostId}`;
        onProgress({ vm: r.name, step: 'refused', fromHost: hostId, message: reason });
        result.refused.push({ vm: r.name, reason });
        result.left.push(r.name);
        continue;
      }
      onProgress({ vm: r.name, step: 'stopping', fromHost: hostId, message: 'stopping' });
      await tick();
      const p = place(r.spec, [hostId]);
      if (!p.ok) {
        onProgress({ vm: r.name, step: 'failed', fromHost: hostId, message: p.message });
        result.failed.push({ vm: r.name, reason: p.message });
        result.left.push(r.name);
        continue;
      }
      onProgress({
        vm: r.name,
        step: 'placing',
        fromHost: hostId,
        toHost: p.hostId,
        message: p.message,
      });
      r.hostId = p.hostId!;
      r.fenceToken++;
      history(r, 'running', `moved from ${hostId}`);
      await tick();
      onProgress({
        vm: r.name,
        step: 'done',
        fromHost: hostId,
        toHost: p.hostId,
        message: 'running',
      });
      result.moved.push(r.name);
    }
    calls.push(`drain ${hostId} ${o.deadlineMs} ${o.parallel}`);
    return result;
  }

  return {
    hosts,
    records,
    calls,
    create(spec) {
      calls.push(`create ${(spec as { name?: string }).name}`);
      return Promise.resolve().then(() => commit(validate(spec)));
    },
    plan(spec) {
      const s = validate(spec);
      const placement = place(s);
      const token = `plan-${++seq}`;
      plans.set(token, { spec: s, version });
      const r: PlanResult = { token, placement, expiresMs: now() + 300_000 };
      return r;
    },
    async apply(token) {
      const p = plans.get(token);
      if (!p) throw new PlinthError(ErrorCodes.NOT_FOUND, `no plan ${token} (expired or applied)`);
      plans.delete(token);
      if (p.version !== version)
        throw new PlinthError(ErrorCodes.CONFLICT, `the cluster changed since plan ${token}`);
      return commit(p.spec);
    },
    list(filter = {}) {
      return [...records.values()]
        .filter((r) => !filter.hostId || r.hostId === filter.hostId)
        .filter((r) => !filter.status || r.status === filter.status)
        .map((r) => structuredClone(r));
    },
    get(name) {
      const r = must(name);
      const next: Partial<Record<VmStatus, VmStatus>> = {
        placed: 'starting',
        starting: 'running',
        stopping: 'stopped',
      };
      // A VM labelled fail=start fails where another would start: for --wait's failure path.
      const failing = r.spec.labels?.fail === 'start' && r.status === 'starting';
      const to = failing ? 'failed' : next[r.status];
      const out = structuredClone(r);
      if (to)
        history(
          r,
          to,
          failing ? 'PLINTH_E_LIBVIRT_UNAVAILABLE: fake start failure' : `observed ${to}`,
        );
      return out;
    },
    async start(name) {
      const r = must(name);
      r.power = 'running';
      history(r, 'starting', 'start requested');
      return structuredClone(r);
    },
    async stop(name) {
      const r = must(name);
      r.power = 'stopped';
      history(r, 'stopping', 'stop requested');
      return structuredClone(r);
    },
    async delete(name) {
      must(name);
      records.delete(name);
      version++;
    },
    cordon(hostId, cordoned) {
      const h = hosts.find((x) => x.id === hostId);
      if (!h) throw new PlinthError(ErrorCodes.NOT_FOUND, `no host ${hostId}`);
      h.cordoned = cordoned;
      version++;
      calls.push(`cordon ${hostId} ${cordoned}`);
    },
    drain,
    async maintenance(hostId, action, o, onProgress) {
      if (action === 'exit') {
        this.cordon(hostId, false);
        return { hostId, moved: [], refused: [], failed: [], left: [] };
      }
      return drain(hostId, o, onProgress);
    },
  };
}
