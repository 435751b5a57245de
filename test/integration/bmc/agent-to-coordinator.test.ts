import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipmiSimUnavailableReason, startIpmiSim } from '../../harness/ipmi-sim.js';
import { startTestAgent, startTestCoordinator, testAdmin, TestPki } from '../../harness/spine.js';
import { waitFor } from '../../harness/wait.js';

/**
 * The BMC driver inside a real agent, reporting to a real coordinator: a sensor
 * that crosses its critical threshold shows at the coordinator as the reading, a
 * `degraded` condition on the host and a SEL event; it clears when it recovers.
 */
const why = await ipmiSimUnavailableReason();
if (why) {
  t.plan(0, `skipped: ${why}`);
} else {
  const pki = await TestPki.create('plt-bmc-e2e-');
  t.teardown(() => pki.cleanup());
  const sim = await startIpmiSim({ power: 'on' });
  t.teardown(() => sim.stop());
  const coord = await startTestCoordinator(pki);
  t.teardown(() => coord.stop());
  const admin = await testAdmin(pki, coord.port);
  t.teardown(() => admin.close());
  const pwFile = join(pki.dir, 'bmc.pw');
  writeFileSync(pwFile, sim.password, { mode: 0o600 });
  const agent = await startTestAgent(pki, {
    hostId: 'bmc-e2e',
    coordinatorPort: coord.port,
    config: {
      drivers: {
        host: { enabled: false },
        bmc: {
          enabled: true,
          intervalSeconds: 1,
          timeoutSeconds: 15,
          source: 'ipmi-lan',
          address: `${sim.host}:${sim.port}`,
          user: sim.user,
          passwordFile: pwFile,
        },
      },
    },
  });
  t.teardown(() => agent.stop());

  const degraded = async () =>
    (await admin.call('ListHosts', {})).hosts
      .find((h) => h.id === 'bmc-e2e')
      ?.conditions.find((c) => c.type === 'degraded');
  await waitFor(
    'the BMC driver healthy at the coordinator',
    async () =>
      (await admin.call('ListHosts', {})).hosts
        .find((h) => h.id === 'bmc-e2e')
        ?.drivers.some((d) => d.name === 'bmc' && d.health === 'healthy'),
    { timeoutMs: 30_000, intervalMs: 250 },
  );

  t.test(
    'a critical sensor degrades the host at the coordinator, with the reading and a SEL event',
    async (t) => {
      t.match(await degraded(), { status: false }, 'not degraded while every sensor is ok');
      await sim.setReading('CPU Temp', 90);
      const cond = await waitFor(
        'degraded',
        async () => ((await degraded())?.status ? await degraded() : undefined),
        { timeoutMs: 20_000, intervalMs: 250 },
      );
      t.match(cond.message, /CPU Temp reads 90 celsius, critical/);
      const host = await admin.call('GetHost', { id: 'bmc-e2e' });
      const sensor = host.objects.find((o) => o.kind === 'bmc.sensor' && o.id === 'CPU Temp');
      t.match(
        JSON.parse(sensor?.dataJson ?? '{}'),
        { status: 'critical', value: 90 },
        'the reading is at the coordinator',
      );
      const sel = await waitFor(
        'the SEL event',
        async () =>
          (
            await admin.call('ListEvents', { afterId: 0, limit: 500, hostId: 'bmc-e2e' })
          ).events.find((e) => e.type === 'bmc.sel' && /Upper Critical/.test(e.message)),
        { timeoutMs: 20_000, intervalMs: 250 },
      );
      t.match(sel.message, /Upper Critical/);
    },
  );

  t.test('the condition clears when the sensor recovers', async (t) => {
    await sim.setReading('CPU Temp', 45);
    await waitFor('cleared', async () => (await degraded())?.status === false, {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    t.pass('degraded cleared');
  });
}
