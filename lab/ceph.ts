import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from '../agent/host/exec.js';
import type { LabLayout } from './layout.js';
import { alive, readPid, waitUntil } from './sys.js';

/**
 * `lab up --ceph`: a one-host Ceph cluster (Pacific) in its own namespace on the
 * management network: one mon, one bluestore OSD on a sparse file, one mgr; no auth
 * (a lab), everything under LABDIR/ceph located by one ceph.conf, which clients on the
 * lab hosts use too (the agents' ceph driver gets `conf` = that file). Settings from
 * /work/shared/notes/real-daemons.md: fast paxos, quick OSD-down detection, a client
 * timeout so nothing hangs.
 */

export const CEPH_PORT = 3300;

export function cephDir(l: LabLayout): string {
  return join(l.dir, 'ceph');
}

export function cephConfPath(l: LabLayout): string {
  return join(cephDir(l), 'ceph.conf');
}

/** The CRUSH host bucket of the lab's OSD: no lab host's agent claims it as local. */
export function cephBucket(l: LabLayout): string {
  return `${l.name}-ceph`;
}

export interface CephConfOptions {
  /** Everything lives under it: run/, log/, crash/, mon/, osd/, mgr/. */
  dir: string;
  fsid: string;
  /** The one address every daemon binds and clients reach the mon on. */
  addr: string;
  monPort: number;
  /** The CRUSH host bucket of each OSD, by id. */
  osdBuckets: readonly string[];
  /** Replicas of a new pool. */
  poolSize: number;
  /** Place replicas on different OSDs rather than different host buckets. */
  replicateAcrossOsds?: boolean;
  /** Keep the daemons' other ports in this range (clear of other listeners). */
  portRange?: readonly [number, number];
}

/**
 * The ceph.conf of a one-machine cluster, for `lab up --ceph` and the test harness
 * alike: no auth, fast paxos and OSD-down detection, small bluestore files, a client
 * timeout so nothing hangs (settings from /work/shared/notes/real-daemons.md).
 */
export function cephConfText(o: CephConfOptions): string {
  const { dir, addr } = o;
  const lines = [
    '[global]',
    `fsid = ${o.fsid}`,
    `mon_host = [v2:${addr}:${o.monPort}]`,
    'mon_initial_members = a',
    `public_addr = ${addr}`,
    `cluster_addr = ${addr}`,
    'ms_bind_msgr1 = false',
    'ms_bind_msgr2 = true',
    ...(o.portRange
      ? [`ms_bind_port_min = ${o.portRange[0]}`, `ms_bind_port_max = ${o.portRange[1]}`]
      : []),
    'auth_cluster_required = none',
    'auth_service_required = none',
    'auth_client_required = none',
    `run_dir = ${dir}/run`,
    `admin_socket = ${dir}/run/$cluster-$name.asok`,
    `crash_dir = ${dir}/crash`,
    `log_file = ${dir}/log/$cluster-$name.log`,
    `pid_file = ${dir}/run/$cluster-$name.pid`,
    `mon_cluster_log_file = ${dir}/log/cluster.log`,
    `mon_data = ${dir}/mon/$cluster-$id`,
    `osd_data = ${dir}/osd/$cluster-$id`,
    `mgr_data = ${dir}/mgr/$cluster-$id`,
    'keyring = /dev/null',
    `osd_pool_default_size = ${o.poolSize}`,
    'osd_pool_default_min_size = 1',
    'osd_pool_default_pg_num = 8',
    'osd_pool_default_pgp_num = 8',
    'osd_pool_default_pg_autoscale_mode = off',
    ...(o.replicateAcrossOsds ? ['osd_crush_chooseleaf_type = 0'] : []),
    'mon_allow_pool_delete = true',
    'mon_allow_pool_size_one = true',
    'paxos_propose_interval = 0.1',
    'mgr_initial_modules =',
    'mon_warn_on_insecure_global_id_reclaim = false',
    'mon_warn_on_insecure_global_id_reclaim_allowed = false',
    'mon_warn_on_pool_no_redundancy = false',
    'mon_data_avail_warn = 1',
    'mon_data_avail_crit = 0',
    'mon_max_pg_per_osd = 1000',
    'osd_objectstore = bluestore',
    'bluestore_block_create = true',
    'bluestore_block_size = 2147483648',
    'bluestore_fsck_on_mount = false',
    'bluestore_cache_size = 67108864',
    'osd_memory_target = 939524096',
    'osd_beacon_report_interval = 1',
    'mon_osd_report_timeout = 5',
    'mon_tick_interval = 1',
    'osd_heartbeat_grace = 3',
    'osd_heartbeat_interval = 1',
    'mon_osd_min_down_reporters = 1',
    'mon_osd_reporter_subtree_level = osd',
    'osd_op_num_shards = 1',
    'osd_op_num_threads_per_shard = 1',
    'debug_ms = 0',
    '[client]',
    'rados_mon_op_timeout = 30',
    `log_file = ${dir}/log/$cluster-client.log`,
    ...o.osdBuckets.flatMap((b, id) => [`[osd.${id}]`, `crush_location = root=default host=${b}`]),
  ];
  return lines.join('\n') + '\n';
}

function runIn(l: LabLayout, argv: string[], timeoutMs = 60_000) {
  return execFile('ip', ['netns', 'exec', l.cephNs, ...argv], {
    timeoutMs,
    env: { ...process.env, CEPH_CONF: cephConfPath(l) },
  });
}

/** The ceph CLI against the lab cluster (from the root namespace, over the management link). */
export async function labCeph(l: LabLayout, args: string[], timeoutMs = 30_000): Promise<string> {
  const r = await execFile(
    'ceph',
    ['--conf', cephConfPath(l), '--connect-timeout', '20', ...args],
    {
      timeoutMs,
    },
  );
  return r.stdout;
}

export function cephPids(l: LabLayout): { mon?: number; osd?: number; mgr?: number } {
  const run = join(cephDir(l), 'run');
  const out: { mon?: number; osd?: number; mgr?: number } = {};
  for (const [k, n] of [
    ['mon', 'mon.a'],
    ['osd', 'osd.0'],
    ['mgr', 'mgr.x'],
  ] as const) {
    const pid = readPid(join(run, `ceph-${n}.pid`));
    if (alive(pid)) out[k] = pid;
  }
  return out;
}

/** Create (first time) and start whatever of the cluster is not running; resolves once the OSD is up. */
export async function ensureCeph(l: LabLayout): Promise<void> {
  const dir = cephDir(l);
  for (const d of ['run', 'crash', 'log', 'mon/ceph-a', 'mgr/ceph-x', 'osd/ceph-0'])
    await mkdir(join(dir, d), { recursive: true });
  const fsidFile = join(dir, 'fsid');
  if (!existsSync(fsidFile)) await writeFile(fsidFile, randomUUID() + '\n');
  const fsid = (await readFile(fsidFile, 'utf8')).trim();
  await writeFile(
    cephConfPath(l),
    cephConfText({
      dir,
      fsid,
      addr: l.cephAddr,
      monPort: CEPH_PORT,
      osdBuckets: [cephBucket(l)],
      poolSize: 1,
      replicateAcrossOsds: true,
    }),
  );
  const conf = ['--conf', cephConfPath(l)];
  const running = cephPids(l);

  if (!existsSync(join(dir, 'mon', 'ceph-a', 'store.db'))) {
    const monmap = join(dir, 'monmap');
    await runIn(l, [
      'monmaptool',
      '--create',
      '--clobber',
      '--fsid',
      fsid,
      '--addv',
      'a',
      `[v2:${l.cephAddr}:${CEPH_PORT}]`,
      monmap,
    ]);
    await runIn(l, ['ceph-mon', ...conf, '--id', 'a', '--mkfs', '--monmap', monmap]);
  }
  if (running.mon === undefined) await runIn(l, ['ceph-mon', ...conf, '--id', 'a']);

  const osdDone = join(dir, 'osd', 'ceph-0', 'plinth-lab-mkfs-done');
  if (!existsSync(osdDone)) {
    const uuid = randomUUID();
    await labCeph(l, ['osd', 'new', uuid, '0']);
    await runIn(l, ['ceph-osd', ...conf, '-i', '0', '--mkfs', '--osd-uuid', uuid]);
    await writeFile(osdDone, uuid + '\n');
  }
  // Without -f the daemons fork; the parent returns once initialised.
  if (running.osd === undefined) await runIn(l, ['ceph-osd', ...conf, '-i', '0']);
  if (running.mgr === undefined) await runIn(l, ['ceph-mgr', ...conf, '-i', 'x']);
  await waitUntil(
    'the lab Ceph OSD to be up',
    async () => {
      const j = JSON.parse(await labCeph(l, ['osd', 'dump', '--format', 'json'], 10_000)) as {
        osds?: { osd: number; up: number }[];
      };
      return j.osds?.some((o) => o.osd === 0 && o.up === 1);
    },
    60_000,
    500,
  );
}
