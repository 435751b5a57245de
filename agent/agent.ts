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
import { AssignmentKeeper } from './assignments/keeper.js';
import { heldToData, type HeldAssignment } from './assignments/rules.js';
import { ASSIGNMENT_KIND, ASSIGNMENTS_KEY } from './assignments/types.js';

/** The pseudo-driver name under which the agent records its own objects (held assignments). */
const ASSIGNMENTS_SOURCE = 'assignments';
/** The desired key whose section the conflict rules gate (the libvirt driver's). */
const DOMAINS_KEY = 'domains';

export interface AgentDeps {
  log: Log;
  exec: Exec;
  clock: Clock;
  tls: TlsMaterial;
  /**
   * Drivers (tests); replaces the registry when given. A function gets each driver's
   * context (events, markDirty) by name.
   */
  drivers?: Driver[] | ((contextFor: (name: string) => DriverContext) => Driver[]);
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
  /** The VM assignments this host holds, as last reported (see agent/assignments/README.md). */
  heldAssignments(): HeldAssignment[];
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

  /** Events about objects seen so far: the gate's look at libvirt is stale once this moves. */
  let lifecycleEvents = 0;

  /**
   * The libvirt view the gate decides on, taken right before the apply. An event that
   * arrives while it is taken (a guest dying) makes it look again, so the driver's own
   * look, a moment later, sees what the gate saw.
   */
  async function freshLook(d: Driver): Promise<Observation> {
    for (let i = 0; i < 3; i++) {
      const before = lifecycleEvents;
      const o = await withDeadline(`${d.name} observe`, 10_000, (s) => d.observe(s));
      if (lifecycleEvents === before) return o;
    }
    throw new PlinthError(
      ErrorCodes.UNAVAILABLE,
      'domains kept changing while the conflict rules looked at them; looking again at the next pass',
    );
  }

  function contextFor(name: string): DriverContext {
    return {
      log: log.child({ driver: name }),
      exec: deps.exec,
      clock,
      metrics: registry,
      markDirty: () => runners.get(name)?.markDirty(),
      emit: (e: DriverEvent) => {
        if (e.object) lifecycleEvents++;
        const list = pendingEvents.get(name) ?? [];
        list.push({ ...e, atMs: clock.now() });
        pendingEvents.set(name, list);
        runners.get(name)?.markDirty();
      },
      paths: {
        stateDir: join(stateDir, 'drivers', name),
        runDir: join(stateDir, 'run', name),
      },
    };
  }

  async function buildDrivers(): Promise<Driver[]> {
    if (typeof deps.drivers === 'function') return deps.drivers(contextFor);
    if (deps.drivers) return deps.drivers;
    const out: Driver[] = [];
    for (const f of driverFactories) {
      const settings = config.drivers[f.name];
      if (!settings?.enabled) continue;
      const { enabled: _e, intervalSeconds: _i, timeoutSeconds: _t, ...driverConfig } = settings;
      // The real factory, imported only now that the driver is enabled (drivers/index.ts):
      // create() runs here, so a config error it throws still stops the agent at start.
      const factory = await f.load();
      out.push(factory.create(contextFor(f.name), driverConfig as never));
    }
    return out;
  }

  let keeper: AssignmentKeeper | undefined;
  let held: HeldAssignment[] = [];
  const domainsDriver = (): Driver | undefined => drivers.find((d) => d.desiredKey === DOMAINS_KEY);

  /** Record the held assignments as observed objects when they changed (the coordinator sees conflicts). */
  function publishAssignments(): void {
    if (!keeper || !store) return;
    const doc = reconciler?.current();
    const dd = domainsDriver();
    held = keeper.held(
      doc?.generation ?? 0,
      doc?.spec,
      dd ? lastObservation.get(dd.name) : undefined,
    );
    const objects = held.map((h) => ({ kind: ASSIGNMENT_KIND, id: h.uuid, data: heldToData(h) }));
    const changes = diffDriverObjects(known, ASSIGNMENTS_SOURCE, objects);
    if (changes.length === 0) return;
    store.recordDelta(ASSIGNMENTS_SOURCE, changes, []);
    applyChanges(known, ASSIGNMENTS_SOURCE, changes);
    deltasTotal.inc();
    report?.notifyDelta();
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

  let stopped = false;

  function onPass(driver: string, r: PassResult): void {
    if (stopped) return;
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
    if (domainsDriver()?.name === driver) publishAssignments();
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

  /**
   * Generations decide: an older one is ignored; the one already held confirms the
   * held assignments (the coordinator resends it on every Welcome); a newer one is
   * held (with its tokens, in one transaction) and enforced.
   */
  function onDesired(generation: number, spec: JsonObject): void {
    const current = reconciler!.current();
    const floor = Math.max(current?.generation ?? 0, store!.loadApplied().generation);
    if (current && generation === current.generation) {
      if (keeper!.confirm(generation, spec, current.spec)) {
        log.info({ generation }, 'the coordinator confirmed the held desired state');
        publishAssignments();
        const dd = domainsDriver();
        if (dd) runners.get(dd.name)?.markDirty();
      } else if (!keeper!.isConfirmed(generation)) {
        log.warn(
          { generation },
          'the coordinator sent a different document under the generation held: ignored, assignments stay unconfirmed',
        );
      }
      return;
    }
    if (generation <= floor) {
      log.info(
        { generation, held: current?.generation ?? 0, applied: floor },
        'ignoring desired state older than the one held',
      );
      return;
    }
    keeper!.accept(generation, spec, true);
    reconciler!.setDesired({ generation, spec }, store!.loadApplied().generation);
    publishAssignments();
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
    heldAssignments: () => held,
    async start() {
      await mkdir(stateDir, { recursive: true, mode: 0o750 });
      store = new AgentStore({ path: join(stateDir, 'agent.db'), log, now: clock.now });
      for (const o of store.loadObserved())
        known.set(`${o.kind}\u0000${o.id}`, { ...o, canon: canonicalJson(o.data) });
      Object.assign(inventories, store.loadInventory() ?? {});
      drivers = await buildDrivers();
      const applied = store.loadApplied();
      const k = new AssignmentKeeper(store);
      keeper = k;
      reconciler = new Reconciler({
        drivers,
        log,
        applyTimeoutMs: config.applyTimeoutSeconds * 1000,
        agentKeys: [ASSIGNMENTS_KEY],
        agentResults: (doc) => k.results(doc.spec),
        transform: async (d, section, doc, observed) => {
          if (d.desiredKey !== DOMAINS_KEY) return section;
          const fresh = k.mayGate(doc.generation, doc.spec) ? await freshLook(d) : observed;
          const out = k.gate(doc.generation, doc.spec, section, fresh);
          const startHeld = out.held.filter((h) => h.startHeld).map((h) => h.name);
          if (startHeld.length > 0)
            log.info(
              { generation: doc.generation, vms: startHeld },
              'not starting restart-after-fence/replace VMs until the coordinator confirms their assignment',
            );
          return out.domains;
        },
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
      const heldDoc = store.loadDesired();
      if (heldDoc) {
        log.info(
          { generation: heldDoc.generation },
          'enforcing the desired state held in the local snapshot',
        );
        // Idempotent: also fills in the tokens of a snapshot written before they were persisted.
        k.accept(heldDoc.generation, heldDoc.spec, false);
        reconciler.setDesired(heldDoc, applied.generation);
      }
      publishAssignments();
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
        onStateChange: (state) => {
          if (state === 'connected' || !keeper?.revoke()) return;
          log.info(
            'cut off from the coordinator: restart-after-fence/replace VMs that stop are not started again until it confirms their assignment',
          );
          publishAssignments();
        },
        onDesired: (generation, spec) => {
          try {
            onDesired(generation, spec);
          } catch (e) {
            log.error(
              { generation, err: toPlinthError(e).message },
              'could not hold the desired state; it will be taken again at the next reconnect',
            );
          }
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
      stopped = true;
      report?.stop();
      for (const r of runners.values()) r.stop();
      // Work under way finishes before the drivers close; nothing acts after stop.
      await reconciler?.stop();
      await withDeadline('driver passes', 10_000, () =>
        Promise.all([...runners.values()].map((r) => r.idle())),
      ).catch(() => undefined);
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
