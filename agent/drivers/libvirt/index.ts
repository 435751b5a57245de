import { ErrorCodes, toPlinthError } from '../../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../../lib/json.js';
import {
  errorMessage,
  type ApplyResult,
  type Driver,
  type DriverContext,
  type DriverFactory,
  type Health,
  type Observation,
  type ObservedObject,
  type ParsedDesired,
} from '../driver.js';
import { executePlan, mapLimit, StateWaiters, type ExecutorDeps } from './actions.js';
import { notFound, type LibvirtApi } from './api.js';
import { defaultDeps, libvirtConfigSchema, LIBVIRT_DEFAULTS, type LibvirtDeps } from './config.js';
import { LibvirtConnection } from './connection.js';
import { createDomainMetrics } from './metrics.js';
import {
  lifecycleInfo,
  parseCapabilities,
  parseDomainXml,
  reasonName,
  stateName,
  statsFromParams,
  type DomainStats,
  type ParsedDomainXml,
} from './parse.js';
import { isActive, plan } from './plan.js';
import type { RenderContext } from './render.js';
import { uuidToString, type DomainRef, type LifecycleEvent } from './rpc/protocol.js';
import { parseDesiredDomains, type SpecContext } from './spec.js';
import {
  OBJECT_KIND,
  type DesiredDomains,
  type HostLimits,
  type LibvirtConfig,
  type ObservedDomain,
} from './types.js';

export type { LibvirtConfig } from './types.js';
export { libvirtConfigSchema, LIBVIRT_DEFAULTS, type LibvirtDeps } from './config.js';

interface CacheEntry {
  id: number;
  xml: ParsedDomainXml;
  persistent: boolean;
  definedHash?: string;
}

function toJson(v: unknown): JsonObject {
  return JSON.parse(JSON.stringify(v)) as JsonObject;
}

export function createLibvirtDriver(
  ctx: DriverContext,
  config: LibvirtConfig,
  deps: LibvirtDeps = defaultDeps,
): Driver<DesiredDomains> {
  const cache = new Map<string, CacheEntry>();
  const stale = new Set<string>();
  // Domains this instance defined: their events are known to be ours before the next observe.
  const definedHere = new Set<string>();
  const waiters = new StateWaiters();
  let forceRelist = true;
  let host: HostLimits | undefined;
  let relistTimer: NodeJS.Timeout | undefined;
  let applyChain: Promise<unknown> = Promise.resolve();
  const metrics = createDomainMetrics(ctx.metrics);
  const render: RenderContext = {
    imagePoolDir: config.imagePoolDir,
    consoleLogDir: config.consoleLogDir,
  };

  const onEvent = (ev: LifecycleEvent): void => {
    const uuid = uuidToString(ev.dom.uuid);
    const info = lifecycleInfo(ev.event, ev.detail);
    stale.add(uuid);
    const owned = cache.get(uuid)?.xml.owned ?? (definedHere.has(uuid) ? true : undefined);
    ctx.emit({
      type: 'libvirt.lifecycle',
      severity: info.severity,
      message: `domain ${ev.dom.name} ${info.event} (${info.detail})`,
      object: { kind: OBJECT_KIND, id: uuid },
      data: {
        uuid,
        name: ev.dom.name,
        event: info.event,
        detail: info.detail,
        at: ctx.clock.now(),
        ...(owned !== undefined ? { owned } : {}),
      },
    });
    ctx.markDirty(`libvirt ${info.event} ${ev.dom.name}`);
    waiters.wake(uuid);
  };

  const conn = new LibvirtConnection({
    socketPath: config.socketPath,
    uri: config.uri,
    callTimeoutMs: config.callTimeoutMs,
    connectTimeoutMs: Math.min(5000, config.callTimeoutMs),
    log: ctx.log,
    onEvent,
    onState: (connected, reason) => {
      // Anything may have happened while we were away: re-read everything.
      forceRelist = true;
      ctx.log.info(
        { connected, reason },
        connected ? 'libvirt connected' : 'libvirt connection lost',
      );
      ctx.markDirty(connected ? 'libvirt connected' : 'libvirt connection lost');
    },
  });

  async function hostLimits(api: LibvirtApi): Promise<HostLimits> {
    if (!host || forceRelist) {
      const n = await api.nodeInfo();
      host = { cpus: n.cpus, memoryMiB: Math.floor(Number(n.memoryKiB) / 1024) };
    }
    return host;
  }

  async function readEntry(api: LibvirtApi, dom: DomainRef): Promise<CacheEntry> {
    const [liveXml, persistent] = await Promise.all([
      api.domainXml(dom, false),
      api.isPersistent(dom),
    ]);
    const xml = parseDomainXml(liveXml);
    const entry: CacheEntry = { id: dom.id, xml, persistent };
    if (xml.owned && dom.id >= 0 && persistent) {
      entry.definedHash = parseDomainXml(await api.domainXml(dom, true)).specHash;
    } else if (persistent && xml.specHash) {
      entry.definedHash = xml.specHash;
    }
    return entry;
  }

  /** One pass: list + stats (2 calls), XML only for domains that changed since last pass. */
  async function observeDomains(
    signal?: AbortSignal,
  ): Promise<{ domains: ObservedDomain[]; stats: Map<string, DomainStats> }> {
    const api = await conn.get();
    const relist = forceRelist;
    const [doms] = await Promise.all([api.listDomains(), hostLimits(api)]);
    // libvirtd serves at most 5 requests per client at once (max_client_requests): 4 here.
    const records = doms.length > 0 ? await api.allDomainStatsParallel(doms, 4) : [];
    signal?.throwIfAborted();
    if (relist) forceRelist = false;
    const stats = new Map<string, DomainStats>();
    for (const r of records) stats.set(r.uuid, statsFromParams(r.params));
    const seen = new Set<string>();
    const entries = await mapLimit(doms, 2, async (dom) => {
      const uuid = uuidToString(dom.uuid);
      seen.add(uuid);
      const cached = cache.get(uuid);
      if (cached && !relist && cached.id === dom.id && !stale.has(uuid))
        return { dom, uuid, entry: cached };
      stale.delete(uuid);
      try {
        const entry = await readEntry(api, dom);
        cache.set(uuid, entry);
        return { dom, uuid, entry };
      } catch (e) {
        if (notFound(e)) return undefined; // undefined between list and read
        throw e;
      }
    });
    for (const uuid of cache.keys()) if (!seen.has(uuid)) cache.delete(uuid);

    const domains: ObservedDomain[] = [];
    for (const x of entries) {
      if (!x) continue;
      const { dom, uuid, entry } = x;
      let st = stats.get(uuid);
      if (!st) {
        const s = await api.domainState(dom).catch(() => ({ state: 0, reason: 0 }));
        st = { state: s.state, reason: s.reason, blocks: [], nets: [] };
      }
      const caps = new Map(st.blocks.map((b) => [b.name, b.capacityBytes]));
      const o: ObservedDomain = {
        uuid,
        name: dom.name,
        id: dom.id,
        state: stateName(st.state),
        reason: reasonName(st.state, st.reason),
        owned: entry.xml.owned,
        persistent: entry.persistent,
        domainType: entry.xml.domainType,
        vcpus: entry.xml.vcpus,
        memoryKiB: entry.xml.memoryKiB,
        disks: entry.xml.disks.map((d) => {
          const c = caps.get(d.target);
          return c !== undefined ? { ...d, capacityBytes: c } : d;
        }),
        nics: entry.xml.nics,
      };
      if (entry.xml.owned && entry.xml.specHash) o.liveSpecHash = entry.xml.specHash;
      if (entry.xml.owned && entry.definedHash) o.definedSpecHash = entry.definedHash;
      domains.push(o);
    }
    metrics.update(
      domains.map((d) => ({
        name: d.name,
        uuid: d.uuid,
        stats: stats.get(d.uuid) ?? { state: 0, reason: 0, blocks: [], nets: [] },
      })),
    );
    return { domains, stats };
  }

  function specContext(): SpecContext {
    return {
      defaultDomainType: config.defaultDomainType,
      defaultMachine: config.defaultMachine,
      imagePoolDir: config.imagePoolDir,
      kernelDirs: config.kernelDirs,
      ...(host ? { host } : {}),
    };
  }

  const executor: ExecutorDeps = {
    clock: ctx.clock,
    config,
    waiters,
    touched: (uuid) => stale.add(uuid),
    defining: (uuid) => definedHere.add(uuid),
  };

  async function applyNow(desired: DesiredDomains, signal: AbortSignal): Promise<ApplyResult[]> {
    let api: LibvirtApi;
    let observed: ObservedDomain[];
    try {
      // Plan against a fresh view, not the agent's last snapshot: actions must never be stale.
      observed = (await observeDomains(signal)).domains;
      api = await conn.get();
    } catch (e) {
      const err = toPlinthError(e, ErrorCodes.LIBVIRT_UNAVAILABLE);
      return [...desired.keys()].map((uuid) => ({
        kind: OBJECT_KIND,
        id: uuid,
        ok: false,
        code: err.code,
        message: err.message,
      }));
    }
    const paths = new Set<string>();
    for (const d of desired.values())
      if (d.boot) for (const p of [d.boot.kernel, d.boot.initrd]) if (p) paths.add(p);
    const missingFiles = new Set<string>();
    await Promise.all(
      [...paths].map(async (p) => (!(await deps.fileExists(p)) ? missingFiles.add(p) : undefined)),
    );
    const plans = plan({ desired, observed, missingFiles, render, ...(host ? { host } : {}) });
    const results = await mapLimit(plans, config.applyConcurrency, (p) =>
      executePlan(executor, api, p, signal).catch((e): ApplyResult => {
        const err = toPlinthError(e);
        return {
          kind: OBJECT_KIND,
          id: p.uuid,
          ok: false,
          action: p.summary,
          code: err.code,
          message: `${p.name}: ${err.message}`,
        };
      }),
    );
    if (plans.some((p) => p.actions.length > 0)) ctx.markDirty('libvirt apply');
    return results;
  }

  const driver: Driver<DesiredDomains> = {
    name: 'libvirt',
    desiredKey: 'domains',

    async start() {
      conn.start();
      relistTimer = setInterval(() => {
        forceRelist = true;
        ctx.markDirty('libvirt periodic relist');
      }, config.relistIntervalMs);
      relistTimer.unref();
    },

    async stop() {
      if (relistTimer) clearInterval(relistTimer);
      relistTimer = undefined;
      await conn.stop();
    },

    async inventory() {
      const api = await conn.get();
      const [caps, node, version] = await Promise.all([
        api.capabilities(),
        api.nodeInfo(),
        api.libVersion(),
      ]);
      host = { cpus: node.cpus, memoryMiB: Math.floor(Number(node.memoryKiB) / 1024) };
      return {
        libvirtVersion: version,
        node: {
          model: node.model,
          cpus: node.cpus,
          mhz: node.mhz,
          memoryMiB: host.memoryMiB,
          numaNodes: node.nodes,
          sockets: node.sockets,
          cores: node.cores,
          threads: node.threads,
        },
        capabilities: parseCapabilities(caps),
      };
    },

    async health(): Promise<Health> {
      if (!conn.everConnected && !conn.isConnected && !deps.socketExists(config.socketPath)) {
        return { status: 'undetected', message: `no libvirtd socket at ${config.socketPath}` };
      }
      try {
        const api = await conn.get();
        await api.libVersion(Math.min(config.callTimeoutMs, 5000));
        return { status: 'healthy' };
      } catch (e) {
        return {
          status: 'unhealthy',
          code: ErrorCodes.LIBVIRT_UNAVAILABLE,
          message: errorMessage(e),
        };
      }
    },

    async observe(signal): Promise<Observation> {
      let domains: ObservedDomain[];
      try {
        domains = (await observeDomains(signal)).domains;
      } catch (e) {
        throw toPlinthError(e, ErrorCodes.LIBVIRT_UNAVAILABLE);
      }
      const objects: ObservedObject[] = domains.map((d) => ({
        kind: OBJECT_KIND,
        id: d.uuid,
        data: toJson({
          ...d,
          pendingRestart:
            d.owned &&
            isActive(d.state) &&
            d.liveSpecHash !== d.definedSpecHash &&
            d.definedSpecHash !== undefined,
        }),
      }));
      return { objects };
    },

    parseDesired(raw: JsonValue | undefined): ParsedDesired<DesiredDomains> {
      return parseDesiredDomains(raw, specContext());
    },

    apply(desired, _observed, signal) {
      // One apply at a time: a domain never sees two action lists interleaved.
      const run = applyChain.then(() => applyNow(desired, signal));
      applyChain = run.catch(() => undefined);
      return run;
    },
  };
  return driver;
}

export const libvirtDriverFactory: DriverFactory<LibvirtConfig> = {
  name: 'libvirt',
  configSchema: libvirtConfigSchema,
  create: (ctx, config) => createLibvirtDriver(ctx, { ...LIBVIRT_DEFAULTS, ...config }),
};
