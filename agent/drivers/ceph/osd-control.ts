import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { Clock } from '../../host/clock.js';
import type { Exec } from '../../host/exec.js';
import type { DockerApi } from '../containers/docker.js';
import { containerOsd } from '../containers/osd-map.js';
import { renderStartCommand, renderUnit, type CephConfig, type OsdRunner } from './config.js';
import type { CephHostIo } from './host-io.js';
import {
  adminSocketCandidates,
  osdIdFromCmdline,
  procStateFromStat,
  supervisorFromCgroup,
} from './local-osds.js';

/** How one local OSD runs, and the handle to stop/start it by. */
export interface OsdLocation {
  id: number;
  runner: OsdRunner;
  pid?: number;
  unit?: string;
  containerId?: string;
  containerName?: string;
}

export interface OsdControl {
  /** The admin socket path that exists for OSD `id`, if any. */
  adminSocketPath(id: number, fsid?: string): string | undefined;
  /** PID of the running ceph-osd for `id` (zombies excluded). */
  findPid(id: number): Promise<number | undefined>;
  locate(id: number, fsid: string | undefined, remembered?: OsdLocation): Promise<OsdLocation>;
  /** Stop and wait until it is gone (bounded); returns what was done. */
  stop(loc: OsdLocation, signal?: AbortSignal): Promise<string>;
  start(loc: OsdLocation, signal?: AbortSignal): Promise<string>;
}

export interface OsdControlDeps {
  exec: Exec;
  clock: Clock;
  io: CephHostIo;
  config: CephConfig;
  /** Lazily connected; undefined when there is no Docker socket. */
  docker(): DockerApi | undefined;
  conf: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new PlinthError(ErrorCodes.TIMEOUT, 'aborted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new PlinthError(ErrorCodes.TIMEOUT, 'aborted'));
      },
      { once: true },
    );
  });

export function createOsdControl(d: OsdControlDeps): OsdControl {
  const pidCache = new Map<number, number>();

  const alive = async (pid: number): Promise<boolean> => {
    const stat = await d.io.readProc(pid, 'stat');
    if (stat === undefined) return false;
    const state = procStateFromStat(stat);
    return state !== 'Z' && state !== 'X';
  };

  const isOsd = async (pid: number, id: number): Promise<boolean> => {
    const cmdline = await d.io.readProc(pid, 'cmdline');
    return cmdline !== undefined && osdIdFromCmdline(cmdline) === id && (await alive(pid));
  };

  async function findPid(id: number): Promise<number | undefined> {
    const cached = pidCache.get(id);
    if (cached !== undefined && (await isOsd(cached, id))) return cached;
    pidCache.delete(id);
    // Bounded by the number of processes; only runs when the cached PID is gone.
    for (const pid of await d.io.listPids()) {
      const cmdline = await d.io.readProc(pid, 'cmdline');
      if (cmdline === undefined) continue;
      const osd = osdIdFromCmdline(cmdline);
      if (osd === undefined || !(await alive(pid))) continue;
      pidCache.set(osd, pid);
    }
    return pidCache.get(id);
  }

  async function containerFor(id: number, fsid: string | undefined) {
    // No dockerd, or one that does not answer, means: not a container-run OSD.
    try {
      const list = (await d.docker()?.list()) ?? [];
      return list.find((c) => containerOsd(c, fsid)?.osdId === id);
    } catch {
      return undefined;
    }
  }

  const hasSystemd = () => d.io.exists('/run/systemd/system');

  async function locate(id: number, fsid: string | undefined, remembered?: OsdLocation) {
    const forced = d.config.osdRunner;
    const pid = await findPid(id);
    const loc: OsdLocation = { id, runner: 'process' };
    if (pid !== undefined) loc.pid = pid;
    if (forced === 'container' || forced === 'auto') {
      const c = await containerFor(id, fsid);
      if (c)
        return { ...loc, runner: 'container' as const, containerId: c.id, containerName: c.name };
      if (forced === 'container') {
        throw new PlinthError(ErrorCodes.NOT_FOUND, `no container runs osd.${id}`, { osd: id });
      }
    }
    if (forced === 'systemd') {
      return { ...loc, runner: 'systemd' as const, unit: renderUnit(d.config.systemdUnit, id) };
    }
    if (forced === 'process') return loc;
    if (pid !== undefined) {
      const cg = await d.io.readProc(pid, 'cgroup');
      const sup = supervisorFromCgroup(cg ?? '');
      if (sup.kind === 'systemd') return { ...loc, runner: 'systemd' as const, unit: sup.unit };
      if (sup.kind === 'container') {
        return { ...loc, runner: 'container' as const, containerId: sup.containerId };
      }
      return loc;
    }
    // Not running: how we stopped it last time, else what the host's init suggests.
    if (remembered) return { ...remembered, id };
    if (hasSystemd())
      return { ...loc, runner: 'systemd' as const, unit: renderUnit(d.config.systemdUnit, id) };
    return loc;
  }

  async function waitGone(pid: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = d.clock.monotonic() + timeoutMs;
    for (let i = 0; i < Math.ceil(timeoutMs / 100) + 1; i++) {
      if (!(await alive(pid))) return true;
      if (d.clock.monotonic() > deadline) break;
      await sleep(100, signal);
    }
    return !(await alive(pid));
  }

  function needDocker(): DockerApi {
    const docker = d.docker();
    if (!docker) {
      throw new PlinthError(
        ErrorCodes.DOCKER_UNAVAILABLE,
        `no Docker socket at ${d.config.dockerSocket}`,
      );
    }
    return docker;
  }

  async function stop(loc: OsdLocation, signal?: AbortSignal): Promise<string> {
    const timeoutMs = d.config.osdStopTimeoutMs;
    switch (loc.runner) {
      case 'container': {
        if (!loc.containerId)
          throw new PlinthError(ErrorCodes.NOT_FOUND, `osd.${loc.id}: no container`);
        await needDocker().stop(loc.containerId, Math.ceil(timeoutMs / 1000));
        return `stopped container ${loc.containerName ?? loc.containerId.slice(0, 12)}`;
      }
      case 'systemd': {
        const unit = loc.unit ?? renderUnit(d.config.systemdUnit, loc.id);
        await d.exec(d.config.systemctlBinary, ['stop', unit], {
          timeoutMs: timeoutMs + 5000,
          signal,
        });
        return `stopped systemd unit ${unit}`;
      }
      case 'process': {
        const pid = await findPid(loc.id);
        if (pid === undefined) return 'was not running';
        d.io.kill(pid, 'SIGTERM');
        if (await waitGone(pid, timeoutMs, signal)) return `stopped pid ${pid} (SIGTERM)`;
        d.io.kill(pid, 'SIGKILL');
        if (await waitGone(pid, 5000, signal)) {
          return `pid ${pid} ignored SIGTERM for ${timeoutMs} ms and was killed (SIGKILL)`;
        }
        throw new PlinthError(
          ErrorCodes.TIMEOUT,
          `osd.${loc.id} (pid ${pid}) did not exit after SIGKILL`,
        );
      }
    }
  }

  async function start(loc: OsdLocation, signal?: AbortSignal): Promise<string> {
    const timeoutMs = d.config.osdStartTimeoutMs;
    switch (loc.runner) {
      case 'container': {
        if (!loc.containerId)
          throw new PlinthError(ErrorCodes.NOT_FOUND, `osd.${loc.id}: no container`);
        await needDocker().start(loc.containerId);
        return `started container ${loc.containerName ?? loc.containerId.slice(0, 12)}`;
      }
      case 'systemd': {
        const unit = loc.unit ?? renderUnit(d.config.systemdUnit, loc.id);
        await d.exec(d.config.systemctlBinary, ['start', unit], { timeoutMs, signal });
        return `started systemd unit ${unit}`;
      }
      case 'process': {
        const running = await findPid(loc.id);
        if (running !== undefined) return `already running (pid ${running})`;
        const argv = renderStartCommand(d.config.osdStartCommand, loc.id);
        await d.exec(argv[0]!, argv.slice(1), {
          timeoutMs,
          signal,
          env: { ...process.env, CEPH_CONF: d.conf },
        });
        const pid = await findPid(loc.id);
        return pid !== undefined ? `started pid ${pid}` : `ran ${argv.join(' ')}`;
      }
    }
  }

  return {
    adminSocketPath(id, fsid) {
      return adminSocketCandidates(d.config.adminSocketDir, id, fsid).find((p) => d.io.exists(p));
    },
    findPid,
    locate,
    stop,
    start,
  };
}
