import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from '../../agent/host/exec.js';
import { cephConfText } from '../../lab/ceph.js';
import { alive, readPid, stopPid, waitUntil } from '../../lab/sys.js';

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

export async function startCephCluster(opts: { keep?: boolean } = {}): Promise<CephCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'plt-ceph-'));
  const fsid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  const runDir = join(dir, 'run');
  for (const d of ['run', 'crash', 'log', 'mon/ceph-a', 'mgr/ceph-x']) {
    await mkdir(join(dir, d), { recursive: true });
  }
  await writeFile(
    conf,
    cephConfText({
      dir,
      fsid,
      addr: '127.0.0.1',
      monPort: MON_PORT,
      portRange: [PORT_MIN, PORT_MAX],
      osdBuckets: OSD_HOSTS,
      poolSize: 2,
    }),
  );
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
    osdPid: async (id) => readPid(pidFile(`osd.${id}`)),
    monPid: async () => readPid(pidFile('mon.a')),
    async putObjects(pool, count) {
      for (let i = 0; i < count; i++) {
        await run('rados', ['--conf', conf, '-p', pool, 'put', `plt-obj-${i}`, conf], 30_000);
      }
    },
    async killOsd(id, signal = 'SIGKILL') {
      const pid = readPid(pidFile(`osd.${id}`));
      if (pid === undefined) throw new Error(`osd.${id} has no pid file`);
      process.kill(pid, signal);
      await waitUntil(`osd.${id} (pid ${pid}) to die`, () => !alive(pid), 10_000, 50);
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
      await waitUntil(
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
      await waitUntil(
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
        await stopPid(readPid(pidFile(n)), 10_000);
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
