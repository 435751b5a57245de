import { existsSync } from 'node:fs';
import { Gauge } from 'prom-client';
import { backoffDelay } from '../../../lib/backoff.js';
import { ErrorCodes, toPlinthError } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import type { Driver, DriverContext, DriverFactory, Health, Observation } from '../driver.js';
import { createDockerApi, type DockerApi } from './docker.js';
import { containerObject } from './parse.js';
import { containersConfigSchema, type ContainersConfig } from './config.js';

export { containersConfigSchema, type ContainersConfig } from './config.js';

/** IO the driver needs beyond the DriverContext; tests pass fakes. */
export interface ContainersIo {
  socketExists(path: string): boolean;
  docker(socketPath: string, timeoutMs: number): DockerApi;
}

export const realContainersIo: ContainersIo = {
  socketExists: (p) => existsSync(p),
  docker: createDockerApi,
};

/**
 * Inventory of every container on the host through the Docker Engine API. It never
 * starts, stops or deletes a container: it has no command and no apply.
 */
export function createContainersDriver(
  ctx: DriverContext,
  config: ContainersConfig,
  io: ContainersIo = realContainersIo,
): Driver {
  const api = io.docker(config.socketPath, config.timeoutMs);
  const byState = new Gauge({
    name: 'plinth_containers',
    help: 'Containers on this host by state (created, running, paused, exited, ...)',
    labelNames: ['state'],
    registers: [ctx.metrics],
  });

  const detected = () => io.socketExists(config.socketPath);
  let closeWatch: (() => void) | undefined;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;
  let stopped = true;

  /** Container events only mark the driver dirty; the relist is the truth. */
  async function watch(): Promise<void> {
    if (stopped || !detected()) return scheduleWatch();
    try {
      closeWatch = await api.watch(
        (action, name) => {
          attempt = 0;
          ctx.markDirty(`container ${name} ${action}`);
        },
        (err) => {
          closeWatch = undefined;
          if (err) ctx.log.debug({ err: err.message }, 'docker event stream ended');
          scheduleWatch();
        },
      );
    } catch (e) {
      ctx.log.debug({ err: toPlinthError(e).message }, 'docker event stream unavailable');
      scheduleWatch();
    }
  }

  function scheduleWatch() {
    if (stopped) return;
    retry = setTimeout(
      () => void watch(),
      backoffDelay(attempt++, { initialMs: 1000, maxMs: 30_000, factor: 2 }),
    );
    retry.unref();
  }

  return {
    name: 'containers',
    async start() {
      stopped = false;
      attempt = 0;
      await watch();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      closeWatch?.();
      closeWatch = undefined;
    },
    async inventory(): Promise<JsonObject> {
      if (!detected()) return { detected: false };
      const v = await api.version();
      return { detected: true, dockerVersion: v.version, apiVersion: v.apiVersion };
    },
    async health(): Promise<Health> {
      if (!detected()) {
        return { status: 'undetected', message: `no Docker socket at ${config.socketPath}` };
      }
      try {
        await api.ping();
        return { status: 'healthy' };
      } catch (e) {
        const err = toPlinthError(e, ErrorCodes.DOCKER_UNAVAILABLE);
        return { status: 'unhealthy', code: ErrorCodes.DOCKER_UNAVAILABLE, message: err.message };
      }
    },
    async observe(): Promise<Observation> {
      if (!detected()) return { objects: [] };
      let list;
      try {
        list = await api.list();
      } catch (e) {
        throw toPlinthError(e, ErrorCodes.DOCKER_UNAVAILABLE);
      }
      byState.reset();
      for (const c of list) byState.inc({ state: c.state });
      return { objects: list.map(containerObject) };
    },
  };
}

export const containersDriverFactory: DriverFactory<ContainersConfig> = {
  name: 'containers',
  configSchema: containersConfigSchema,
  create: (ctx, config) => createContainersDriver(ctx, config),
};
