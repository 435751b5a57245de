import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLibvirtDriver } from '../../../agent/drivers/libvirt/index.js';
import type { Driver } from '../../../agent/drivers/driver.js';
import type { DesiredDomains } from '../../../agent/drivers/libvirt/types.js';
import { buildGuestImage, guestImageMissing } from '../../harness/guest-image.js';
import { libvirtMissing, startLibvirt } from '../../harness/libvirt.js';
import {
  consoleCount,
  guestSpec,
  recordingContext,
  testConfig,
  waitConsole,
  waitUntil,
} from './context.js';

const missing = libvirtMissing() ?? guestImageMissing();
if (missing) {
  t.plan(0, missing);
} else {
  const image = await buildGuestImage();
  const lv = await startLibvirt();
  t.teardown(() => lv.stop());
  const signal = new AbortController().signal;
  const rec = recordingContext(lv.dir);
  const driver = createLibvirtDriver(rec.ctx, testConfig(lv, image));
  t.teardown(() => driver.stop?.());
  await driver.start?.();

  const UA = 'a0a0a0a0-0000-4000-8000-000000000001';
  const UH = 'b0b0b0b0-0000-4000-8000-000000000002';
  const A = 'plt-lv-a';
  const baseA = guestSpec(A, UA, image, {
    disks: [{ volume: 'plt-lv-a-root', sizeBytes: 64 * 2 ** 20 }],
    nics: [],
  });

  const desire = (d: Driver<DesiredDomains>, raw: unknown[]) => {
    const p = d.parseDesired!(raw as never);
    return { desired: p.desired, errors: p.errors };
  };
  const observeA = async (d: Driver = driver) =>
    (await d.observe(signal)).objects.find((o) => o.id === UA)?.data;

  t.test('1. create, observe running, stop (ACPI), start', async (t) => {
    const { desired, errors } = desire(driver, [baseA]);
    t.same(errors, []);
    const [r] = await driver.apply!(desired, { objects: [] }, signal);
    t.match(r, { kind: 'libvirt.domain', id: UA, ok: true, action: 'create-volume+define+start' });
    t.ok(existsSync(join(lv.poolDir, 'plt-lv-a-root.qcow2')), 'qcow2 volume created in the pool');
    const obs = await observeA();
    t.match(obs, {
      name: A,
      state: 'running',
      owned: true,
      persistent: true,
      vcpus: 1,
      memoryKiB: 131072,
      domainType: 'qemu',
      pendingRestart: false,
    });
    t.match(obs?.disks, [{ target: 'vda', format: 'qcow2', capacityBytes: 64 * 2 ** 20 }]);
    t.ok(await lv.qemuPid(A), 'QEMU runs');
    await waitConsole(lv, A, image.readyMarker);
    t.ok(
      rec.events.some((e) => e.event.data?.event === 'started' && e.event.object?.id === UA),
      'started event',
    );
    const metrics = await rec.registry.metrics();
    t.match(
      metrics,
      new RegExp(`plinth_domain_cpu_time_seconds\\{name="${A}",uuid="${UA}"\\} [0-9.]+`),
    );
    t.match(
      metrics,
      new RegExp(`plinth_domain_block_read_bytes\\{name="${A}",uuid="${UA}",device="vda"\\}`),
    );
    t.match(metrics, /plinth_domain_balloon_rss_bytes/);

    const stop = desire(driver, [{ ...baseA, power: 'stopped' }]);
    const [s] = await driver.apply!(stop.desired, { objects: [] }, signal);
    t.match(s, { ok: true, action: 'stop', message: /shutdown/ }, 'stopped by ACPI, not destroy');
    t.match(await observeA(), { state: 'shutoff', reason: 'shutdown' });
    t.equal(await lv.qemuPid(A), undefined);

    const [st] = await driver.apply!(desired, { objects: [] }, signal);
    t.match(st, { ok: true, action: 'start' });
    t.match(await observeA(), { state: 'running' });
    await waitUntil(
      async () => (await consoleCount(lv, A, image.readyMarker)) >= 2 || undefined,
      30_000,
      'second boot',
    );
  });

  t.test('2. change memory: defer redefines only, restart policy restarts', async (t) => {
    const pid0 = await lv.qemuPid(A);
    const defer = desire(driver, [{ ...baseA, memoryMiB: 112 }]);
    const [d] = await driver.apply!(defer.desired, { objects: [] }, signal);
    t.match(d, { ok: true, action: 'create-volume+redefine' });
    t.match(
      await observeA(),
      { memoryKiB: 131072, pendingRestart: true },
      'running instance keeps its memory',
    );
    t.equal(await lv.qemuPid(A), pid0, 'no restart under defer');

    const restart = desire(driver, [{ ...baseA, memoryMiB: 112, restartPolicy: 'restart' }]);
    const [r] = await driver.apply!(restart.desired, { objects: [] }, signal);
    t.match(r, { ok: true, action: 'stop+start' });
    const obs = await observeA();
    t.match(obs, { state: 'running', memoryKiB: 112 * 1024, pendingRestart: false });
    const pid1 = await lv.qemuPid(A);
    t.ok(pid1 && pid1 !== pid0, 'a new QEMU process');
    const [again] = await driver.apply!(restart.desired, { objects: [] }, signal);
    t.match(again, { ok: true, action: 'noop' }, 'converged');
    await waitConsole(lv, A, image.readyMarker);
  });

  t.test('5. a new driver instance adopts the running guest with no action', async (t) => {
    const pid0 = await lv.qemuPid(A);
    const before = await observeA();
    await driver.stop?.();
    const rec2 = recordingContext(lv.dir);
    const d2 = createLibvirtDriver(rec2.ctx, testConfig(lv, image));
    t.teardown(() => d2.stop?.());
    await d2.start?.();
    const obs = await observeA(d2);
    t.match(obs, { state: 'running', owned: true, id: before?.id });
    const { desired } = desire(d2, [{ ...baseA, memoryMiB: 112, restartPolicy: 'restart' }]);
    const results = await d2.apply!(desired, { objects: [] }, signal);
    t.same(results, [{ kind: 'libvirt.domain', id: UA, ok: true, action: 'noop' }]);
    t.equal(await lv.qemuPid(A), pid0, 'same QEMU PID');
    t.equal((await observeA(d2))?.id, before?.id, 'same libvirt run id');
    t.notOk(
      rec2.events.some((e) =>
        ['defined', 'started', 'stopped'].includes(String(e.event.data?.event)),
      ),
      'no define/start/stop happened',
    );
  });

  t.test('6. a domain made by hand is reported (owned=false) and never touched', async (t) => {
    const d2 = createLibvirtDriver(recordingContext(lv.dir).ctx, testConfig(lv, image));
    t.teardown(() => d2.stop?.());
    const xml = `<domain type='qemu'><name>plt-lv-hand</name><uuid>${UH}</uuid><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>${image.kernel}</kernel><initrd>${image.initrd}</initrd><cmdline>${image.cmdline}</cmdline></os>
<features><acpi/></features><devices><serial type='pty'><target port='0'/></serial></devices></domain>`;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(lv.dir, 'hand.xml'), xml);
    await lv.virsh(['define', join(lv.dir, 'hand.xml')]);
    await lv.virsh(['start', 'plt-lv-hand']);
    const handPid = await lv.qemuPid('plt-lv-hand');
    t.ok(handPid);
    const objs = (await d2.observe(signal)).objects;
    t.match(objs.find((o) => o.id === UH)?.data, {
      name: 'plt-lv-hand',
      owned: false,
      state: 'running',
    });

    const keepA = desire(d2, [{ ...baseA, memoryMiB: 112, restartPolicy: 'restart' }]);
    const r1 = await d2.apply!(keepA.desired, { objects: [] }, signal);
    t.same(
      r1.map((r) => r.id),
      [UA],
      'no result, hence no action, for the hand-made domain',
    );
    const sameName = desire(d2, [
      { ...baseA, memoryMiB: 112, restartPolicy: 'restart' },
      guestSpec('plt-lv-hand', 'c0c0c0c0-0000-4000-8000-000000000003', image, { power: 'stopped' }),
    ]);
    const r2 = await d2.apply!(sameName.desired, { objects: [] }, signal);
    t.match(
      r2.find((r) => r.id !== UA),
      { ok: false, code: 'PLINTH_E_CONFLICT', message: /taken/ },
    );
    const sameUuid = desire(d2, [
      { ...baseA, memoryMiB: 112, restartPolicy: 'restart' },
      guestSpec('plt-lv-other', UH, image, { power: 'stopped' }),
    ]);
    const r3 = await d2.apply!(sameUuid.desired, { objects: [] }, signal);
    t.match(
      r3.find((r) => r.id === UH),
      { ok: false, code: 'PLINTH_E_CONFLICT', message: /not owned by plinth/ },
    );
    t.equal(await lv.qemuPid('plt-lv-hand'), handPid, 'still the same QEMU');
    t.match(
      (await lv.virsh(['dumpxml', 'plt-lv-hand'])).includes('plinth.dev'),
      false,
      'never redefined',
    );
    await lv.virsh(['destroy', 'plt-lv-hand']);
    await lv.virsh(['undefine', 'plt-lv-hand']);
  });

  t.test('4. destroy and undefine when no longer desired', async (t) => {
    const d2 = createLibvirtDriver(
      recordingContext(lv.dir).ctx,
      testConfig(lv, image, { shutdownTimeoutMs: 0 }),
    );
    t.teardown(() => d2.stop?.());
    const results = await d2.apply!(new Map(), { objects: [] }, signal);
    t.match(results, [{ id: UA, ok: true, action: 'stop+undefine', message: /destroyed/ }]);
    t.equal(await observeA(d2), undefined, 'gone');
    t.equal(await lv.qemuPid(A), undefined);
    t.equal((await lv.virsh(['list', '--all', '--name'])).trim(), '');
    t.ok(
      existsSync(join(lv.poolDir, 'plt-lv-a-root.qcow2')),
      'the volume is kept (data is never deleted implicitly)',
    );
  });
}
