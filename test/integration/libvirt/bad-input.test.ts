import t from 'tap';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createLibvirtDriver } from '../../../agent/drivers/libvirt/index.js';
import { buildGuestImage, guestImageMissing } from '../../harness/guest-image.js';
import { libvirtMissing, startLibvirt } from '../../harness/libvirt.js';
import { guestSpec, recordingContext, testConfig } from './context.js';

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

  const hostState = async () => ({
    domains: (await lv.virsh(['list', '--all', '--uuid'])).trim(),
    pool: (await readdir(lv.poolDir)).sort(),
    log: (await readdir(join(lv.dir, 'log', 'qemu'))).sort(),
  });

  t.test('bad specs: a clear error each, and nothing on the host changes', async (t) => {
    const inv = await driver.inventory!(signal);
    const node = inv.node as { cpus: number; memoryMiB: number };
    const before = await hostState();
    const U = (n: number) => `e0e0e0e0-0000-4000-8000-00000000000${n}`;
    const vol = (n: string) => [{ volume: n, sizeBytes: 32 * 2 ** 20 }];
    const raw = [
      guestSpec('plt-lv-x;rm -rf /', U(1), image, { disks: vol('x1') }),
      guestSpec("plt-lv-x'/><evil/>", U(2), image, { disks: vol('x2') }),
      guestSpec('plt-lv-x3', U(3), image, {
        disks: [{ path: `${lv.poolDir}/../../../etc/passwd` }],
      }),
      guestSpec('plt-lv-x4', U(4), image, { disks: [{ volume: '../x4', sizeGiB: 1 }] }),
      guestSpec('plt-lv-x5', U(5), image, { memoryMiB: node.memoryMiB + 1024, disks: vol('x5') }),
      guestSpec('plt-lv-x6', U(6), image, { vcpus: node.cpus + 1, disks: vol('x6') }),
      guestSpec('plt-lv-x7', U(7), image, { boot: { kernel: '/etc/shadow' } }),
    ];
    const { desired, errors } = driver.parseDesired!(raw as never);
    t.equal(desired.size, 0);
    t.match(errors, [
      { id: U(1), ok: false, code: 'PLINTH_E_INVALID_ARGUMENT', message: /name/ },
      { id: U(2), ok: false, code: 'PLINTH_E_INVALID_ARGUMENT', message: /name/ },
      { id: U(3), ok: false, code: 'PLINTH_E_INVALID_ARGUMENT', message: /disks\[0\]\.path/ },
      { id: U(4), ok: false, code: 'PLINTH_E_INVALID_ARGUMENT', message: /volume/ },
      { id: U(5), ok: false, code: 'PLINTH_E_CAPACITY', message: /memoryMiB/ },
      { id: U(6), ok: false, code: 'PLINTH_E_CAPACITY', message: /vcpus/ },
      { id: U(7), ok: false, code: 'PLINTH_E_INVALID_ARGUMENT', message: /kernel/ },
    ]);
    t.same(await driver.apply!(desired, { objects: [] }, signal), []);
    t.same(await hostState(), before, 'no domain, volume or log file appeared');
  });

  t.test(
    'a missing kernel file: NOT_FOUND for that domain, the good one still applies',
    async (t) => {
      const before = await hostState();
      const bad = guestSpec('plt-lv-nokernel', 'f0f0f0f0-0000-4000-8000-000000000001', image, {
        boot: { kernel: join(dirname(image.kernel), 'vmlinuz-missing') },
        disks: [{ volume: 'plt-lv-nokernel', sizeBytes: 32 * 2 ** 20 }],
      });
      const good = guestSpec('plt-lv-good', 'f0f0f0f0-0000-4000-8000-000000000002', image, {
        power: 'stopped',
      });
      const { desired, errors } = driver.parseDesired!([bad, good] as never);
      t.same(errors, []);
      const results = await driver.apply!(desired, { objects: [] }, signal);
      t.match(results, [
        {
          id: 'f0f0f0f0-0000-4000-8000-000000000001',
          ok: false,
          code: 'PLINTH_E_NOT_FOUND',
          message: /vmlinuz-missing/,
        },
        { id: 'f0f0f0f0-0000-4000-8000-000000000002', ok: true, action: 'define' },
      ]);
      const after = await hostState();
      t.same(after.pool, before.pool, 'no volume for the broken domain');
      t.same(
        after.domains.split('\n').filter(Boolean),
        ['f0f0f0f0-0000-4000-8000-000000000002'],
        'only the good domain exists',
      );
      t.match(await driver.apply!(new Map(), { objects: [] }, signal), [
        { ok: true, action: 'undefine' },
      ]);
    },
  );
}
