import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from '../../agent/host/exec.js';

/**
 * A real one-host Ceph 16 cluster on 127.0.0.1 for tests: one mon, one mgr and
 * three bluestore OSDs on sparse files, everything under one temp dir located by one
 * ceph.conf. Daemons daemonize the production way (no -f) and are stopped by the PID
 * in their pid_file, so the driver's process-mode stop/start path is the real one.
 *
 * CRUSH layout: the OSDs carry `crush_location` host buckets so that one machine
 * looks like two storage hosts: the "local" host `plt-ceph-h0` holds osd.0 and
 * osd.1, `plt-ceph-h1` holds osd.2. Pools replicate across hosts (chooseleaf host),
 * so a pool with size 2 / min_size 2 makes stopping h0's OSDs unsafe and min_size 1
 * makes it safe — the two ok-to-stop answers the maintenance tests need.
 */

const MON_PORT = 19800;
const PORT_MIN = 19801;
const PORT_MAX = 19899;
export const LOCAL_HOST_BUCKET = 'plt-ceph-h0';
export const REMOTE_HOST_BUCKET = 'plt-ceph-h1';
const OSD_HOSTS = [LOCAL_HOST_BUCKET, LOCAL_HOST_BUCKET, REMOTE_HOST_BUCKET];

const BINARIES = ['ceph', 'ceph-mon', 'ceph-osd', 'ceph-mgr', 'monmaptool', 'rados'];

/** Why the cluster cannot run here, or undefined when it can. */
export function cephMissingReason(): string | undefined {
  const path = (process.env.PATH ?? '/usr/bin:/bin').split(':');
  for (const b of BINARIES) {
    if (!path.some((d) => existsSync(join(d, b)))) {
      return `${b} not installed (apt-get install ceph-mon ceph-osd ceph-mgr ceph-common)`;
    }
  }
  if (process.getuid && process.getuid() !== 0) return 'the Ceph harness needs root';
  return undefined;
}

export interface CephCluster {
  dir: string;
  conf: string;
  fsid: string;
  runDir: string;
  osdIds: number[];
  localOsdIds: number[];
  localHostBucket: string;
  /** argv template the driver uses to start a process-run OSD. */
  osdStartCommand: string[];
  env: NodeJS.ProcessEnv;
  /** Run the ceph CLI against this cluster; returns stdout. */
  ceph(args: string[], timeoutMs?: number): Promise<string>;
  cephJson<T = unknown>(args: string[], timeoutMs?: number): Promise<T>;
  osdPid(id: number): Promise<number | undefined>;
  monPid(): Promise<number | undefined>;
  /** Write `count` small objects with `rados put` (client traffic for the perf counters). */
  putObjects(pool: string, count: number): Promise<void>;
  killOsd(id: number, signal?: NodeJS.Signals): Promise<void>;
  startOsd(id: number): Promise<void>;
  createPool(name: string, size: number, minSize: number, pgNum?: number): Promise<void>;
  setPoolSize(name: string, size: number, minSize: number): Promise<void>;
  waitOsdUp(id: number, up: boolean, timeoutMs?: number): Promise<void>;
  waitActiveClean(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function confText(dir: string, fsid: string): string {
  const osdSections = OSD_HOSTS.map(
    (h, id) => `[osd.${id}]\ncrush_location = root=default host=${h}\n`,
  ).join('\n');
  return `[global]
fsid = ${fsid}
mon_host = [v2:127.0.0.1:${MON_PORT}]
mon_initial_members = a
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_msgr2 = true
ms_bind_port_min = ${PORT_MIN}
ms_bind_port_max = ${PORT_MAX}
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
run_dir = ${dir}/run
admin_socket = ${dir}/run/$cluster-$name.asok
crash_dir = ${dir}/crash
log_file = ${dir}/log/$cluster-$name.log
pid_file = ${dir}/run/$cluster-$name.pid
mon_cluster_log_file = ${dir}/log/cluster.log
mon_data = ${dir}/mon/$cluster-$id
osd_data = ${dir}/osd/$cluster-$id
mgr_data = ${dir}/mgr/$cluster-$id
keyring = /dev/null
osd_pool_default_size = 2
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_delete = true
mon_allow_pool_size_one = true
paxos_propose_interval = 0.1
mgr_initial_modules =
mon_warn_on_insecure_global_id_reclaim = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
mon_data_avail_warn = 1
mon_data_avail_crit = 0
mon_max_pg_per_osd = 1000
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = 2147483648
bluestore_fsck_on_mount = false
bluestore_cache_size = 67108864
osd_memory_target = 939524096
osd_beacon_report_interval = 1
mon_osd_report_timeout = 5
mon_tick_interval = 1
osd_heartbeat_grace = 3
osd_heartbeat_interval = 1
mon_osd_min_down_reporters = 1
mon_osd_reporter_subtree_level = osd
osd_op_num_shards = 1
osd_op_num_threads_per_shard = 1
debug_ms = 0
[client]
rados_mon_op_timeout = 30
log_file = ${dir}/log/$cluster-client.log

${osdSections}`;
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie: PID 1 here reaps late, so kill -0 alone lies. */
export async function pidAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  stepMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < Math.ceil(timeoutMs / stepMs) + 1; i++) {
    if (await check()) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function stopPid(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  try {
    await waitFor(`pid ${pid} to exit`, async () => !(await pidAlive(pid)), timeoutMs, 100);
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export async function startCephCluster(opts: { keep?: boolean } = {}): Promise<CephCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'plt-ceph-'));
  const fsid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  const runDir = join(dir, 'run');
  for (const d of ['run', 'crash', 'log', 'mon/ceph-a', 'mgr/ceph-x']) {
    await mkdir(join(dir, d), { recursive: true });
  }
  await writeFile(conf, confText(dir, fsid));
  const env = { ...process.env, CEPH_CONF: conf };
  const run = async (file: string, args: string[], timeoutMs = 60_000) =>
    (await execFile(file, args, { timeoutMs, env })).stdout;
  const ceph = (args: string[], timeoutMs = 30_000) =>
    run('ceph', ['--conf', conf, '--connect-timeout', '20', ...args], timeoutMs);
  const cephJson = async <T>(args: string[], timeoutMs?: number) =>
    JSON.parse(await ceph([...args, '--format', 'json'], timeoutMs)) as T;
  const pidFile = (name: string) => join(runDir, `ceph-${name}.pid`);
  const osdIds = OSD_HOSTS.map((_, i) => i);

  const cluster: CephCluster = {
    dir,
    conf,
    fsid,
    runDir,
    osdIds,
    localOsdIds: osdIds.filter((i) => OSD_HOSTS[i] === LOCAL_HOST_BUCKET),
    localHostBucket: LOCAL_HOST_BUCKET,
    osdStartCommand: ['ceph-osd', '--conf', conf, '-i', '{id}'],
    env,
    ceph,
    cephJson,
    osdPid: (id) => readPid(pidFile(`osd.${id}`)),
    monPid: () => readPid(pidFile('mon.a')),
    async putObjects(pool, count) {
      for (let i = 0; i < count; i++) {
        await run('rados', ['--conf', conf, '-p', pool, 'put', `plt-obj-${i}`, conf], 30_000);
      }
    },
    async killOsd(id, signal = 'SIGKILL') {
      const pid = await readPid(pidFile(`osd.${id}`));
      if (pid === undefined) throw new Error(`osd.${id} has no pid file`);
      process.kill(pid, signal);
      await waitFor(
        `osd.${id} (pid ${pid}) to die`,
        async () => !(await pidAlive(pid)),
        10_000,
        50,
      );
    },
    async startOsd(id) {
      // Without -f ceph-osd forks and its parent returns once the daemon has initialised.
      await run('ceph-osd', ['--conf', conf, '-i', String(id)], 60_000);
    },
    async createPool(name, size, minSize, pgNum = 8) {
      await ceph(['osd', 'pool', 'create', name, String(pgNum), String(pgNum), 'replicated']);
      await cluster.setPoolSize(name, size, minSize);
      await ceph(['osd', 'pool', 'application', 'enable', name, 'rbd']);
    },
    async setPoolSize(name, size, minSize) {
      await ceph(['osd', 'pool', 'set', name, 'size', String(size), '--yes-i-really-mean-it']);
      await ceph(['osd', 'pool', 'set', name, 'min_size', String(minSize)]);
    },
    async waitOsdUp(id, up, timeoutMs = 30_000) {
      await waitFor(
        `osd.${id} ${up ? 'up' : 'down'}`,
        async () => {
          const dump = await cephJson<{ osds: { osd: number; up: number }[] }>(['osd', 'dump']);
          return dump.osds.some((o) => o.osd === id && (o.up === 1) === up);
        },
        timeoutMs,
        300,
      );
    },
    async waitActiveClean(timeoutMs = 60_000) {
      await waitFor(
        'all PGs active+clean',
        async () => {
          const s = await cephJson<{
            pgmap: { num_pgs: number; pgs_by_state?: { state_name: string; count: number }[] };
          }>(['status']);
          const states = s.pgmap.pgs_by_state ?? [];
          return (
            s.pgmap.num_pgs > 0 &&
            states.length === 1 &&
            states[0]?.state_name === 'active+clean' &&
            states[0].count === s.pgmap.num_pgs
          );
        },
        timeoutMs,
        300,
      );
    },
    async stop() {
      const names = [...osdIds.map((i) => `osd.${i}`), 'mgr.x', 'mon.a'];
      for (const n of names) {
        const pid = await readPid(pidFile(n));
        if (pid !== undefined) await stopPid(pid, 10_000);
      }
      if (!opts.keep) await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    const monmap = join(dir, 'monmap');
    await run('monmaptool', [
      '--create',
      '--fsid',
      fsid,
      '--addv',
      'a',
      `[v2:127.0.0.1:${MON_PORT}]`,
      monmap,
    ]);
    await run('ceph-mon', ['--conf', conf, '--id', 'a', '--mkfs', '--monmap', monmap]);
    await run('ceph-mon', ['--conf', conf, '--id', 'a']);
    const uuids = osdIds.map(() => randomUUID());
    for (const id of osdIds) {
      await mkdir(join(dir, 'osd', `ceph-${id}`), { recursive: true });
      await ceph(['osd', 'new', uuids[id]!, String(id)]);
    }
    // bluestore mkfs is local work on each sparse file: run them side by side.
    await Promise.all(
      osdIds.map((id) =>
        run('ceph-osd', ['--conf', conf, '-i', String(id), '--mkfs', '--osd-uuid', uuids[id]!]),
      ),
    );
    // Start the OSDs side by side: each init is a few hundred ms of mostly waiting.
    await Promise.all(osdIds.map((id) => cluster.startOsd(id)));
    await run('ceph-mgr', ['--conf', conf, '-i', 'x']);
    for (const id of osdIds) await cluster.waitOsdUp(id, true);
    return cluster;
  } catch (e) {
    await cluster.stop().catch(() => undefined);
    throw e;
  }
}
