import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import t from 'tap';
import { cephConfigSchema, type CephConfig } from '../../../agent/drivers/ceph/config.js';
import { createCephDriver } from '../../../agent/drivers/ceph/index.js';
import type {
  Driver,
  DriverContext,
  DriverEvent,
  Observation,
} from '../../../agent/drivers/driver.js';
import { systemClock } from '../../../agent/host/clock.js';
import { execFile } from '../../../agent/host/exec.js';
import { validateConfig } from '../../../lib/config-schema.js';
import { silentLog } from '../../../lib/log.js';
import { alive } from '../../../lab/sys.js';
import { cephMissingReason, startCephCluster, type CephCluster } from '../../harness/ceph.js';

/**
 * One real cluster for the whole file (one mon, one mgr, three bluestore OSDs;
 * osd.0 and osd.1 in CRUSH host plt-ceph-h0 = "this host", osd.2 elsewhere).
 * The subtests run in order and each leaves the cluster active+clean.
 */
const POOL = 'plt-ceph-rbd';

interface Harnessed {
  driver: Driver;
  ctx: DriverContext;
  events: DriverEvent[];
  dirty: string[];
}

function makeDriver(
  cluster: CephCluster,
  stateDir: string,
  over: Partial<CephConfig> = {},
): Harnessed {
  const events: DriverEvent[] = [];
  const dirty: string[] = [];
  const ctx: DriverContext = {
    log: silentLog(),
    exec: execFile,
    clock: systemClock,
    metrics: new Registry(),
    markDirty: (r) => dirty.push(r),
    emit: (e) => events.push(e),
    paths: { stateDir, runDir: stateDir },
  };
  const config = validateConfig<CephConfig>(cephConfigSchema, {
    conf: cluster.conf,
    hostBucket: cluster.localHostBucket,
    adminSocketDir: cluster.runDir,
    osdStartCommand: cluster.osdStartCommand,
    commandTimeoutMs: 15_000,
    osdStopTimeoutMs: 20_000,
    recoveryTimeoutMs: 90_000,
    ...over,
  });
  return { driver: createCephDriver(ctx, config), ctx, events, dirty };
}

const sig = (ms = 60_000) => AbortSignal.timeout(ms);
const osdObj = (o: Observation, id: number) =>
  o.objects.find((x) => x.kind === 'ceph.osd' && x.id === `osd.${id}`);

const missing = cephMissingReason();
if (missing) {
  t.plan(0, `skipping: ${missing}`);
} else {
  const started = Date.now();
  const cluster = await startCephCluster();
  const stateDir = await mkdtemp(join(tmpdir(), 'plt-ceph-state-'));
  t.teardown(async () => {
    await cluster.stop();
    await rm(stateDir, { recursive: true, force: true });
  });
  await cluster.createPool(POOL, 2, 1, 8);
  await cluster.putObjects(POOL, 4);
  await cluster.waitActiveClean(60_000);
  t.comment(`cluster up with a pool in ${Date.now() - started} ms`);

  const hostNoout = async () => {
    const d = await cluster.cephJson<{ crush_node_flags?: Record<string, string[]> }>([
      'osd',
      'dump',
    ]);
    return (d.crush_node_flags?.[cluster.localHostBucket] ?? []).includes('noout');
  };

  t.test('observe: health, tree, local OSDs, PGs, pools, perf counters', async (t) => {
    const { driver, ctx } = makeDriver(cluster, stateDir);
    t.same(await driver.health(sig()), { status: 'healthy' });
    // The PG map in `ceph status` comes from the mgr's periodic report: on a busy
    // machine it can lag the pool's creation by a few seconds.
    let obs = await driver.observe(sig());
    for (let i = 0; i < 30; i++) {
      const pgs = obs.objects.find((o) => o.kind === 'ceph.cluster')?.data.pgs as
        { total?: number; byState?: Record<string, number> } | undefined;
      if ((pgs?.total ?? 0) >= 9 && pgs?.byState?.['active+clean'] === pgs?.total) break;
      await new Promise((r) => setTimeout(r, 1000));
      obs = await driver.observe(sig());
    }
    const cl = obs.objects.find((o) => o.kind === 'ceph.cluster');
    t.equal(cl?.id, cluster.fsid);
    t.match(cl?.data.health, /^HEALTH_(OK|WARN)$/);
    t.type(cl?.data.checks, 'object');
    t.same(cl?.data.osds, { total: 3, up: 3, in: 3 });
    const pgs = cl?.data.pgs as { total: number; byState: Record<string, number> };
    t.ok(pgs.total >= 9, 'PG count covers our pool');
    t.equal(pgs.byState['active+clean'], pgs.total);
    for (const id of [0, 1]) {
      t.match(osdObj(obs, id)?.data, {
        id,
        up: true,
        in: true,
        host: cluster.localHostBucket,
        local: true,
        running: true,
        runner: 'process',
        deviceClass: 'hdd',
        slowOps: 0,
      });
    }
    t.match(osdObj(obs, 2)?.data, { up: true, local: false, host: 'plt-ceph-h1' });
    t.equal(osdObj(obs, 2)?.data.running, undefined, 'no local view of a remote OSD');
    const pool = obs.objects.find((o) => o.kind === 'ceph.pool' && o.id === POOL);
    t.match(pool?.data, { name: POOL, size: 2, minSize: 1 });
    t.type(pool?.data.storedBytes, 'number');
    t.type(pool?.data.maxAvailBytes, 'number');
    t.same(obs.conditions?.[0]?.status, false, 'not in maintenance');

    const m = await ctx.metrics.metrics();
    t.match(m, /plinth_ceph_osd_up\{osd="0",host="plt-ceph-h0",local="true"\} 1/);
    t.match(m, /plinth_ceph_osd_in\{osd="2",host="plt-ceph-h1",local="false"\} 1/);
    t.match(m, /plinth_ceph_health_status [01]/);
    t.match(m, /plinth_ceph_osd_op_latency_seconds_count\{osd="0"\} \d+/);
    t.match(m, /plinth_ceph_osd_slow_ops\{osd="1"\} 0/);
    t.match(m, /plinth_ceph_pool_stored_bytes\{pool="plt-ceph-rbd"\} \d+/);
    const written = [...m.matchAll(/plinth_ceph_osd_write_bytes\{osd="[01]"\} (\d+)/g)].map((x) =>
      Number(x[1]),
    );
    t.ok(
      written.some((b) => b > 0),
      `a local OSD counted client writes (${written.join(', ')})`,
    );
  });

  t.test('kill -9 of a local OSD is reported down within 10 s', async (t) => {
    const { driver, dirty } = makeDriver(cluster, stateDir);
    await driver.start!();
    t.teardown(() => driver.stop!());
    t.equal(osdObj(await driver.observe(sig()), 0)?.data.up, true);

    // Drive passes the way the agent does: a periodic relist, and soon after markDirty.
    const intervalMs = 5000;
    const killedAt = Date.now();
    await cluster.killOsd(0, 'SIGKILL');
    let lastPass = Date.now();
    let seenDown: number | undefined;
    let passes = 0;
    for (let i = 0; i < 200 && Date.now() - killedAt < 20_000; i++) {
      const due = Date.now() - lastPass >= intervalMs || dirty.length > 0;
      if (due) {
        dirty.length = 0;
        lastPass = Date.now();
        passes++;
        const o = await driver.observe(sig());
        if (osdObj(o, 0)?.data.up === false) {
          seenDown = Date.now() - killedAt;
          t.equal(osdObj(o, 0)?.data.running, false, 'local process gone');
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    t.ok(
      seenDown !== undefined && seenDown < 10_000,
      `osd.0 reported down after ${seenDown} ms (${passes} passes)`,
    );

    await cluster.startOsd(0);
    await cluster.waitOsdUp(0, true);
    await cluster.waitActiveClean(60_000);
  });

  t.test(
    'maintenance enter when a pool min_size would be violated: refused in Ceph words',
    async (t) => {
      await cluster.setPoolSize(POOL, 2, 2);
      await cluster.waitActiveClean(60_000);
      t.teardown(async () => {
        await cluster.setPoolSize(POOL, 2, 1);
        await cluster.waitActiveClean(60_000);
      });
      const { driver, events } = makeDriver(cluster, stateDir);
      await t.rejects(driver.command!('ceph.maintenance.enter', {}, sig()), {
        code: 'PLINTH_E_CONFLICT',
        message: /unsafe to stop osd\(s\) at this time \(\d+ PGs are or would become offline\)/,
      });
      const refusal = events.find((e) => e.data?.step === 'ok-to-stop');
      t.equal(refusal?.severity, 'warning');
      t.match(refusal?.message, /unsafe to stop/);
      t.equal(await hostNoout(), false, 'noout not set');
      for (const id of cluster.localOsdIds) {
        const pid = await cluster.osdPid(id);
        t.ok(pid !== undefined && alive(pid), `osd.${id} still runs`);
      }
    },
  );

  t.test('maintenance enter when safe, then exit back to active+clean', async (t) => {
    const { driver, events } = makeDriver(cluster, stateDir);
    const pids = await Promise.all(cluster.localOsdIds.map((id) => cluster.osdPid(id)));
    const r = await driver.command!('ceph.maintenance.enter', {}, sig(90_000));
    t.match(r, { ok: true, host: cluster.localHostBucket, noout: true });
    t.equal((r.osds as unknown[]).length, 2);
    t.equal(await hostNoout(), true, 'noout set on the host bucket');
    for (const pid of pids) t.notOk(pid !== undefined && alive(pid), `pid ${pid} stopped`);
    t.same(
      events.map((e) => e.data?.step),
      ['begin', 'ok-to-stop', 'noout', 'stop-osd', 'stop-osd', 'done'],
    );
    t.ok(events.every((e) => e.type === 'ceph.maintenance'));
    await cluster.waitOsdUp(0, false);
    await cluster.waitOsdUp(1, false);
    const st = await driver.command!('ceph.maintenance.status', {}, sig());
    t.match(st, { noout: true, inMaintenance: true });
    const obs = await driver.observe(sig());
    t.match(osdObj(obs, 0)?.data, { up: false, running: false, local: true });
    t.match(osdObj(obs, 2)?.data, { up: true });
    t.equal(obs.conditions?.[0]?.status, true, 'maintenance condition');
    const cl = obs.objects.find((o) => o.kind === 'ceph.cluster');
    t.same(cl?.data.hostFlags, ['noout']);

    events.length = 0;
    const x = await driver.command!('ceph.maintenance.exit', { timeoutMs: 90_000 }, sig(120_000));
    t.match(x, { ok: true, noout: false, activeClean: true });
    t.comment(`back to active+clean after ${String(x.waitedMs)} ms`);
    t.equal(await hostNoout(), false, 'noout cleared');
    for (const id of cluster.localOsdIds) {
      const pid = await cluster.osdPid(id);
      t.ok(pid !== undefined && alive(pid), `osd.${id} runs again`);
    }
    const steps = events.map((e) => e.data?.step);
    t.same(steps.slice(0, 5), ['begin', 'start-osd', 'start-osd', 'osds-up', 'noout']);
    t.ok(steps.includes('recovery'), 'progress events');
    t.equal(events.at(-1)?.data?.step, 'done');
    t.equal(events.at(-1)?.severity, 'info');
    const st2 = await driver.command!('ceph.maintenance.status', {}, sig());
    t.match(st2, { noout: false, inMaintenance: false, activeClean: true });
  });

  t.test('mark a local OSD out and in; refuse OSDs of other hosts and bad ids', async (t) => {
    const { driver, events } = makeDriver(cluster, stateDir);
    await t.rejects(driver.command!('ceph.osd.out', { id: 2 }, sig()), {
      code: 'PLINTH_E_PERMISSION_DENIED',
      message: /osd\.2 is not on this host/,
    });
    await t.rejects(driver.command!('ceph.osd.out', { id: 'osd.1; rm -rf /' }, sig()), {
      code: 'PLINTH_E_INVALID_ARGUMENT',
    });
    await t.rejects(driver.command!('ceph.osd.out', { id: 99 }, sig()), {
      code: 'PLINTH_E_PERMISSION_DENIED',
    });
    const inBefore = async (id: number) =>
      (await cluster.cephJson<{ osds: { osd: number; in: number }[] }>(['osd', 'dump'])).osds.find(
        (o) => o.osd === id,
      )?.in;
    t.match(await driver.command!('ceph.osd.out', { id: 'osd.1' }, sig()), {
      ok: true,
      osd: 1,
      in: false,
    });
    t.equal(await inBefore(1), 0);
    t.match(await driver.command!('ceph.osd.in', { id: 1 }, sig()), { ok: true, osd: 1, in: true });
    t.equal(await inBefore(1), 1);
    t.ok(events.some((e) => e.type === 'ceph.osd' && e.data?.ok === false));
    await cluster.waitActiveClean(60_000);
  });

  t.test('unreachable cluster: bounded, unhealthy with PLINTH_E_CEPH_UNAVAILABLE', async (t) => {
    const conf = join(stateDir, 'unreachable.conf');
    const text = await readFile(cluster.conf, 'utf8');
    await writeFile(conf, text.replace(/mon_host = .*/, 'mon_host = [v2:127.0.0.1:19899]'));
    const { driver } = makeDriver(cluster, stateDir, { conf, commandTimeoutMs: 2000 });
    const t0 = Date.now();
    const h = await driver.health(sig());
    t.equal(h.status, 'unhealthy');
    t.equal(h.code, 'PLINTH_E_CEPH_UNAVAILABLE');
    await t.rejects(driver.observe(sig()), { code: 'PLINTH_E_CEPH_UNAVAILABLE' });
    t.ok(Date.now() - t0 < 10_000, `bounded (${Date.now() - t0} ms for health + observe)`);
  });

  t.test('hung mon: a command times out and the driver reports unhealthy', async (t) => {
    const monPid = await cluster.monPid();
    if (monPid === undefined) throw new Error('no mon pid');
    const { driver } = makeDriver(cluster, stateDir, { commandTimeoutMs: 2000 });
    process.kill(monPid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const h = await driver.health(sig());
      t.equal(h.status, 'unhealthy');
      t.equal(h.code, 'PLINTH_E_CEPH_UNAVAILABLE');
      await t.rejects(driver.command!('ceph.maintenance.status', {}, sig()), {
        code: 'PLINTH_E_CEPH_UNAVAILABLE',
      });
      t.ok(Date.now() - t0 < 8000, `bounded (${Date.now() - t0} ms)`);
    } finally {
      process.kill(monPid, 'SIGCONT');
    }
    t.same(await driver.health(sig()), { status: 'healthy' }, 'healthy again once the mon answers');
  });

  t.test('no ceph.conf: undetected, nothing observed', async (t) => {
    const { driver } = makeDriver(cluster, stateDir, { conf: join(stateDir, 'absent.conf') });
    t.equal((await driver.health(sig())).status, 'undetected');
    t.same(await driver.observe(sig()), { objects: [] });
    t.equal((await driver.inventory!(sig())).detected, false);
  });
}
