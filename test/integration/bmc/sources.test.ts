import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { systemClock } from '../../../agent/host/clock.js';
import { execFile } from '../../../agent/host/exec.js';
import { bmcConfigSchema, type BmcConfig } from '../../../agent/drivers/bmc/config.js';
import { createBmcDriver } from '../../../agent/drivers/bmc/index.js';
import type {
  Driver,
  DriverContext,
  DriverEvent,
  Observation,
} from '../../../agent/drivers/driver.js';
import { createBmcClient, fence, type BmcTarget } from '../../../coordinator/fencing/index.js';
import { validateConfig } from '../../../lib/config-schema.js';
import { ErrorCodes, isPlinthError } from '../../../lib/errors.js';
import { DEFAULT_SENSORS, ipmiSimUnavailableReason, startIpmiSim } from '../../harness/ipmi-sim.js';
import { startRedfish } from '../../harness/redfish.js';

/**
 * The same tests against both BMC kinds: a real OpenIPMI ipmi_sim over lanplus, and the
 * project's Redfish test server over HTTPS. Every log line the driver and the fencing
 * code write goes into one buffer, which must never contain a password.
 */

interface Bmc {
  kind: 'ipmi' | 'redfish';
  password: string;
  setReading(name: string, value: number): Promise<void>;
  powerState(): Promise<'on' | 'off'>;
  setPowerState(s: 'on' | 'off'): Promise<void>;
  driverConfig(dir: string, password: string): Promise<Record<string, unknown>>;
  target(password: string): BmcTarget;
  /** The same BMC kind at an address where nothing listens. */
  deadTarget(): Promise<BmcTarget>;
  stop(): Promise<void>;
}

async function startIpmiBmc(): Promise<Bmc> {
  const sim = await startIpmiSim({ sensors: DEFAULT_SENSORS });
  return {
    kind: 'ipmi',
    password: sim.password,
    setReading: (n, v) => sim.setReading(n, v),
    powerState: () => sim.powerState(),
    setPowerState: (s) => sim.setPowerState(s),
    async driverConfig(dir, password) {
      const pf = join(dir, 'ipmi-password');
      await writeFile(pf, password + '\n', { mode: 0o600 });
      return {
        source: 'ipmi-lan',
        address: `127.0.0.1:${sim.port}`,
        user: sim.user,
        passwordFile: pf,
        timeoutMs: 5000,
      };
    },
    target: (password) => ({
      protocol: 'ipmi',
      host: '127.0.0.1',
      port: sim.port,
      user: sim.user,
      password,
    }),
    async deadTarget() {
      // A UDP port in our range with nothing behind it (checked free, then released).
      for (let p = 19649; p > 19600; p--) {
        const free = await new Promise<boolean>((resolve) => {
          const s = createSocket('udp4');
          s.once('error', () => resolve(false));
          s.bind(p, '127.0.0.1', () => s.close(() => resolve(true)));
        });
        if (free && p !== sim.port)
          return {
            protocol: 'ipmi',
            host: '127.0.0.1',
            port: p,
            user: sim.user,
            password: sim.password,
          };
      }
      throw new Error('no free UDP port for the unreachable-BMC test');
    },
    stop: () => sim.stop(),
  };
}

async function startRedfishBmc(): Promise<Bmc> {
  const rf = await startRedfish({ sensors: DEFAULT_SENSORS });
  return {
    kind: 'redfish',
    password: rf.password,
    async setReading(n, v) {
      rf.setReading(n, v);
    },
    async powerState() {
      return rf.powerState() === 'Off' ? 'off' : 'on';
    },
    async setPowerState(s) {
      rf.setPowerState(s === 'on' ? 'On' : 'Off');
    },
    async driverConfig(dir, password) {
      const pf = join(dir, 'rf-password');
      const ca = join(dir, 'rf-ca.pem');
      await writeFile(pf, password + '\n', { mode: 0o600 });
      await writeFile(ca, rf.pki.caPem);
      return {
        source: 'redfish',
        address: rf.url,
        user: rf.user,
        passwordFile: pf,
        caFile: ca,
        timeoutMs: 5000,
      };
    },
    target: (password) => ({
      protocol: 'redfish',
      url: rf.url,
      user: rf.user,
      password,
      caPem: rf.pki.caPem,
    }),
    async deadTarget() {
      // A TCP port the kernel just handed out and we closed again: connection refused.
      const port = await new Promise<number>((resolve) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      return {
        protocol: 'redfish',
        url: `https://127.0.0.1:${port}`,
        user: rf.user,
        password: rf.password,
        caPem: rf.pki.caPem,
      };
    },
    stop: () => rf.stop(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function captureLog() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), text: () => text };
}

async function observeUntil(
  driver: Driver,
  pred: (o: Observation) => boolean,
  what: string,
): Promise<Observation> {
  let last: Observation | undefined;
  for (let i = 0; i < 25; i++) {
    last = await driver.observe(AbortSignal.timeout(15_000));
    if (pred(last)) return last;
    await sleep(200);
  }
  throw new Error(
    `timed out waiting for ${what}; last observation: ${JSON.stringify(last).slice(0, 800)}`,
  );
}

const degraded = (o: Observation) => o.conditions?.find((c) => c.type === 'degraded');
const sensor = (o: Observation, name: string) =>
  o.objects.find((x) => x.kind === 'bmc.sensor' && x.id === name);

const ipmiMissing = await ipmiSimUnavailableReason();

for (const kind of ['ipmi', 'redfish'] as const) {
  t.test(`BMC over ${kind}`, async (t) => {
    if (kind === 'ipmi' && ipmiMissing) {
      t.plan(0, `skipping: ${ipmiMissing}`);
      return;
    }
    const bmc = kind === 'ipmi' ? await startIpmiBmc() : await startRedfishBmc();
    t.teardown(() => bmc.stop());
    const dir = await mkdtemp(join(tmpdir(), 'plt-bmc-it-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const logs = captureLog();
    const events: DriverEvent[] = [];
    const errors: string[] = [];
    const registry = new Registry();
    const ctx: DriverContext = {
      log: logs.log,
      exec: execFile,
      clock: systemClock,
      metrics: registry,
      markDirty: () => {},
      emit: (e) => events.push(e),
      paths: { stateDir: join(dir, 'state'), runDir: dir },
    };
    const config = validateConfig<BmcConfig>(
      bmcConfigSchema,
      await bmc.driverConfig(dir, bmc.password),
      'drivers.bmc',
    );
    const driver = createBmcDriver(ctx, config);
    await driver.start!();
    t.teardown(() => driver.stop!());

    await t.test(
      'baseline: every sensor ok, power on, FRU read, no degraded condition',
      async (t) => {
        t.same(await driver.health(AbortSignal.timeout(10_000)), { status: 'healthy' });
        const o = await driver.observe(AbortSignal.timeout(15_000));
        const sensors = o.objects.filter((x) => x.kind === 'bmc.sensor');
        t.equal(sensors.length, DEFAULT_SENSORS.length, 'one object per sensor');
        t.ok(
          sensors.every((s) => s.data.status === 'ok'),
          'all ok',
        );
        t.notOk(
          sensors.some((s) => 'value' in s.data),
          'no volatile reading in objects while ok',
        );
        t.same(sensor(o, 'CPU Temp')?.data.thresholds, {
          upperNonCritical: 75,
          upperCritical: 85,
          upperNonRecoverable: 95,
        });
        t.match(sensor(o, 'FAN1')?.data, { type: 'fan', unit: 'rpm' });
        t.same(o.objects.find((x) => x.kind === 'bmc.power')?.data, { state: 'on' });
        t.match(o.objects.find((x) => x.kind === 'bmc.fru')?.data, { vendor: 'Plinth Labs' });
        t.match(degraded(o), { status: false });
        const metrics = await registry.getSingleMetricAsString('plinth_bmc_sensor_value');
        t.match(
          metrics,
          /plinth_bmc_sensor_value\{sensor="CPU Temp",type="temperature",unit="celsius"\} 40/,
        );
      },
    );

    await t.test(
      '(1) a temperature past critical: reading, degraded condition and a SEL event',
      async (t) => {
        const before = events.length;
        await bmc.setReading('CPU Temp', 90);
        const o = await observeUntil(driver, (x) => degraded(x)?.status === true, 'degraded');
        t.match(sensor(o, 'CPU Temp')?.data, { status: 'critical', value: 90, unit: 'celsius' });
        const cond = degraded(o)!;
        t.equal(cond.reason, 'SensorCritical');
        t.match(cond.message, /CPU Temp reads 90 celsius, critical \(upper critical 85\)/);
        const status = await registry.getSingleMetricAsString('plinth_bmc_sensor_status');
        t.match(status, /plinth_bmc_sensor_status\{sensor="CPU Temp"\} 2/);
        // The SEL entry may land a pass later than the reading.
        for (
          let i = 0;
          i < 10 && !events.slice(before).some((e) => /Upper Critical/.test(e.message));
          i++
        ) {
          await sleep(200);
          await driver.observe(AbortSignal.timeout(15_000));
        }
        const sel = events.slice(before).filter((e) => e.type === 'bmc.sel');
        const crit = sel.find((e) => /Upper Critical going high/.test(e.message));
        t.ok(
          crit,
          `a bmc.sel event for the critical crossing (got ${JSON.stringify(sel.map((e) => e.message))})`,
        );
        t.equal(crit?.severity, 'critical');
        t.equal(crit?.data?.direction, 'asserted');
      },
    );

    await t.test('(2) lowered again: the condition clears', async (t) => {
      await bmc.setReading('CPU Temp', 40);
      const o = await observeUntil(
        driver,
        (x) => degraded(x)?.status === false,
        'degraded cleared',
      );
      t.same(degraded(o), {
        type: 'degraded',
        status: false,
        reason: 'SensorsOk',
        message: 'no BMC sensor is critical',
      });
      t.match(sensor(o, 'CPU Temp')?.data, { status: 'ok' });
      t.notOk('value' in (sensor(o, 'CPU Temp')?.data ?? {}));
    });

    await t.test(
      'SEL entries are not replayed by a restarted driver (cursor in the state dir)',
      async (t) => {
        const d2 = createBmcDriver({ ...ctx, emit: (e) => events.push(e) }, config);
        await d2.start!();
        const before = events.length;
        await d2.observe(AbortSignal.timeout(15_000));
        t.equal(events.slice(before).filter((e) => e.type === 'bmc.sel').length, 0);
        await d2.stop!();
      },
    );

    const client = createBmcClient(bmc.target(bmc.password), {
      exec: execFile,
      log: logs.log,
      timeoutMs: 5000,
    });
    t.teardown(() => client.close());

    await t.test('(3) fence a powered-on host: it reads off', async (t) => {
      t.equal(await bmc.powerState(), 'on');
      t.equal(await client.powerStatus(), 'on');
      const out = await fence(client, {
        deadlineMs: 10_000,
        retries: 2,
        clock: systemClock,
        pollIntervalMs: 100,
      });
      t.ok(out.ok, out.message);
      t.equal(out.alreadyOff, false);
      t.equal(out.powerState, 'off');
      t.ok(
        out.attempts.some((a) => a.action === 'power-off' && a.ok),
        'a power-off was sent',
      );
      t.equal(out.attempts.at(-1)?.powerState, 'off', 'confirmed by read-back');
      t.equal(await bmc.powerState(), 'off', 'the BMC really is off');
    });

    await t.test('(4) fence it again: success, already off', async (t) => {
      const out = await fence(client, { deadlineMs: 10_000, retries: 2, clock: systemClock });
      t.ok(out.ok);
      t.equal(out.alreadyOff, true);
      t.notOk(
        out.attempts.some((a) => a.action === 'power-off'),
        'nothing sent to a host that is off',
      );
      // A bare power-off to an off host is fine too (Redfish answers 409, read back as Off).
      const r = await client.powerOff();
      if (kind === 'redfish') t.same(r, { alreadyInState: true });
      t.equal(await bmc.powerState(), 'off');
    });

    await t.test('power on and cycle', async (t) => {
      await client.powerOn();
      t.equal(await client.powerStatus(), 'on');
      await client.powerCycle();
      await bmc.setPowerState('off');
      await client.powerCycle();
      t.equal(await bmc.powerState(), 'on', 'cycle of an off host powers it on');
    });

    await t.test('(5) a wrong password: PLINTH_E_BMC_AUTH in under 2 s', async (t) => {
      const wrong = createBmcClient(bmc.target('not-the-password'), {
        exec: execFile,
        log: logs.log,
        timeoutMs: 5000,
      });
      const t0 = performance.now();
      const err = await wrong.powerStatus().then(
        () => null,
        (e: unknown) => e,
      );
      const ms = performance.now() - t0;
      t.ok(isPlinthError(err), 'a PlinthError');
      t.equal(isPlinthError(err) && err.code, ErrorCodes.BMC_AUTH, String(err));
      t.ok(ms < 2000, `took ${Math.round(ms)} ms`);
      if (isPlinthError(err)) errors.push(err.message, JSON.stringify(err.details ?? {}));
      const out = await fence(wrong, { deadlineMs: 10_000, retries: 3, clock: systemClock });
      t.equal(out.ok, false);
      t.equal(out.code, ErrorCodes.BMC_AUTH, 'fence stops at once on bad credentials');
      t.ok(out.elapsedMs < 2000, `fence gave up in ${out.elapsedMs} ms`);
      errors.push(out.message, JSON.stringify(out.attempts));
      // The driver with a wrong password file is unhealthy with the same code.
      const badDir = join(dir, 'bad');
      await mkdir(badDir);
      const badCfg = validateConfig<BmcConfig>(
        bmcConfigSchema,
        await bmc.driverConfig(badDir, 'wrong-pw-123'),
        'drivers.bmc',
      );
      const bad = createBmcDriver(
        { ...ctx, paths: { stateDir: join(dir, 'state2'), runDir: dir } },
        badCfg,
      );
      await bad.start!();
      const h = await bad.health(AbortSignal.timeout(10_000));
      t.match(h, { status: 'unhealthy', code: ErrorCodes.BMC_AUTH });
      errors.push(h.message ?? '');
      const obsErr = await bad.observe(AbortSignal.timeout(10_000)).then(
        () => null,
        (e: unknown) => e,
      );
      t.equal(
        isPlinthError(obsErr) && obsErr.code,
        ErrorCodes.BMC_AUTH,
        `observe: ${String(obsErr)}`,
      );
      if (isPlinthError(obsErr)) errors.push(obsErr.message);
      await bad.stop!();
      await wrong.close();
    });

    await t.test('(6) an unreachable BMC: an error within the deadline, no hang', async (t) => {
      const dead = createBmcClient(await bmc.deadTarget(), {
        exec: execFile,
        log: logs.log,
        timeoutMs: 5000,
        ipmiRetries: 1,
      });
      const deadlineMs = 3000;
      const t0 = performance.now();
      const out = await fence(dead, {
        deadlineMs,
        retries: 5,
        clock: systemClock,
        pollIntervalMs: 100,
      });
      const ms = performance.now() - t0;
      t.equal(out.ok, false);
      t.ok(out.code === ErrorCodes.FENCE_FAILED, `code ${out.code}: ${out.message}`);
      t.ok(ms < deadlineMs + 1000, `returned after ${Math.round(ms)} ms (deadline ${deadlineMs})`);
      t.ok(out.attempts.length >= 1 && out.attempts.every((a) => !a.ok));
      errors.push(out.message, JSON.stringify(out.attempts));
      await dead.close();
    });

    await t.test('no password in any log line or error message', async (t) => {
      const all = logs.text() + '\n' + errors.join('\n');
      t.ok(logs.text().length > 0, 'something was logged');
      t.notOk(all.includes(bmc.password), 'the real password never appears');
      t.notOk(all.includes('not-the-password'), 'nor a wrong one');
      t.notOk(all.includes('wrong-pw-123'));
    });
  });
}

t.test(
  'redfish: insecureSkipVerify works but warns loudly; basic auth fallback; Thermal/Power without Sensors',
  async (t) => {
    const rf = await startRedfish({
      sensors: DEFAULT_SENSORS,
      sessions: false,
      sensorsCollection: false,
      powerTransitionMs: 300,
    });
    t.teardown(() => rf.stop());
    const dir = await mkdtemp(join(tmpdir(), 'plt-bmc-it-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const pf = join(dir, 'pw');
    await writeFile(pf, rf.password, { mode: 0o600 });
    const logs = captureLog();
    const ctx: DriverContext = {
      log: logs.log,
      exec: execFile,
      clock: systemClock,
      metrics: new Registry(),
      markDirty: () => {},
      emit: () => {},
      paths: { stateDir: dir, runDir: dir },
    };
    const cfg = validateConfig<BmcConfig>(
      bmcConfigSchema,
      {
        source: 'redfish',
        address: rf.url,
        user: rf.user,
        passwordFile: pf,
        insecureSkipVerify: true,
      },
      'drivers.bmc',
    );
    const d = createBmcDriver(ctx, cfg);
    await d.start!();
    t.match(logs.text(), /INSECURE: drivers\.bmc\.insecureSkipVerify/);
    const o = await d.observe(AbortSignal.timeout(10_000));
    // Thermal + Power have no place for a current reading: every other sensor is there.
    const names = o.objects.filter((x) => x.kind === 'bmc.sensor').map((x) => x.id);
    t.same(
      names.sort(),
      DEFAULT_SENSORS.filter((s) => s.type !== 'current')
        .map((s) => s.name)
        .sort(),
    );
    t.ok(
      rf.requests.some((r) => r.auth === 'basic') && !rf.requests.some((r) => r.auth === 'session'),
      'basic auth when sessions are not supported',
    );
    t.notOk(
      rf.requests.some((r) => r.path.includes('/Sensors')),
      'no Sensors collection requested',
    );
    await d.stop!();

    // Fencing through a BMC that passes through PoweringOff before Off.
    const client = createBmcClient(
      {
        protocol: 'redfish',
        url: rf.url,
        user: rf.user,
        password: rf.password,
        pinnedSha256: rf.pki.fingerprint256,
      },
      { exec: execFile, log: logs.log },
    );
    const out = await fence(client, {
      deadlineMs: 5000,
      retries: 1,
      clock: systemClock,
      pollIntervalMs: 100,
    });
    t.ok(out.ok, out.message);
    t.ok(
      out.attempts.some((a) => a.powerState === 'powering-off'),
      'the read-back saw the transition',
    );
    t.equal(rf.powerState(), 'Off');
    t.notOk(logs.text().includes(rf.password));
  },
);
