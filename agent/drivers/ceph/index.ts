import { join } from 'node:path';
import { ErrorCodes, PlinthError, isPlinthError, toPlinthError } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import type { DockerApi } from '../containers/docker.js';
import type { Driver, DriverContext, DriverFactory, Health, Observation } from '../driver.js';
import { createCephCli } from './cli.js';
import {
  cephConfigSchema,
  defaultHostBucket,
  validateCephConfig,
  type CephConfig,
  type OsdRunner,
} from './config.js';
import { realCephHostIo, type CephHostIo } from './host-io.js';
import { runCommand, type MaintenanceEngine } from './maintenance.js';
import { createCephMetrics } from './metrics.js';
import { buildObservation, localOsdIds, type ClusterSnapshot, type LocalOsd } from './model.js';
import { createOsdControl, type OsdLocation } from './osd-control.js';
import {
  parseBlockedOps,
  parseDf,
  parseHealth,
  parseOsdDump,
  parseOsdTree,
  parsePerfDump,
  parseStatus,
  type CephDf,
} from './parse.js';

export type { CephConfig } from './config.js';
export { cephConfigSchema } from './config.js';

/** The read-only mon commands of one observe pass, run by one `ceph` process. */
const PASS_COMMANDS = ['status', 'osd dump', 'osd tree', 'health detail'] as const;
/** A successful pass this recent answers health() without another CLI process. */
const HEALTH_FRESH_MS = 15_000;
const ASOK_TIMEOUT_MS = 2000;
/** After a local OSD changes, observe again at these delays to catch the mon's verdict. */
const FOLLOW_UP_MS = [1000, 2500, 5000, 8000];

export function createCephDriver(
  ctx: DriverContext,
  rawConfig: CephConfig,
  io: CephHostIo = realCephHostIo,
): Driver {
  const config = validateCephConfig(rawConfig);
  const conf = config.conf || io.env('CEPH_CONF') || '/etc/ceph/ceph.conf';
  const hostBucket = config.hostBucket || defaultHostBucket(io.hostname());
  const metrics = createCephMetrics(ctx.metrics);
  const cli = createCephCli(
    ctx.exec,
    {
      binary: config.cephBinary,
      conf,
      clientName: config.clientName,
      keyring: config.keyring,
      timeoutMs: config.commandTimeoutMs,
    },
    () => metrics.cliSpawn(),
  );
  let docker: DockerApi | undefined;
  const control = createOsdControl({
    exec: ctx.exec,
    clock: ctx.clock,
    io,
    config,
    conf,
    docker() {
      if (!io.exists(config.dockerSocket)) return undefined;
      docker ??= io.docker(config.dockerSocket, 5000);
      return docker;
    },
  });
  const stateFile = join(ctx.paths.stateDir, 'ceph-maintenance.json');

  let lastOkAt: number | undefined;
  let lastError: PlinthError | undefined;
  let fsid: string | undefined;
  let localIds: number[] = [];
  let df: { value: CephDf; at: number } | undefined;
  let dfInFlight: Promise<void> | undefined;
  const runners = new Map<number, OsdRunner>();
  const lastRunning = new Map<number, boolean>();
  let watchTimer: NodeJS.Timeout | undefined;
  let watchBusy = false;
  const followUps = new Set<NodeJS.Timeout>();
  let stopped = false;
  let lastSettling = '';

  const detected = () => io.exists(conf) && io.which(config.cephBinary) !== undefined;

  function followUp(reason: string) {
    for (const t of followUps) clearTimeout(t);
    followUps.clear();
    if (stopped) return;
    for (const ms of FOLLOW_UP_MS) {
      const t = setTimeout(() => {
        followUps.delete(t);
        ctx.markDirty(reason);
      }, ms);
      t.unref();
      followUps.add(t);
    }
  }

  /** Pool usage goes through the mgr and may hang without one: never on the fast path. */
  function refreshDf(signal?: AbortSignal): Promise<void> {
    dfInFlight ??= cli
      .batch(['df'], { signal })
      .then(([raw]) => {
        df = { value: parseDf(raw), at: ctx.clock.monotonic() };
      })
      .catch((e: unknown) => {
        ctx.log.warn({ err: toPlinthError(e).message }, 'ceph df failed; pool usage is stale');
      })
      .finally(() => {
        dfInFlight = undefined;
      });
    return dfInFlight;
  }

  async function snapshot(signal?: AbortSignal): Promise<ClusterSnapshot> {
    const [statusRaw, dumpRaw, treeRaw, healthRaw] = await cli.batch(PASS_COMMANDS, { signal });
    const status = parseStatus(statusRaw);
    const s: ClusterSnapshot = {
      status,
      dump: parseOsdDump(dumpRaw),
      tree: parseOsdTree(treeRaw),
      health: parseHealth(healthRaw, 'health detail'),
    };
    fsid = status.fsid;
    localIds = localOsdIds(s.tree, hostBucket);
    return s;
  }

  async function asokRunning(id: number, clusterFsid?: string): Promise<boolean> {
    const path = control.adminSocketPath(id, clusterFsid);
    if (!path) return false;
    try {
      await io.adminSocket(path, { prefix: 'version' }, { timeoutMs: 500 });
      return true;
    } catch {
      return false;
    }
  }

  async function observeLocal(
    id: number,
    clusterFsid: string,
    signal?: AbortSignal,
  ): Promise<LocalOsd> {
    const path = control.adminSocketPath(id, clusterFsid);
    const local: LocalOsd = { id, running: false };
    if (path) {
      try {
        const opts = { timeoutMs: ASOK_TIMEOUT_MS, signal };
        const [perf, blocked] = await Promise.all([
          io.adminSocket(path, { prefix: 'perf dump', logger: 'osd' }, opts),
          io.adminSocket(path, { prefix: 'dump_blocked_ops' }, opts),
        ]);
        local.running = true;
        local.perf = parsePerfDump(perf);
        local.slowOps = parseBlockedOps(blocked);
      } catch (e) {
        if (isPlinthError(e) && e.code === ErrorCodes.PARSE) {
          ctx.log.warn({ osd: id, err: e.message }, 'unreadable OSD admin socket reply');
          local.running = true;
        }
      }
    }
    if (local.running) {
      let runner = runners.get(id);
      if (runner === undefined) {
        runner = (await control.locate(id, clusterFsid).catch(() => undefined))?.runner;
        if (runner) runners.set(id, runner);
      }
      if (runner) local.runner = runner;
    }
    return local;
  }

  async function observe(signal?: AbortSignal): Promise<Observation> {
    if (!detected()) return { objects: [] };
    const needDf = df === undefined || ctx.clock.monotonic() - df.at >= config.slowRefreshMs;
    // The first pass waits for pool usage (run side by side); later ones refresh it behind.
    const firstDf = needDf && df === undefined ? refreshDf(signal) : undefined;
    let s: ClusterSnapshot;
    try {
      s = await snapshot(signal);
    } catch (e) {
      const pe = toPlinthError(e, ErrorCodes.CEPH_UNAVAILABLE);
      lastError =
        pe.code === ErrorCodes.PARSE
          ? pe
          : new PlinthError(ErrorCodes.CEPH_UNAVAILABLE, pe.message, pe.details, { cause: pe });
      throw lastError;
    }
    if (needDf && s.status.mgrAvailable) {
      if (firstDf) await firstDf;
      else void refreshDf();
    }
    if (df) s.df = df.value;
    const locals = new Map<number, LocalOsd>();
    const results = await Promise.all(
      localIds.map((id) => observeLocal(id, s.status.fsid, signal)),
    );
    for (const l of results) locals.set(l.id, l);
    // A local OSD whose process state disagrees with the OSD map: the mon has not
    // decided yet; look again shortly instead of waiting for the next interval.
    // Only when the disagreement is new: a permanent one (e.g. a wrong adminSocketDir)
    // must not turn into an observe every second.
    const mapUp = new Map(s.dump.osds.map((o) => [o.id, o.up]));
    const settling = results
      .filter((l) => mapUp.get(l.id) !== l.running)
      .map((l) => `${l.id}:${String(l.running)}`)
      .join(',');
    if (settling !== '' && settling !== lastSettling) followUp('ceph: local OSD state settling');
    lastSettling = settling;
    for (const l of results) lastRunning.set(l.id, l.running);
    lastOkAt = ctx.clock.monotonic();
    lastError = undefined;
    metrics.update(s, hostBucket, locals);
    return buildObservation(s, hostBucket, locals);
  }

  /** Cheap local check (admin socket connect, no process spawn) between observe passes. */
  async function watchTick() {
    if (watchBusy || stopped || fsid === undefined) return;
    watchBusy = true;
    try {
      for (const id of localIds) {
        const running = await asokRunning(id, fsid);
        const before = lastRunning.get(id);
        lastRunning.set(id, running);
        if (before !== undefined && before !== running) {
          const reason = `ceph: osd.${id} ${running ? 'started' : 'stopped'} on this host`;
          ctx.markDirty(reason);
          followUp(reason);
        }
      }
    } finally {
      watchBusy = false;
    }
  }

  const engine: MaintenanceEngine = {
    ctx,
    config,
    hostBucket,
    cli,
    control,
    snapshot,
    running: (id, clusterFsid) => asokRunning(id, clusterFsid),
    async loadStopped() {
      const text = await io.readFile(stateFile);
      const out = new Map<number, OsdLocation>();
      if (text === undefined) return out;
      try {
        const parsed = JSON.parse(text) as { hostBucket?: string; osds?: OsdLocation[] };
        if (parsed.hostBucket === hostBucket) {
          for (const l of parsed.osds ?? []) if (Number.isInteger(l.id)) out.set(l.id, l);
        }
      } catch {
        ctx.log.warn({ stateFile }, 'unreadable Ceph maintenance state; ignoring it');
      }
      return out;
    },
    async saveStopped(locs) {
      await io.writeFile(stateFile, JSON.stringify({ hostBucket, osds: locs }));
    },
  };

  return {
    name: 'ceph',
    async start() {
      stopped = false;
      watchTimer = setInterval(
        () => void watchTick().catch(() => undefined),
        config.localCheckIntervalMs,
      );
      watchTimer.unref();
    },
    async stop() {
      stopped = true;
      if (watchTimer) clearInterval(watchTimer);
      for (const t of followUps) clearTimeout(t);
      followUps.clear();
      await dfInFlight;
    },
    async inventory(signal): Promise<JsonObject> {
      if (!detected()) return { detected: false, conf };
      const base: JsonObject = { detected: true, conf, hostBucket };
      try {
        const r = await ctx.exec(config.cephBinary, ['--version'], { timeoutMs: 5000, signal });
        base.version = r.stdout.trim();
      } catch (e) {
        base.versionError = toPlinthError(e).message;
      }
      return base;
    },
    async health(signal): Promise<Health> {
      if (!detected()) {
        return {
          status: 'undetected',
          message: io.exists(conf) ? `${config.cephBinary} not found` : `no ceph.conf at ${conf}`,
        };
      }
      if (
        lastError === undefined &&
        lastOkAt !== undefined &&
        ctx.clock.monotonic() - lastOkAt < HEALTH_FRESH_MS
      ) {
        return { status: 'healthy' };
      }
      try {
        const [raw] = await cli.batch(['status'], { signal });
        parseStatus(raw);
        return { status: 'healthy' };
      } catch (e) {
        const pe = toPlinthError(e, ErrorCodes.CEPH_UNAVAILABLE);
        return {
          status: 'unhealthy',
          code: pe.code === ErrorCodes.PARSE ? ErrorCodes.PARSE : ErrorCodes.CEPH_UNAVAILABLE,
          message: pe.message,
        };
      }
    },
    observe,
    command: (kind, args, signal) => runCommand(engine, kind, args, signal),
  };
}

export const cephDriverFactory: DriverFactory<CephConfig> = {
  name: 'ceph',
  configSchema: cephConfigSchema,
  create: (ctx, config) => createCephDriver(ctx, config),
};

/** The command kinds Driver.command accepts. */
export { COMMANDS as cephCommands } from './maintenance.js';
