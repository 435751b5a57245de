import { EventEmitter } from 'node:events';
import type { HostState } from '../../../lib/model.js';
import type { HostEvent } from '../../../lib/model.js';
import type { FenceOutcome } from '../../../coordinator/fencing/types.js';
import type { StoredEvent } from '../../../coordinator/store/store.js';
import type { VmDirectory, VmFailurePolicy, VmRecord } from '../../../coordinator/vms/types.js';

/** A VM record as the directory would hold it. */
export function vmRecord(
  name: string,
  hostId: string,
  policy: VmFailurePolicy,
  shared = true,
): VmRecord {
  return {
    name,
    uuid: `00000000-0000-4000-8000-${name.padStart(12, '0').slice(-12)}`,
    spec: {
      name,
      vcpus: 1,
      memoryMiB: 256,
      disks: [{ name: 'root', sizeGiB: 1, pool: shared ? 'rbd' : 'local', shared }],
      nics: [],
      labels: {},
      requiredLabels: {},
      onHostFailure: policy,
    },
    status: 'running',
    reason: '',
    hostId,
    power: 'running',
    fenceToken: 1,
    flags: [],
    createdMs: 0,
    updatedMs: 0,
  };
}

/** An in-memory VM directory that records every call. */
export function fakeDirectory(records: VmRecord[], spareHosts: string[]) {
  const vms = new Map(records.map((r) => [r.name, structuredClone(r)]));
  const calls: { op: string; vm: string; arg?: string }[] = [];
  let failNext = 0;
  let gate: Promise<void> | undefined;
  const dir: VmDirectory & {
    vms: typeof vms;
    calls: typeof calls;
    relocations(vm?: string): number;
    failNextRelocations(n: number): void;
    hold(p: Promise<void> | undefined): void;
  } = {
    vms,
    calls,
    vmsOnHost: (hostId) => [...vms.values()].filter((v) => v.hostId === hostId),
    async relocate(name, opts) {
      calls.push({ op: 'relocate', vm: name, arg: opts.excludeHosts.join(',') });
      if (gate) await gate;
      const v = vms.get(name);
      if (!v) return { ok: false, message: 'no such VM' };
      if (failNext > 0) {
        failNext--;
        return { ok: false, message: 'no host fits: memory' };
      }
      const to = spareHosts.find((h) => !opts.excludeHosts.includes(h));
      if (!to) return { ok: false, message: 'no host left' };
      v.hostId = to;
      v.fenceToken++;
      return { ok: true, hostId: to, message: `placed on ${to}` };
    },
    flag(name, flag, message) {
      calls.push({ op: 'flag', vm: name, arg: `${flag}: ${message}` });
      const v = vms.get(name)!;
      if (!v.flags.includes(flag)) v.flags = [...v.flags, flag];
    },
    unflag(name, flag) {
      calls.push({ op: 'unflag', vm: name, arg: flag });
      const v = vms.get(name)!;
      v.flags = v.flags.filter((f) => f !== flag);
    },
    relocations: (vm) => calls.filter((c) => c.op === 'relocate' && (!vm || c.vm === vm)).length,
    failNextRelocations: (n) => void (failNext = n),
    hold: (p) => void (gate = p),
  };
  return dir;
}

/** Liveness as a test sets it; emits what Cluster emits. */
export class FakeCluster extends EventEmitter {
  readonly states = new Map<string, HostState>();
  readonly published: StoredEvent[] = [];
  constructor(
    hosts: string[],
    readonly startedMono = 0,
  ) {
    super();
    for (const h of hosts) this.states.set(h, 'ready');
  }
  state(hostId: string): HostState {
    return this.states.get(hostId) ?? 'unknown';
  }
  counts(): Record<HostState, number> {
    const c: Record<HostState, number> = { ready: 0, suspect: 0, down: 0, unknown: 0 };
    for (const s of this.states.values()) c[s]++;
    return c;
  }
  publish(events: readonly StoredEvent[]) {
    for (const e of events) {
      this.published.push(e);
      this.emit('event', e);
    }
  }
  set(hostId: string, next: HostState) {
    const prev = this.states.get(hostId);
    this.states.set(hostId, next);
    this.emit('state', hostId, next, prev);
  }
}

export function memoryEvents() {
  let id = 0;
  return {
    addEvent(hostId: string, e: Omit<HostEvent, 'atMs'> & { atMs?: number }): StoredEvent {
      return { ...e, atMs: e.atMs ?? 0, id: ++id, hostId };
    },
  };
}

export function okFence(alreadyOff = false): FenceOutcome {
  return { ok: true, alreadyOff, powerState: 'off', attempts: [], elapsedMs: 12, message: 'off' };
}

export function failedFence(code = 'PLINTH_E_BMC_UNAVAILABLE'): FenceOutcome {
  return {
    ok: false,
    alreadyOff: false,
    powerState: 'unknown',
    attempts: [],
    elapsedMs: 3000,
    code: code as FenceOutcome['code'],
    message: 'the BMC at 127.0.0.1:9 did not answer',
  };
}

/** Let setImmediate kicks and promise chains run; bounded. */
export async function settle(until?: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setImmediate(r));
    if (!until && i >= 20) return;
    if (until?.()) return;
  }
  if (until) throw new Error('condition not reached');
}
