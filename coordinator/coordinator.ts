import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { startMetricsServer } from '../agent/metrics/server.js';
import { registerSelfMetrics } from '../lib/self-metrics.js';
import { ErrorCodes, PlinthError } from '../lib/errors.js';
import type { Log } from '../lib/log.js';
import { parseListen } from '../lib/listen.js';
import { loadProto, serverOptions } from '../lib/proto.js';
import { serverCredentials, type TlsMaterial } from '../lib/tls.js';
import { systemClock } from '../agent/host/clock.js';
import { execFile } from '../agent/host/exec.js';
import { createAdmin } from './api/admin.js';
import { loadOrCreateKeyFile } from './fencing/credentials.js';
import { createFencingService } from './fencing/service.js';
import { createGateway } from './api/gateway.js';
import { Cluster } from './cluster/cluster.js';
import type { CoordinatorConfig } from './config.js';
import { GroupCommit } from './store/group-commit.js';
import { CoordinatorStore, type StoredEvent } from './store/store.js';
import {
  createEvacuationController,
  metaProgressStore,
  registerEvacuationMetrics,
  type EvacuationController,
} from './evacuation/index.js';
import { resolveSchedulerConfig } from './scheduler/config.js';
import { PlacementEngine } from './scheduler/engine.js';
import { networkMap } from './vms/config.js';
import { createVmService, type VmServiceHandle } from './vms/service.js';

export interface CoordinatorDeps {
  log: Log;
  tls: TlsMaterial;
  mono?: () => number;
  now?: () => number;
}

export interface Coordinator {
  readonly port: number;
  readonly metricsPort: number | undefined;
  readonly store: CoordinatorStore;
  readonly cluster: Cluster;
  readonly registry: Registry;
  readonly vms: VmServiceHandle;
  readonly evacuation: EvacuationController;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createCoordinator(deps: CoordinatorDeps, config: CoordinatorConfig): Coordinator {
  const { log } = deps;
  const mono = deps.mono ?? (() => performance.now());
  const now = deps.now ?? Date.now;
  const registry = new Registry();
  registerSelfMetrics(registry, 'plinth_coordinator_');
  const commitSeconds = new Histogram({
    name: 'plinth_coordinator_store_commit_seconds',
    help: 'Latency of one group commit of agent writes (synchronous=FULL)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'plinth_coordinator_store_commit_batch_size',
    help: 'Agent writes committed together in one group commit',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [registry],
  });
  const messages = new Counter({
    name: 'plinth_coordinator_messages_total',
    help: 'Messages received from agents, by type',
    labelNames: ['type'],
    registers: [registry],
  });
  const placementCommit = new Histogram({
    name: 'plinth_coordinator_placement_commit_seconds',
    help: 'Latency of one committed batch of placements (capacity check + claims, synchronous=FULL)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const placements = new Counter({
    name: 'plinth_coordinator_placements_total',
    help: 'Placements committed (claims written)',
    registers: [registry],
  });
  let store: CoordinatorStore | undefined;
  let cluster: Cluster | undefined;
  new Gauge({
    name: 'plinth_coordinator_hosts',
    help: 'Hosts by liveness state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      if (!cluster) return;
      for (const [state, n] of Object.entries(cluster.counts())) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'plinth_coordinator_connected_agents',
    help: 'Agents with an open stream',
    registers: [registry],
    collect() {
      if (cluster) this.set(cluster.sessions.size);
    },
  });

  let server: grpc.Server | undefined;
  let port = 0;
  let metrics: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let pruner: NodeJS.Timeout | undefined;
  let engine: PlacementEngine | undefined;
  let vms: VmServiceHandle | undefined;
  let evacuation: EvacuationController | undefined;
  const countEvacuationEvent = registerEvacuationMetrics(registry, () => evacuation);

  return {
    get port() {
      return port;
    },
    get metricsPort() {
      return metrics?.port;
    },
    get store() {
      if (!store) throw new Error('coordinator not started');
      return store;
    },
    get cluster() {
      if (!cluster) throw new Error('coordinator not started');
      return cluster;
    },
    get vms() {
      if (!vms) throw new Error('coordinator not started');
      return vms;
    },
    get evacuation() {
      if (!evacuation) throw new Error('coordinator not started');
      return evacuation;
    },
    registry,
    async start() {
      await mkdir(config.dataDir, { recursive: true, mode: 0o750 });
      store = new CoordinatorStore(join(config.dataDir, 'coordinator.db'), log, now);
      cluster = new Cluster(
        store,
        {
          suspectAfterMs: config.suspectAfterSeconds * 1000,
          downAfterMs: config.downAfterSeconds * 1000,
          startupGraceMs: config.startupGraceSeconds * 1000,
        },
        mono,
        log,
      );
      const proto = loadProto();
      server = new grpc.Server(serverOptions);
      const commits = new GroupCommit(store.db, {
        onBatch: (size, seconds) => {
          commitSeconds.observe(seconds);
          batchSize.observe(size);
        },
      });
      server.addService(
        proto.plinth.v1.AgentGateway.service,
        createGateway({
          store,
          commits,
          cluster,
          log,
          heartbeatMs: config.heartbeatSeconds * 1000,
          helloTimeoutMs: config.helloTimeoutSeconds * 1000,
          messages,
        }),
      );
      const { key } = await loadOrCreateKeyFile(
        config.fencing.keyFile || join(config.dataDir, 'bmc.key'),
      );
      const fencing = createFencingService(
        { store, cluster, log, exec: execFile, clock: systemClock, key },
        {
          deadlineMs: config.fencing.deadlineSeconds * 1000,
          retries: config.fencing.retries,
          bmcTimeoutMs: config.fencing.bmcTimeoutSeconds * 1000,
        },
      );
      engine = new PlacementEngine({
        store,
        liveness: cluster,
        config: resolveSchedulerConfig(config.scheduler),
        networks: networkMap(config.vms.networks),
        now,
        log,
        onBatch: (size, seconds) => {
          placementCommit.observe(seconds);
          placements.inc(size);
        },
      });
      // Facts a placement reads (labels, inventory, OVS bridges, conditions) change
      // through deltas and label edits; the engine re-reads such a host lazily and its
      // fingerprint moves only when the host's capacity view really changed.
      const placementEngine = engine;
      cluster.on('changed', (hostId: string, what: string) => {
        if (what === 'objects') placementEngine.invalidateHost(hostId);
      });
      // A host declared down may still hold a half-open stream (keepalive has not
      // noticed yet); close it, so nothing it sends later is mistaken for liveness
      // and a relocation that requires "down and disconnected" need not wait.
      cluster.on('state', (hostId: string, next: string) => {
        if (next === 'down')
          cluster!.sessions.get(hostId)?.close('host is down: no message within downAfterSeconds');
      });
      cluster.on('event', (e: StoredEvent) => {
        if (e.type === 'host.labels') placementEngine.invalidateHost(e.hostId);
      });
      vms = createVmService({ store, cluster, engine, log, now }, config.vms);
      evacuation = createEvacuationController(
        {
          cluster,
          store,
          progress: metaProgressStore(store.db),
          fencing,
          vms,
          log,
          mono,
          now,
          startupGraceMs: config.startupGraceSeconds * 1000,
        },
        config.evacuation,
      );
      cluster.on('event', countEvacuationEvent);
      server.addService(
        proto.plinth.v1.Admin.service,
        createAdmin({ store, cluster, log, fencing, vms, evacuation }),
      );
      const { host, port: want } = parseListen(config.listen, 'listen');
      const bindHost = host.includes(':') ? `[${host}]` : host;
      port = await new Promise<number>((resolve, reject) =>
        server!.bindAsync(`${bindHost}:${want}`, serverCredentials(deps.tls), (err, p) => {
          if (err)
            reject(
              new PlinthError(
                ErrorCodes.CONFIG,
                `cannot listen on ${config.listen} (config key listen): ${err.message}`,
              ),
            );
          else resolve(p);
        }),
      );
      ticker = setInterval(() => cluster!.tick(), 250);
      vms.run();
      evacuation.start();
      pruner = setInterval(() => store!.pruneEvents(), 60_000);
      pruner.unref();
      if (config.metrics.enabled) {
        const m = parseListen(config.metrics.listen, 'metrics.listen');
        metrics = await startMetricsServer(registry, m.host, m.port, log);
      }
      log.info(
        {
          listen: `${host}:${port}`,
          metrics: metrics
            ? `http://${config.metrics.listen.replace(/:\d+$/, '')}:${metrics.port}/metrics`
            : 'off',
          hosts: store.listHosts().length,
        },
        'coordinator started',
      );
    },
    async stop() {
      if (ticker) clearInterval(ticker);
      if (pruner) clearInterval(pruner);
      await evacuation?.stop();
      evacuation = undefined;
      if (cluster)
        for (const s of [...cluster.sessions.values()]) s.close('coordinator shutting down');
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        const t = setTimeout(() => {
          server!.forceShutdown();
          resolve();
        }, 3000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
      if (metrics) {
        metrics.server.closeAllConnections();
        await new Promise<void>((r) => metrics!.server.close(() => r()));
      }
      vms?.close();
      vms = undefined;
      engine?.close();
      engine = undefined;
      store?.close();
      store = undefined;
    },
  };
}
