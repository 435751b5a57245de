import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import t from 'tap';
import { systemClock } from '../../../agent/host/clock.js';
import { execFile } from '../../../agent/host/exec.js';
import { createContainersDriver } from '../../../agent/drivers/containers/index.js';
import { createDockerApi } from '../../../agent/drivers/containers/docker.js';
import { createOsdControl } from '../../../agent/drivers/ceph/osd-control.js';
import { realCephHostIo } from '../../../agent/drivers/ceph/host-io.js';
import { cephConfigSchema, type CephConfig } from '../../../agent/drivers/ceph/config.js';
import type { DriverContext, DriverEvent } from '../../../agent/drivers/driver.js';
import { validateConfig } from '../../../lib/config-schema.js';
import { silentLog } from '../../../lib/log.js';
import { dockerMissingReason, startDockerDaemon, TEST_IMAGE } from '../../harness/docker.js';

const missing = dockerMissingReason();
if (missing) {
  t.plan(0, `skipping: ${missing}`);
} else {
  const daemon = await startDockerDaemon();
  t.teardown(() => daemon.stop());
  t.comment(`dockerd storage driver: ${daemon.storageDriver}`);

  const dirty: string[] = [];
  const events: DriverEvent[] = [];
  // A fresh registry per driver, as the agent builds one driver per registry.
  const makeCtx = (): DriverContext => ({
    log: silentLog(),
    exec: execFile,
    clock: systemClock,
    metrics: new Registry(),
    markDirty: (r) => dirty.push(r),
    emit: (e) => events.push(e),
    paths: { stateDir: daemon.dir, runDir: daemon.dir },
  });
  const fsid = randomUUID();
  const osdName = `ceph-${fsid}-osd-1`;
  const osdCid = await daemon.runContainer(osdName);
  const plainCid = await daemon.runContainer('plt-ctr-plain', { 'org.example.role': 'web' });
  const rookCid = await daemon.runContainer('plt-ctr-rook-osd', { 'ceph-osd-id': '5' });

  t.test('reports every container with image, state and labels; maps OSD containers', async (t) => {
    const ctx = makeCtx();
    const driver = createContainersDriver(ctx, { socketPath: daemon.socketPath, timeoutMs: 5000 });
    t.same(await driver.health(AbortSignal.timeout(10_000)), { status: 'healthy' });
    const obs = await driver.observe(AbortSignal.timeout(10_000));
    const byName = new Map(obs.objects.map((o) => [o.id, o]));
    t.equal(obs.objects.length, 3);
    t.ok(obs.objects.every((o) => o.kind === 'container'));
    const osd = byName.get(osdName);
    t.equal(osd?.data.id, osdCid);
    t.equal(osd?.data.image, TEST_IMAGE);
    t.equal(osd?.data.state, 'running');
    t.equal(osd?.data.cephOsdId, 1, 'cephadm-style name maps to its OSD id');
    t.equal(osd?.data.cephFsid, fsid);
    t.same(byName.get('plt-ctr-plain')?.data.labels, { 'org.example.role': 'web' });
    t.equal(byName.get('plt-ctr-plain')?.data.cephOsdId, undefined);
    t.equal(byName.get('plt-ctr-rook-osd')?.data.cephOsdId, 5, 'Rook label maps to its OSD id');
    t.equal(byName.get('plt-ctr-rook-osd')?.data.id, rookCid);
    t.equal(byName.get('plt-ctr-plain')?.data.id, plainCid);
    const metrics = await ctx.metrics.getSingleMetricAsString('plinth_containers');
    t.match(metrics, /plinth_containers\{state="running"\} 3/);
    const inv = await driver.inventory!(AbortSignal.timeout(10_000));
    t.equal(inv.detected, true);
    t.type(inv.dockerVersion, 'string');
  });

  t.test('container events mark the driver dirty', async (t) => {
    const ctx = makeCtx();
    const seen: string[] = [];
    ctx.markDirty = (r) => seen.push(r);
    const driver = createContainersDriver(ctx, { socketPath: daemon.socketPath, timeoutMs: 5000 });
    await driver.start!();
    t.teardown(() => driver.stop!());
    await daemon.runContainer('plt-ctr-evt');
    for (let i = 0; i < 50 && !seen.some((r) => r.includes('plt-ctr-evt')); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    t.ok(
      seen.some((r) => /container plt-ctr-evt (create|start)/.test(r)),
      seen.join('; '),
    );
    await daemon.docker.getContainer('plt-ctr-evt').remove({ force: true });
  });

  t.test('inventory only: observing never changes a container', async (t) => {
    const driver = createContainersDriver(makeCtx(), {
      socketPath: daemon.socketPath,
      timeoutMs: 5000,
    });
    for (let i = 0; i < 3; i++) await driver.observe(AbortSignal.timeout(10_000));
    const list = await daemon.docker.listContainers({ all: true });
    t.equal(list.length, 3);
    t.ok(list.every((c) => c.State === 'running'));
    t.equal(driver.command, undefined, 'no commands');
    t.equal(driver.apply, undefined, 'no apply');
  });

  t.test(
    'the Ceph driver finds a container-run OSD and stops/starts it via dockerode',
    async (t) => {
      const config = validateConfig<CephConfig>(cephConfigSchema, {
        dockerSocket: daemon.socketPath,
        osdStopTimeoutMs: 2000,
      });
      const api = createDockerApi(daemon.socketPath, 5000);
      const control = createOsdControl({
        exec: execFile,
        clock: systemClock,
        io: realCephHostIo,
        config,
        conf: '/nonexistent/ceph.conf',
        docker: () => api,
      });
      const loc = await control.locate(1, fsid);
      t.equal(loc.runner, 'container');
      t.equal(loc.containerId, osdCid);
      t.match(await control.stop(loc), /stopped container/);
      const stopped = await daemon.docker.getContainer(osdCid).inspect();
      t.equal(stopped.State.Running, false);
      t.match(await control.start(loc), /started container/);
      const started = await daemon.docker.getContainer(osdCid).inspect();
      t.equal(started.State.Running, true);
      const other = await control.locate(1, randomUUID());
      t.not(other.runner, 'container', 'a container of another cluster is not this OSD');
      t.same(events, [], 'no events from inventory');
      t.same(dirty, []);
    },
  );

  t.test('no socket: undetected, no objects', async (t) => {
    const driver = createContainersDriver(makeCtx(), {
      socketPath: `${daemon.dir}/nope.sock`,
      timeoutMs: 1000,
    });
    t.equal((await driver.health(AbortSignal.timeout(5000))).status, 'undetected');
    t.same(await driver.observe(AbortSignal.timeout(5000)), { objects: [] });
  });

  t.test('dockerd not answering: unhealthy with a code, bounded', async (t) => {
    // A socket file nobody accepts on: connect fails at once.
    const { createServer } = await import('node:net');
    const path = `${daemon.dir}/dead.sock`;
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(path, r));
    srv.close();
    await new Promise<void>((r) => setTimeout(r, 50));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, '');
    const driver = createContainersDriver(makeCtx(), { socketPath: path, timeoutMs: 1000 });
    const started = Date.now();
    const h = await driver.health(AbortSignal.timeout(5000));
    t.equal(h.status, 'unhealthy');
    t.equal(h.code, 'PLINTH_E_DOCKER_UNAVAILABLE');
    await t.rejects(driver.observe(AbortSignal.timeout(5000)), {
      code: 'PLINTH_E_DOCKER_UNAVAILABLE',
    });
    t.ok(Date.now() - started < 5000, 'bounded');
  });
}
