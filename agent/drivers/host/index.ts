import { ErrorCodes, toPlinthError } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import { hostFs, type HostFs } from '../../host/procfs.js';
import { openRtnetlink, type OpenRtnetlink } from '../../host/rtnetlink.js';
import type { Driver, DriverContext, DriverFactory, Health, Observation } from '../driver.js';
import {
  HOST_CONFIG_DEFAULTS,
  hostConfigSchema,
  resolveRouteTables,
  type HostDriverConfig,
} from './config.js';
import { gatherInventory, type HostInventory, type SiFactsSource } from './inventory.js';
import { registerHostMetrics } from './metrics.js';
import { createNetlinkSession, realTimers, type Timers } from './netlink-session.js';
import { siFactsViaChild } from './si-facts-exec.js';
import { buildObjects, eventMatters, parseDumps, routesTruncatedCondition } from './observe-map.js';
import {
  RTM,
  RTMGRP,
  encodeAddrDumpRequest,
  encodeLinkDumpRequest,
  encodeLinkGetRequest,
  encodeRouteDumpRequest,
} from './rtnetlink-parse.js';

export type { HostDriverConfig } from './config.js';
export type { HostInventory } from './inventory.js';

/** Every netns has its loopback at ifindex 1: a GETLINK for it proves the socket works. */
const LOOPBACK_INDEX = 1;

export interface HostDriverDeps {
  ctx: DriverContext;
  openNetlink: OpenRtnetlink;
  fs: HostFs;
  /** The systeminformation calls; production runs them in a child process (si-facts-exec.ts). */
  siFacts: SiFactsSource;
  timers: Timers;
}

export function createHostDriver(deps: HostDriverDeps, cfg: Partial<HostDriverConfig>): Driver {
  const config: HostDriverConfig = { ...HOST_CONFIG_DEFAULTS, ...cfg };
  const { ctx } = deps;
  const tables = resolveRouteTables(config.routeTables);

  const session = createNetlinkSession(
    { open: deps.openNetlink, clock: ctx.clock, log: ctx.log, timers: deps.timers },
    {
      groups:
        RTMGRP.LINK |
        RTMGRP.IPV4_IFADDR |
        RTMGRP.IPV6_IFADDR |
        RTMGRP.IPV4_ROUTE |
        RTMGRP.IPV6_ROUTE,
      timeoutMs: config.netlinkTimeoutMs,
      onNotification: (msg) => {
        if (eventMatters(msg.type, msg.payload, tables)) ctx.markDirty('netlink');
      },
      onReopen: () => ctx.markDirty('netlink-reopen'),
    },
  );

  registerHostMetrics(ctx.metrics, { fs: deps.fs, clock: ctx.clock });

  let inventory: { at: number; value: HostInventory } | undefined;
  let gathering: Promise<HostInventory> | undefined;

  const gather = (signal: AbortSignal): Promise<HostInventory> => {
    gathering ??= gatherInventory(
      { siFacts: deps.siFacts, fs: deps.fs, now: () => ctx.clock.now() },
      config.inventoryCallTimeoutMs,
      signal,
    )
      .then((value) => {
        inventory = { at: ctx.clock.monotonic(), value };
        if (value.notes.length > 0)
          ctx.log.warn({ notes: value.notes }, 'host inventory is partial');
        return value;
      })
      .finally(() => {
        gathering = undefined;
      });
    return gathering;
  };

  return {
    name: 'host',

    async start() {
      await session.start();
    },

    async stop() {
      await session.stop();
    },

    async inventory(signal: AbortSignal): Promise<JsonObject> {
      const fresh =
        inventory && ctx.clock.monotonic() - inventory.at < config.inventoryRefreshSeconds * 1000;
      return fresh && inventory ? inventory.value : await gather(signal);
    },

    async health(signal: AbortSignal): Promise<Health> {
      try {
        await session.request(RTM.GETLINK, encodeLinkGetRequest(LOOPBACK_INDEX), {
          dump: false,
          signal,
        });
        return { status: 'healthy' };
      } catch (e) {
        const err = toPlinthError(e, ErrorCodes.UNAVAILABLE);
        return { status: 'unhealthy', code: err.code, message: `rtnetlink: ${err.message}` };
      }
    },

    async observe(signal: AbortSignal): Promise<Observation> {
      // Three requests, one after the other: node-netlink handles one at a time.
      const links = await session.request(RTM.GETLINK, encodeLinkDumpRequest(), {
        dump: true,
        signal,
      });
      const addrs = await session.request(RTM.GETADDR, encodeAddrDumpRequest(), {
        dump: true,
        signal,
      });
      const routes = await session.request(RTM.GETROUTE, encodeRouteDumpRequest(), {
        dump: true,
        signal,
      });
      const built = buildObjects(parseDumps(links, addrs, routes), tables, config.maxRoutes);
      return {
        objects: built.objects,
        conditions: [routesTruncatedCondition(built.droppedRoutes, config.maxRoutes)],
      };
    },
  };
}

export const hostDriverFactory: DriverFactory<HostDriverConfig> = {
  name: 'host',
  configSchema: hostConfigSchema,
  create(ctx, config) {
    return createHostDriver(
      {
        ctx,
        openNetlink: openRtnetlink,
        fs: hostFs,
        siFacts: siFactsViaChild(ctx.exec),
        timers: realTimers,
      },
      config,
    );
  },
};
