import { spawn } from 'node:child_process';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, PlinthError } from '../lib/errors.js';
import { labAdmin } from './admin.js';
import { LAB_SENSORS, rawReading } from './bmc-sim.js';
import { findHost, type HostLayout } from './layout.js';
import { setPort } from './network.js';
import { bootStatus, hostDaemons, ipmitool } from './host.js';
import { startCoordinator, stopCoordinator } from './services.js';
import { labPaths, layoutOf, requireState, plinthArgv } from './state.js';
import { alive, netnsPids, run, signal, waitUntil } from './sys.js';
import { infoOf, resolveRef, type LabRef } from './info.js';

/* Operations on a running lab: partitions, power, exec, sensors, agent and coordinator. */

export interface PartitionOptions {
  /** Also cut the host's fabric link (BGP, data path). */
  all?: boolean;
  /** Cut the host's BMC instead (fencing then fails: the BMC is unreachable). */
  bmc?: boolean;
}

async function setHostLinks(
  r: LabRef,
  hostId: string,
  o: PartitionOptions,
  up: boolean,
): Promise<void> {
  const s = requireState(resolveRef(r).name, resolveRef(r).dir);
  const l = layoutOf(s);
  const h = findHost(l, hostId);
  if (o.bmc) {
    await setPort(l.netNs, h.bmcPort, up);
    return;
  }
  await setPort(l.netNs, h.mgmtPort, up);
  if (o.all || up) await setPort(l.spineNs, h.fabricPort, up);
}

/** Cut a host's management link (the coordinator loses it; BGP and data stay up unless `all`). */
export function partition(r: LabRef, hostId: string, o: PartitionOptions = {}): Promise<void> {
  return setHostLinks(r, hostId, o, false);
}

/** Restore what partition cut (management and fabric; with `bmc`, the BMC link). */
export function heal(r: LabRef, hostId: string, o: PartitionOptions = {}): Promise<void> {
  return setHostLinks(r, hostId, o, true);
}

/**
 * Power a host through its BMC (IPMI over the management network, as a fencing agent
 * would). `off` kills every process of the host; `on` boots it again. With `wait`,
 * `off` resolves once nothing of the host runs and `on` once it has booted.
 */
export async function power(
  r: LabRef,
  hostId: string,
  action: 'on' | 'off' | 'status',
  o: { wait?: boolean; timeoutMs?: number } = {},
): Promise<'on' | 'off'> {
  const s = requireState(resolveRef(r).name, resolveRef(r).dir);
  const h = findHost(layoutOf(s), hostId);
  if (action !== 'status') await ipmitool(h, ['chassis', 'power', action], 20_000);
  const out = await ipmitool(h, ['chassis', 'power', 'status']);
  const state = /is on/i.test(out) ? 'on' : 'off';
  if (o.wait && action === 'off')
    await waitUntil(
      `${hostId} to be off`,
      () => netnsPids(h.ns).length === 0,
      o.timeoutMs ?? 20_000,
    );
  if (o.wait && action === 'on')
    await waitUntil(
      `${hostId} to boot`,
      () => bootStatus(h) === 0 && hostDaemons(h).agent !== undefined,
      o.timeoutMs ?? 60_000,
    );
  return state;
}

function initPidOf(r: LabRef, hostId: string): { h: HostLayout; init: number } {
  const s = requireState(resolveRef(r).name, resolveRef(r).dir);
  const h = findHost(layoutOf(s), hostId);
  const init = hostDaemons(h).init;
  if (init === undefined)
    throw new PlinthError(ErrorCodes.UNAVAILABLE, `host ${hostId} is not running (powered off?)`);
  return { h, init };
}

/** nsenter argv prefix that runs a command inside a host (its network and mount namespaces). */
export function execArgv(r: LabRef, hostId: string, argv: readonly string[]): string[] {
  if (argv.length === 0) throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, 'nothing to run');
  const { init } = initPidOf(r, hostId);
  return ['nsenter', '-t', String(init), '-m', '-n', '--', ...argv];
}

/** Run a command inside a host and collect its output (throws on a non-zero exit). */
export async function labExec(
  r: LabRef,
  hostId: string,
  argv: readonly string[],
  timeoutMs = 30_000,
): Promise<{ stdout: string; stderr: string }> {
  const [file, ...args] = execArgv(r, hostId, argv);
  return run(file!, args, timeoutMs);
}

/** Run a command inside a host with the caller's terminal; resolves with its exit code. */
export function labExecInteractive(
  r: LabRef,
  hostId: string,
  argv: readonly string[],
): Promise<number> {
  const [file, ...args] = execArgv(r, hostId, argv);
  return new Promise((resolve, reject) => {
    const child = spawn(file!, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
}

/** Set a BMC sensor's reading (applies within ~250 ms): e.g. heat a CPU past its threshold. */
export async function setSensor(
  r: LabRef,
  hostId: string,
  sensor: string,
  value: number,
): Promise<void> {
  const s = requireState(resolveRef(r).name, resolveRef(r).dir);
  const h = findHost(layoutOf(s), hostId);
  const i = LAB_SENSORS.findIndex((x) => x.name === sensor);
  if (i < 0)
    throw new PlinthError(
      ErrorCodes.NOT_FOUND,
      `no sensor ${sensor} (sensors: ${LAB_SENSORS.map((x) => x.name).join(', ')})`,
    );
  const f = join(h.dir, 'bmc', 'sensors', `s${i + 1}`);
  await writeFile(`${f}.tmp`, `${rawReading(LAB_SENSORS[i]!.type, value)}\n`);
  await rename(`${f}.tmp`, f);
}

/**
 * Stop the host's agent and keep it stopped (`hold`), or let its init start it again.
 * Restart = hold then release. Resolves once the agent is gone / back.
 */
export async function agentHold(
  r: LabRef,
  hostId: string,
  hold: boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const { h } = initPidOf(r, hostId);
  const flag = join(h.dir, 'agent.hold');
  if (hold) {
    await writeFile(flag, '');
    const pid = hostDaemons(h).agent;
    // It may exit on its own meanwhile (init.pl restarts it): gone is fine.
    if (pid !== undefined) signal(pid, 'SIGTERM');
    await waitUntil(
      `the agent of ${hostId} to stop`,
      () => hostDaemons(h).agent === undefined && !alive(pid),
      timeoutMs,
    );
  } else {
    await rm(flag, { force: true });
    await waitUntil(
      `the agent of ${hostId} to start`,
      () => hostDaemons(h).agent !== undefined,
      timeoutMs,
    );
  }
}

/**
 * The lab's coordinator process: `stop` (SIGTERM, clean), `kill` (SIGKILL, a crash),
 * `start` (unless it runs; resolves once it answers). For coordinator-restart tests.
 */
export async function coordinatorControl(
  r: LabRef,
  action: 'start' | 'stop' | 'kill',
  timeoutMs = 30_000,
): Promise<number | undefined> {
  const s = requireState(resolveRef(r).name, resolveRef(r).dir);
  const l = layoutOf(s);
  const p = labPaths(s.dir);
  if (action !== 'start') {
    await stopCoordinator(p, action === 'kill');
    return undefined;
  }
  const pid = await startCoordinator(l, p, plinthArgv(p, s.runtime ?? 'dist'));
  await waitUntil(
    `the coordinator at ${l.coordinator}`,
    async () => {
      const a = await labAdmin(infoOf(l, p).target, 3000);
      try {
        await a.listHosts();
        return true;
      } finally {
        a.close();
      }
    },
    timeoutMs,
    300,
  );
  return pid;
}
