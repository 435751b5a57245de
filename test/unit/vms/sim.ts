import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../../../lib/json.js';
import { silentLog } from '../../../lib/log.js';
import type { HostState, ObjectChange } from '../../../lib/model.js';
import type { SessionHandle } from '../../../coordinator/cluster/cluster.js';
import { resolveSchedulerConfig } from '../../../coordinator/scheduler/config.js';
import { PlacementEngine } from '../../../coordinator/scheduler/engine.js';
import type { StoredEvent } from '../../../coordinator/store/store.js';
import { CoordinatorStore } from '../../../coordinator/store/store.js';
import { defaultVmsConfig, networkMap, type VmsConfig } from '../../../coordinator/vms/config.js';
import type { ClusterView } from '../../../coordinator/vms/core.js';
import { createVmService, type VmServiceHandle } from '../../../coordinator/vms/service.js';

/** A cluster with fake sessions that record what the coordinator pushes. */
export class FakeCluster extends EventEmitter implements ClusterView {
  readonly sessions = new Map<string, SessionHandle>();
  readonly states = new Map<string, HostState>();
  readonly events: StoredEvent[] = [];
  readonly sent: { host: string; generation: number; spec: JsonObject }[] = [];
  readonly commands: { host: string; kind: string; args: string }[] = [];
  commandResult = { ok: true, code: '', message: '', resultJson: '{}' };
  state(id: string): HostState {
    return this.states.get(id) ?? 'ready';
  }
  publish(events: readonly StoredEvent[]): void {
    this.events.push(...events);
  }
  connect(host: string): void {
    this.sessions.set(host, {
      hostId: host,
      sendDesired: (generation, json) =>
        this.sent.push({ host, generation, spec: JSON.parse(json) as JsonObject }),
      runCommand: async (kind, args) => {
        this.commands.push({ host, kind, args });
        return this.commandResult;
      },
      close() {},
    });
  }
}

export const NETWORKS = { prod: 'br-int:100' };

export interface Sim {
  dir: string;
  store: CoordinatorStore;
  cluster: FakeCluster;
  engine: PlacementEngine;
  svc: VmServiceHandle;
  config: VmsConfig;
  /** The host's agent applies its newest desired document and reports it. */
  agent(
    host: string,
    opts?: { ack?: boolean; observe?: boolean; fail?: string[]; extra?: ObjectChange[] },
  ): void;
  /** Close the coordinator side, stay down `downMs`, open it again and run(). */
  restart(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

const seqs = new Map<string, number>();

export function addHost(
  store: CoordinatorStore,
  id: string,
  cpus = 8,
  memoryMiB = 8192,
  objects: ObjectChange[] = [],
): void {
  store.recordHello(
    id,
    {
      version: 'test',
      incarnation: 'i1',
      appliedGeneration: 0,
      inventory: {
        driversJson: {
          libvirt: JSON.stringify({
            node: { cpus, memoryMiB },
            capabilities: { domainTypes: ['qemu', 'kvm'] },
          }),
        },
      },
    },
    [{ kind: 'ovs.bridge', id: 'br-int', data: {} }, ...objects],
  );
}

export async function startSim(hosts: string[], over: Partial<VmsConfig> = {}): Promise<Sim> {
  const dir = await mkdtemp(join(tmpdir(), 'plv-vms-'));
  const config: VmsConfig = {
    ...defaultVmsConfig,
    networks: NETWORKS,
    deleteTimeoutSeconds: 5,
    ...over,
  };
  const make = () => {
    const store = new CoordinatorStore(join(dir, 'c.db'), silentLog(), Date.now);
    const engine = new PlacementEngine({
      store,
      liveness: cluster,
      config: resolveSchedulerConfig({ reservedMemoryMiB: 0 }),
      networks: networkMap(config.networks),
      now: Date.now,
      log: silentLog(),
    });
    const svc = createVmService({ store, cluster, engine, log: silentLog() }, config);
    return { store, engine, svc };
  };
  const cluster = new FakeCluster();
  let parts = make();
  for (const h of hosts) {
    addHost(parts.store, h);
    cluster.connect(h);
  }
  parts.engine.refresh();
  parts.svc.run();
  const sim: Sim = {
    dir,
    get store() {
      return parts.store;
    },
    cluster,
    get engine() {
      return parts.engine;
    },
    get svc() {
      return parts.svc;
    },
    config,
    agent(host, opts = {}) {
      const { store } = parts;
      const d = store.getDesired(host);
      const domains = (d?.spec.domains ?? []) as { uuid: string; name: string; power: string }[];
      if (d && opts.ack !== false)
        store.recordApplied(
          host,
          d.generation,
          domains.map((x) =>
            opts.fail?.includes(x.name)
              ? {
                  kind: 'libvirt.domain',
                  id: x.uuid,
                  ok: false,
                  code: 'PLINTH_E_NOT_FOUND',
                  message: `${x.name}: kernel missing`,
                }
              : { kind: 'libvirt.domain', id: x.uuid, ok: true, action: 'define+start' },
          ),
        );
      if (opts.observe !== false) {
        const seq = (seqs.get(host) ?? 0) + 1;
        seqs.set(host, seq);
        store.recordSnapshot(host, seq, [
          { kind: 'ovs.bridge', id: 'br-int', data: {} },
          ...(opts.extra ?? []),
          ...domains
            .filter((x) => !opts.fail?.includes(x.name))
            .map((x) => ({
              kind: 'libvirt.domain',
              id: x.uuid,
              data: { name: x.name, state: x.power === 'running' ? 'running' : 'shutoff' },
            })),
        ]);
      }
      cluster.emit('changed', host, 'objects');
    },
    async restart(downMs = 0) {
      parts.svc.close();
      parts.engine.close();
      parts.store.close();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      parts = make();
      parts.svc.run();
    },
    async close() {
      parts.svc.close();
      parts.engine.close();
      parts.store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return sim;
}

/** Bounded wait for a condition driven by the service's timers. */
export async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
