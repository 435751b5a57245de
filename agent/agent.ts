import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Gauge, Histogram, Counter, Registry } from 'prom-client';
import { registerSelfMetrics } from '../lib/self-metrics.js';
import { ErrorCodes, PlinthError, toPlinthError } from '../lib/errors.js';
import type { JsonObject } from '../lib/json.js';
import type { Log } from '../lib/log.js';
import { parseListen } from '../lib/listen.js';
import type { HostEvent } from '../lib/model.js';
import type { TlsMaterial } from '../lib/tls.js';
import { VERSION } from '../lib/version.js';
import type { AgentConfig } from './config.js';
import type {
  Driver,
  DriverContext,
  DriverEvent,
  Observation,
  ObservedObject,
} from './drivers/driver.js';
import { driverFactories } from './drivers/index.js';
import type { Clock } from './host/clock.js';
import type { Exec } from './host/exec.js';
import { startMetricsServer } from './metrics/server.js';
import { applyChanges, diffDriverObjects, type KnownObjects } from './reconcile/diff.js';
import { DriverRunner, type PassResult } from './reconcile/driver-runner.js';
import { Reconciler } from './reconcile/reconciler.js';
import { withDeadline } from './reconcile/timeout.js';
import { ReportClient, type CommandOutcome, type StreamState } from './report/client.js';
import { inventoryToWire } from './report/inventory-wire.js';
import { AgentStore } from './state/store.js';
import { canonicalJson } from '../lib/canonical-json.js';

export interface AgentDeps {
  log: Log;
  exec: Exec;
  clock: Clock;
  tls: TlsMaterial;
  /** Extra drivers (tests); replaces the registry when given. */
  drivers?: Driver[];
}

export interface Agent {
  readonly hostId: string;
  readonly metricsPort: number | undefined;
  readonly registry: Registry;
  start(): Promise<void>;
  stop(): Promise<void>;
  streamState(): StreamState;
  /** Run one pass of every driver now (tests, `plinth agent --once`). */
  passAll(): Promise<void>;
}

/**
 * The agent: drivers observe and converge the host; every change becomes a delta
 * in the local outbox, then goes to the coordinator. It starts from its SQLite
 * snapshot, so a restart (or a host reboot) while cut off still enforces the last
 * desired state it held.
 */
export function createAgent(deps: AgentDeps, config: AgentConfig): Agent {
  const { log, clock } = deps;
  const certHost = deps.tls.identity.name;
  if (config.hostId && config.hostId !== certHost) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `config key hostId is "${config.hostId}" but the agent certificate ${config.tls.cert} is for host "${certHost}": remove hostId, or issue a certificate for it (plinth pki issue --role agent --name ${config.hostId})`,
    );
  }
  const hostId = certHost;
  const registry = new Registry();
  registerSelfMetrics(registry, 'plinth_agent_');
  const upGauge = new Gauge({
    name: 'plinth_driver_up',
    help: '1 when the driver is healthy, 0 when unhealthy or undetected',
    labelNames: ['driver'],
    registers: [registry],
  });
  const healthGauge = new Gauge({
    name: 'plinth_driver_health',
    help: 'Driver health as a state set: 1 for the current state',
    labelNames: ['driver', 'state'],
    registers: [registry],
  });
  const observeHistogram = new Histogram({
    name: 'plinth_driver_observe_duration_seconds',
    help: 'Duration of one observe pass per driver',
    labelNames: ['driver'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const streamGauge = new Gauge({
    name: 'plinth_agent_stream_state',
    help: 'Coordinator stream: 0 idle, 1 connecting, 2 connected, 3 backoff, 4 stopped',
    registers: [registry],
  });
  const deltasTotal = new Counter({
    name: 'plinth_agent_deltas_total',
    help: 'Deltas recorded in the outbox',
    registers: [registry],
  });
  let store: AgentStore | undefined;
  new Gauge({
    name: 'plinth_agent_outbox_depth',
    help: 'Deltas waiting for the coordinator to acknowledge them',
    registers: [registry],
    collect() {
      if (store) this.set(store.outboxDepth());
    },
  });

  const known: KnownObjects = new Map();
  const lastObservation = new Map<string, Observation>();
  const pendingEvents = new Map<string, HostEvent[]>();
  const runners = new Map<string, DriverRunner>();
  const inventories: Record<string, JsonObject> = {};
  let drivers: Driver[] = [];
  let report: ReportClient | undefined;
  let reconciler: Reconciler | undefined;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let inventoryTimer: NodeJS.Timeout | undefined;

  const stateDir = config.dataDir;

  function buildDrivers(): Driver[] {
    if (deps.drivers) return deps.drivers;
    const out: Driver[] = [];
    for (const f of driverFactories) {
      const settings = config.drivers[f.name];
      if (!settings?.enabled) continue;
      const ctx: DriverContext = {
        log: log.child({ driver: f.name }),
        exec: deps.exec,
        clock,
        metrics: registry,
        markDirty: () => runners.get(f.name)?.markDirty(),
        emit: (e: DriverEvent) => {
          const list = pendingEvents.get(f.name) ?? [];
          list.push({ ...e, atMs: clock.now() });
          pendingEvents.set(f.name, list);
          runners.get(f.name)?.markDirty();
        },
        paths: {
          stateDir: join(stateDir, 'drivers', f.name),
          runDir: join(stateDir, 'run', f.name),
        },
      };
      const { enabled: _e, intervalSeconds: _i, timeoutSeconds: _t, ...driverConfig } = settings;
      out.push(f.create(ctx, driverConfig as never));
    }
    return out;
  }

  function objectsForPass(driver: string, r: PassResult): ObservedObject[] {
    const healthObj: ObservedObject = {
      kind: 'driver',
      id: driver,
      data: { health: r.health.status, code: r.health.code ?? '', message: r.health.message ?? '' },
    };
    if (!r.observation) {
      // Not healthy: keep what we last saw (unknown is not gone), update health only.
      const kept = [...known.values()]
        .filter((k) => k.driver === driver && k.kind !== 'driver')
        .map((k) => ({ kind: k.kind, id: k.id, data: k.data }));
      return [healthObj, ...kept];
    }
    const conditions = (r.observation.conditions ?? []).map((c) => ({
      kind: 'condition',
      id: `${driver}/${c.type}`,
      data: {
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
        source: driver,
      },
    }));
    return [healthObj, ...r.observation.objects, ...conditions];
  }

  function onPass(driver: string, r: PassResult): void {
    for (const s of ['healthy', 'unhealthy', 'undetected'])
      healthGauge.set({ driver, state: s }, r.health.status === s ? 1 : 0);
    if (r.observation) lastObservation.set(driver, r.observation);
    const changes = diffDriverObjects(known, driver, objectsForPass(driver, r));
    const events = pendingEvents.get(driver) ?? [];
    pendingEvents.delete(driver);
    if (r.health.status === 'unhealthy') {
      const prev = known.get(`driver\u0000${driver}`);
      if (!prev || prev.data.health !== 'unhealthy') {
        log.warn({ driver, code: r.health.code, err: r.health.message }, 'driver unhealthy');
      }
    }
    if (changes.length > 0 || events.length > 0) {
      store!.recordDelta(driver, changes, events);
      applyChanges(known, driver, changes);
      deltasTotal.inc();
      report?.notifyDelta();
    }
    if (r.health.status === 'healthy') void reconciler?.reconcile(driver);
    else
      reconciler?.reportUnavailable(
        driver,
        `${driver} is ${r.health.status}: ${r.health.message ?? ''}`.trim(),
      );
  }

  async function gatherInventory(): Promise<void> {
    await Promise.all(
      drivers
        .filter((d) => d.inventory)
        .map(async (d) => {
          try {
            inventories[d.name] = await withDeadline(`${d.name} inventory`, 30_000, (s) =>
              d.inventory!(s),
            );
          } catch (e) {
            log.warn(
              { driver: d.name, err: toPlinthError(e).message },
              'inventory failed; reporting without it',
            );
          }
        }),
    );
    store?.saveInventory(inventories as unknown as JsonObject);
  }

  async function onCommand(kind: string, args: JsonObject): Promise<CommandOutcome> {
    const name = kind.split('.')[0] ?? '';
    const d = drivers.find((x) => x.name === name);
    if (!d?.command) {
      return {
        ok: false,
        code: ErrorCodes.NOT_FOUND,
        message: `no enabled driver on host ${hostId} handles command "${kind}"`,
      };
    }
    try {
      const result = await withDeadline(`${kind}`, config.commandTimeoutSeconds * 1000, (s) =>
        d.command!(kind, args, s),
      );
      runners.get(name)?.markDirty();
      return { ok: true, result };
    } catch (e) {
      const err = toPlinthError(e);
      return { ok: false, code: err.code, message: err.message };
    }
  }

  const agent: Agent = {
    hostId,
    get metricsPort() {
      return metricsServer?.port;
    },
    registry,
    streamState: () => report?.streamState ?? 'idle',
    async passAll() {
      await Promise.all([...runners.values()].map((r) => r.pass()));
    },
    async start() {
      await mkdir(stateDir, { recursive: true, mode: 0o750 });
      store = new AgentStore({ path: join(stateDir, 'agent.db'), log, now: clock.now });
      for (const o of store.loadObserved())
        known.set(`${o.kind}\u0000${o.id}`, { ...o, canon: canonicalJson(o.data) });
      Object.assign(inventories, store.loadInventory() ?? {});
      drivers = buildDrivers();
      const applied = store.loadApplied();
      reconciler = new Reconciler({
        drivers,
        log,
        applyTimeoutMs: config.applyTimeoutSeconds * 1000,
        lastObservation: (d) => lastObservation.get(d),
        markDirty: (d) => runners.get(d)?.markDirty(),
        onApplied: (generation, results) => {
          store!.saveApplied(generation, results);
          log.info(
            { generation, errors: results.filter((x) => !x.ok).length },
            'desired state applied',
          );
          report?.sendAck(generation, results);
        },
      });
      const held = store.loadDesired();
      if (held) {
        log.info(
          { generation: held.generation },
          'enforcing the desired state held in the local snapshot',
        );
        reconciler.setDesired(held, applied.generation);
      }
      for (const d of drivers) {
        const settings = config.drivers[d.name];
        runners.set(
          d.name,
          new DriverRunner({
            driver: d,
            intervalMs: (settings?.intervalSeconds ?? 15) * 1000,
            timeoutMs: (settings?.timeoutSeconds ?? 10) * 1000,
            clock,
            log,
            upGauge,
            observeHistogram,
            onPass: (r) => onPass(d.name, r),
          }),
        );
      }
      await Promise.all(
        drivers.map(async (d) => {
          try {
            await withDeadline(`${d.name} start`, 30_000, () => d.start?.() ?? Promise.resolve());
          } catch (e) {
            log.warn(
              { driver: d.name, err: toPlinthError(e).message },
              'driver start failed; it will report unhealthy until it recovers',
            );
          }
        }),
      );
      await gatherInventory();
      inventoryTimer = setInterval(() => void gatherInventory(), 3_600_000);
      inventoryTimer.unref();
      for (const r of runners.values()) r.start();
      if (config.metrics.enabled) {
        const { host, port } = parseListen(config.metrics.listen, 'metrics.listen');
        metricsServer = await startMetricsServer(registry, host, port, log);
        log.info({ url: `http://${host}:${metricsServer.port}/metrics` }, 'serving metrics');
      }
      report = new ReportClient({
        address: config.coordinator.address,
        tls: deps.tls,
        hostId,
        version: VERSION,
        store,
        heartbeatMs: config.heartbeatSeconds * 1000,
        helloTimeoutMs: config.helloTimeoutSeconds * 1000,
        log,
        streamState: streamGauge,
        snapshot: () => [...known.values()].map((k) => ({ kind: k.kind, id: k.id, data: k.data })),
        inventory: () => inventoryToWire(hostname(), inventories),
        applied: () => store!.loadApplied(),
        onDesired: (generation, spec) => {
          const current = reconciler!.current();
          if (current && generation <= current.generation) {
            log.info(
              { generation, held: current.generation },
              'ignoring desired state not newer than the one held',
            );
            return;
          }
          store!.saveDesired(generation, spec);
          reconciler!.setDesired({ generation, spec }, store!.loadApplied().generation);
        },
        onCommand,
      });
      report.start();
      log.info(
        { hostId, drivers: drivers.map((d) => d.name), coordinator: config.coordinator.address },
        'agent started',
      );
    },
    async stop() {
      report?.stop();
      for (const r of runners.values()) r.stop();
      if (inventoryTimer) clearInterval(inventoryTimer);
      await Promise.all(
        drivers.map((d) =>
          withDeadline(`${d.name} stop`, 5_000, () => d.stop?.() ?? Promise.resolve()).catch(
            () => undefined,
          ),
        ),
      );
      await new Promise<void>((resolve) =>
        metricsServer ? metricsServer.server.close(() => resolve()) : resolve(),
      );
      metricsServer?.server.closeAllConnections();
      store?.close();
      store = undefined;
    },
  };
  return agent;
}
