import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { DriverContext, DriverEvent } from '../../agent/drivers/driver.js';
import { systemClock } from '../../agent/host/clock.js';
import { execFile } from '../../agent/host/exec.js';
import { silentLog } from '../../lib/log.js';

/**
 * Real ovsdb-server + ovs-vswitchd under a fresh temp dir, started by hand (no
 * systemd) with explicit socket, unixctl, pidfile and log paths, stopped by PID.
 * Bridges must use datapath_type=netdev: there is no OVS kernel module here.
 */

export const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
const BINARIES = ['ovsdb-server', 'ovs-vswitchd', 'ovsdb-tool', 'ovs-vsctl'];
const CMD_TIMEOUT_MS = 10_000;

export interface OvsHarness {
  dir: string;
  dbPath: string;
  dbSocket: string;
  /** ovs-vsctl against this instance, --no-wait (it never blocks on ovs-vswitchd). */
  vsctl(...args: string[]): Promise<string>;
  /** Stop ovsdb-server alone (ovs-vswitchd keeps running and reconnects later). */
  stopDb(): Promise<void>;
  startDb(): Promise<void>;
  /** Records in the database file's transaction log (`ovsdb-tool show-log -m`). */
  showLog(): Promise<string>;
  /** Stop both daemons by PID and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

async function which(bin: string): Promise<boolean> {
  for (const d of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    try {
      await access(join(d, bin));
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/** Why the real daemons cannot run here, or undefined when they can. */
export async function ovsUnavailable(): Promise<string | undefined> {
  for (const b of BINARIES) {
    if (!(await which(b))) return `${b} not found (Debian package openvswitch-switch)`;
  }
  try {
    await access(OVS_SCHEMA);
  } catch {
    return `${OVS_SCHEMA} missing (Debian package openvswitch-common)`;
  }
  if (process.getuid?.() !== 0) return 'the OVS integration tests need root';
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return true;
}

async function isZombieOrGone(pid: number): Promise<boolean> {
  if (!alive(pid)) return true;
  try {
    // PID 1 here reaps late: a zombie has exited for our purposes.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL after ~3 s; bounded in count and time. */
async function stopPid(pid: number | undefined): Promise<void> {
  if (pid === undefined || (await isZombieOrGone(pid))) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 60; i++) {
    if (await isZombieOrGone(pid)) return;
    if (i === 30) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (let i = 0; i < 1000 && Date.now() < until; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function startOvs(opts: { vswitchd?: boolean } = {}): Promise<OvsHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'plt-ovs-'));
  const dbPath = join(dir, 'conf.db');
  const dbSocket = join(dir, 'db.sock');
  const dbPid = join(dir, 'ovsdb.pid');
  const vsPid = join(dir, 'vswitchd.pid');
  // OVS_RUNDIR etc. keep the per-bridge .mgmt/.snoop sockets and any default path
  // inside this instance's dir, so two instances (or a packaged OVS) never collide.
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  const run = (file: string, args: string[]) =>
    execFile(file, args, { timeoutMs: CMD_TIMEOUT_MS, cwd: dir, env });

  const startDb = async (): Promise<void> => {
    await run('ovsdb-server', [
      dbPath,
      `--remote=punix:${dbSocket}`,
      `--unixctl=${join(dir, 'ovsdb.ctl')}`,
      `--pidfile=${dbPid}`,
      `--log-file=${join(dir, 'ovsdb.log')}`,
      '--detach',
    ]);
    await waitFor('ovsdb-server socket', async () => {
      try {
        await access(dbSocket);
        return true;
      } catch {
        return false;
      }
    });
  };
  const vsctl = async (...args: string[]): Promise<string> =>
    (await run('ovs-vsctl', [`--db=unix:${dbSocket}`, '--no-wait', '--timeout=5', ...args])).stdout;

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // ovs-vswitchd's userspace datapath leaves its tap devices behind when it exits.
    const taps = await vsctl('--bare', '--columns=name', 'find', 'Interface', 'type=internal')
      .then((out) => out.split(/\s+/).filter((n) => n.startsWith('plt-ovs')))
      .catch(() => [] as string[]);
    await stopPid(await readPid(vsPid));
    await stopPid(await readPid(dbPid));
    await deleteLinks(taps);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await run('ovsdb-tool', ['create', dbPath, OVS_SCHEMA]);
    await startDb();
    await vsctl('init');
    // What ovs-ctl does at boot on a packaged host: record the versions in the root row.
    const version = /\d+\.\d+\.\d+/.exec((await run('ovs-vswitchd', ['--version'])).stdout)?.[0];
    const schemaVersion = (await run('ovsdb-tool', ['schema-version', OVS_SCHEMA])).stdout.trim();
    await vsctl(
      'set',
      'Open_vSwitch',
      '.',
      `ovs_version=${JSON.stringify(version ?? 'unknown')}`,
      `db_version=${JSON.stringify(schemaVersion)}`,
      'external_ids:system-id=plt-ovs-test',
    );
    if (opts.vswitchd !== false) {
      await run('ovs-vswitchd', [
        `unix:${dbSocket}`,
        `--unixctl=${join(dir, 'vswitchd.ctl')}`,
        `--pidfile=${vsPid}`,
        `--log-file=${join(dir, 'vswitchd.log')}`,
        '--detach',
      ]);
      // datapath_types appears once ovs-vswitchd has connected and configured itself.
      await waitFor('ovs-vswitchd', async () =>
        (await vsctl('get', 'Open_vSwitch', '.', 'datapath_types')).includes('netdev'),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    dir,
    dbPath,
    dbSocket,
    vsctl,
    startDb,
    async stopDb() {
      await stopPid(await readPid(dbPid));
      await rm(dbSocket, { force: true });
    },
    async showLog() {
      return (await run('ovsdb-tool', ['show-log', '-m', dbPath])).stdout;
    },
    stop,
  };
}

/** Delete links this test created, in case a daemon left a tap behind (bounded, ignores absent). */
export async function deleteLinks(names: readonly string[]): Promise<void> {
  for (const n of names) {
    await execFile('ip', ['link', 'del', n], { timeoutMs: 5000 }).catch(() => undefined);
  }
}

export async function deleteNetns(names: readonly string[]): Promise<void> {
  for (const n of names) {
    await execFile('ip', ['netns', 'del', n], { timeoutMs: 5000 }).catch(() => undefined);
  }
}

export interface RecordedContext {
  ctx: DriverContext;
  registry: Registry;
  dirty: Array<{ reason: string; at: number }>;
  events: DriverEvent[];
}

/** A DriverContext for driving the driver directly: silent log, real exec, system clock. */
export function recordingContext(dir: string): RecordedContext {
  const registry = new Registry();
  const dirty: Array<{ reason: string; at: number }> = [];
  const events: DriverEvent[] = [];
  return {
    registry,
    dirty,
    events,
    ctx: {
      log: silentLog(),
      exec: execFile,
      clock: systemClock,
      metrics: registry,
      markDirty: (reason) => dirty.push({ reason, at: systemClock.monotonic() }),
      emit: (e) => events.push(e),
      paths: { stateDir: dir, runDir: dir },
    },
  };
}

/** Transactions plinth wrote, counted from the database file itself (the comment each carries). */
export function plinthWrites(showLog: string): number {
  return showLog.split('\n').filter((l) => l.includes('plinth-ovs plinth-owner=')).length;
}
