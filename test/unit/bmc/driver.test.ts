import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { bmcConfigSchema, type BmcConfig } from '../../../agent/drivers/bmc/config.js';
import { bmcDriverFactory, createBmcDriver, type BmcIo } from '../../../agent/drivers/bmc/index.js';
import type { RedfishClient } from '../../../agent/drivers/bmc/redfish-http.js';
import type { DriverContext, DriverEvent } from '../../../agent/drivers/driver.js';
import type { Exec } from '../../../agent/host/exec.js';
import { validateConfig } from '../../../lib/config-schema.js';
import { ErrorCodes } from '../../../lib/errors.js';

const fx = (name: string) =>
  readFileSync(new URL(`../../fixtures/bmc/${name}`, import.meta.url), 'utf8');
const PASSWORD = 'Tr0ub4dor&3-secret';

function fakeIo(
  files: Record<string, string>,
  devices: string[] = [],
): BmcIo & { files: Record<string, string> } {
  return {
    files,
    async readFile(p) {
      if (!(p in files)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return files[p]!;
    },
    async writeFile(p, d) {
      files[p] = d;
    },
    exists: async (p) => devices.includes(p),
    redfishClient: () => {
      throw new Error('no Redfish in this test');
    },
  };
}

interface Replies {
  sensors: string;
  sel: string;
}

function fakeExec(
  replies: Replies,
  calls: { args: string[]; env: NodeJS.ProcessEnv | undefined }[],
): Exec {
  return async (_file, args, opts) => {
    calls.push({ args: [...args], env: opts.env });
    const cmd = args.filter((a) => /^[a-z]+$|^\d+$/.test(a)).join(' ');
    if (cmd.includes('sensor list')) return { stdout: replies.sensors, stderr: '' };
    if (cmd.includes('sel elist')) return { stdout: replies.sel, stderr: '' };
    if (cmd.includes('chassis power status'))
      return { stdout: fx('ipmitool-chassis-power-on.txt'), stderr: '' };
    if (cmd.includes('fru print')) return { stdout: fx('ipmitool-fru-print.txt'), stderr: '' };
    throw new Error(`unexpected command ${args.join(' ')}`);
  };
}

function makeCtx(exec: Exec) {
  let text = '';
  const events: DriverEvent[] = [];
  const stream = new Writable({
    write(c, _e, cb) {
      text += String(c);
      cb();
    },
  });
  let now = 1000;
  const ctx: DriverContext = {
    log: pino({ level: 'debug' }, stream),
    exec,
    clock: { now: () => now, monotonic: () => now },
    metrics: new Registry(),
    markDirty: () => {},
    emit: (e) => events.push(e),
    paths: { stateDir: '/state', runDir: '/run' },
  };
  return { ctx, events, logText: () => text, advance: (ms: number) => (now += ms) };
}

const lanConfig = (extra: Record<string, unknown> = {}) =>
  validateConfig<BmcConfig>(
    bmcConfigSchema,
    {
      source: 'ipmi-lan',
      address: '10.9.8.7:623',
      user: 'admin',
      passwordFile: '/etc/plinth/bmc-pw',
      ...extra,
    },
    'drivers.bmc',
  );

t.test('factory and schema', async (t) => {
  t.equal(bmcDriverFactory.name, 'bmc');
  const cfg = validateConfig<BmcConfig>(bmcConfigSchema, {}, 'drivers.bmc');
  t.match(cfg, {
    source: 'auto',
    insecureSkipVerify: false,
    cipherSuite: 3,
    ipmiDevice: '/dev/ipmi0',
  });
  t.throws(() => validateConfig(bmcConfigSchema, { source: 'telnet' }), {
    code: ErrorCodes.CONFIG,
  });
  t.throws(() => validateConfig(bmcConfigSchema, { user: 'root; reboot' }), {
    code: ErrorCodes.CONFIG,
  });
  t.throws(() => validateConfig(bmcConfigSchema, { address: '10.0.0.1 -P x' }), {
    code: ErrorCodes.CONFIG,
  });
});

t.test('auto without a device or an address: undetected, nothing observed', async (t) => {
  const { ctx } = makeCtx(fakeExec({ sensors: '', sel: '' }, []));
  const d = createBmcDriver(
    ctx,
    validateConfig<BmcConfig>(bmcConfigSchema, {}, 'drivers.bmc'),
    fakeIo({}),
  );
  await d.start!();
  t.match(await d.health(AbortSignal.timeout(1000)), { status: 'undetected' });
  t.same(await d.observe(AbortSignal.timeout(1000)), { objects: [] });
});

t.test('auto with /dev/ipmi0 uses ipmitool -I open without credentials', async (t) => {
  const calls: { args: string[]; env: NodeJS.ProcessEnv | undefined }[] = [];
  const { ctx } = makeCtx(
    fakeExec({ sensors: fx('ipmitool-sensor-list-csv-ok.txt'), sel: '' }, calls),
  );
  const d = createBmcDriver(
    ctx,
    validateConfig<BmcConfig>(bmcConfigSchema, {}, 'drivers.bmc'),
    fakeIo({}, ['/dev/ipmi0']),
  );
  const o = await d.observe(AbortSignal.timeout(1000));
  t.equal(o.objects.filter((x) => x.kind === 'bmc.sensor').length, 6);
  t.same(calls[0]!.args.slice(0, 2), ['-I', 'open']);
});

t.test('ipmi-lan: objects, metrics, conditions, SEL events and the persisted cursor', async (t) => {
  const calls: { args: string[]; env: NodeJS.ProcessEnv | undefined }[] = [];
  const replies: Replies = {
    sensors: fx('ipmitool-sensor-list-csv-ok.txt'),
    sel: fx('ipmitool-sel-elist-empty.txt'),
  };
  const { ctx, events, logText } = makeCtx(fakeExec(replies, calls));
  const io = fakeIo({ '/etc/plinth/bmc-pw': `${PASSWORD}\n` });
  const d = createBmcDriver(ctx, lanConfig(), io);
  await d.start!();
  let o = await d.observe(AbortSignal.timeout(1000));
  t.match(o.conditions, [{ type: 'degraded', status: false }]);
  t.same(o.objects.find((x) => x.kind === 'bmc.power')?.data, { state: 'on' });
  t.same(o.objects.find((x) => x.kind === 'bmc.fru')?.data, {
    vendor: 'Plinth Labs',
    model: 'PL-1U-Sim',
    serial: 'SIM0001',
  });
  t.same(JSON.parse(io.files['/state/bmc-sel.json']!), {
    source: 'ipmi-lan:10.9.8.7:623',
    lastId: 0,
  });
  t.equal(events.length, 0, 'baseline pass emits nothing');

  replies.sensors = fx('ipmitool-sensor-list-csv-critical.txt');
  replies.sel = fx('ipmitool-sel-elist.txt');
  o = await d.observe(AbortSignal.timeout(1000));
  t.match(o.conditions, [
    {
      type: 'degraded',
      status: true,
      reason: 'SensorCritical',
      message: /CPU Temp reads 90 celsius/,
    },
  ]);
  t.match(o.objects.find((x) => x.id === 'CPU Temp')?.data, { status: 'critical', value: 90 });
  t.equal(events.length, 12, 'every new SEL entry is an event');
  t.match(events[1], {
    type: 'bmc.sel',
    severity: 'critical',
    data: { id: 2, event: 'Upper Critical going high' },
  });
  t.same(JSON.parse(io.files['/state/bmc-sel.json']!), {
    source: 'ipmi-lan:10.9.8.7:623',
    lastId: 12,
  });
  o = await d.observe(AbortSignal.timeout(1000));
  t.equal(events.length, 12, 'nothing emitted twice');

  const metrics = await ctx.metrics.metrics();
  t.match(
    metrics,
    /plinth_bmc_sensor_value\{sensor="CPU Temp",type="temperature",unit="celsius"\} 90/,
  );
  t.match(metrics, /plinth_bmc_sensor_status\{sensor="CPU Temp"\} 2/);
  t.match(metrics, /plinth_bmc_sensor_status\{sensor="FAN1"\} 2/);

  // A sensor whose reply goes bad: a read error, its value series disappears (never 0).
  replies.sensors =
    'CPU Temp,na,degrees C,na,na,na,na,75.000,85.000,95.000\n' +
    fx('ipmitool-sensor-list-csv-ok.txt').split('\n').slice(1).join('\n');
  o = await d.observe(AbortSignal.timeout(1000));
  t.same(o.objects.find((x) => x.id === 'CPU Temp')?.data, {
    name: 'CPU Temp',
    readError: 'no numeric reading (got "na")',
  });
  const m2 = await ctx.metrics.metrics();
  t.notMatch(m2, /plinth_bmc_sensor_value\{sensor="CPU Temp"/);
  t.match(m2, /plinth_bmc_sensor_status\{sensor="CPU Temp"\} -1/);

  for (const c of calls) {
    t.notOk(c.args.join(' ').includes(PASSWORD), 'never on argv');
    if (c.args.includes('lanplus')) t.equal(c.env?.IPMI_PASSWORD, PASSWORD);
  }
  t.notOk(logText().includes(PASSWORD), 'never in the logs');
  t.match(logText(), /BMC source selected/);
});

t.test('a restarted driver resumes from the persisted cursor', async (t) => {
  const io = fakeIo({
    '/etc/plinth/bmc-pw': PASSWORD,
    '/state/bmc-sel.json': JSON.stringify({ source: 'ipmi-lan:10.9.8.7:623', lastId: 10 }),
  });
  const { ctx, events } = makeCtx(
    fakeExec(
      { sensors: fx('ipmitool-sensor-list-csv-ok.txt'), sel: fx('ipmitool-sel-elist.txt') },
      [],
    ),
  );
  const d = createBmcDriver(ctx, lanConfig(), io);
  await d.observe(AbortSignal.timeout(1000));
  t.same(
    events.map((e) => e.data?.id),
    [11, 12],
  );
});

t.test('configuration problems: unhealthy with a code, nothing thrown from start', async (t) => {
  const table: [string, BmcConfig, Record<string, string>, RegExp][] = [
    ['no password file', lanConfig({ passwordFile: undefined }), {}, /passwordFile is required/],
    ['unreadable password file', lanConfig(), {}, /cannot read it \(ENOENT\)/],
    ['empty password', lanConfig(), { '/etc/plinth/bmc-pw': '\n' }, /one line/],
    [
      'no user',
      lanConfig({ user: undefined }),
      { '/etc/plinth/bmc-pw': PASSWORD },
      /user is required/,
    ],
    [
      'redfish without trust',
      validateConfig<BmcConfig>(bmcConfigSchema, {
        source: 'redfish',
        address: 'https://10.0.0.9',
        user: 'admin',
        passwordFile: '/pw',
      }),
      { '/pw': PASSWORD },
      /needs caFile or pinnedSha256/,
    ],
  ];
  for (const [what, cfg, files, msg] of table) {
    const { ctx, logText } = makeCtx(fakeExec({ sensors: '', sel: '' }, []));
    const d = createBmcDriver(ctx, cfg, fakeIo(files));
    await d.start!();
    const h = await d.health(AbortSignal.timeout(1000));
    t.match(h, { status: 'unhealthy', code: ErrorCodes.CONFIG, message: msg }, what);
    await t.rejects(d.observe(AbortSignal.timeout(1000)), { code: ErrorCodes.CONFIG }, what);
    t.notOk(logText().includes(PASSWORD), what);
  }
});

t.test('redfish with insecureSkipVerify warns at every start', async (t) => {
  const { ctx, logText } = makeCtx(fakeExec({ sensors: '', sel: '' }, []));
  const fakeClient: RedfishClient = {
    get: async () => ({}),
    post: async () => ({ status: 204, headers: {}, body: undefined }),
    authMode: () => 'session',
    close: async () => {},
  };
  const io = { ...fakeIo({ '/pw': PASSWORD }), redfishClient: () => fakeClient };
  const cfg = validateConfig<BmcConfig>(bmcConfigSchema, {
    source: 'redfish',
    address: 'https://10.0.0.9',
    user: 'admin',
    passwordFile: '/pw',
    insecureSkipVerify: true,
  });
  await createBmcDriver(ctx, cfg, io).start!();
  await createBmcDriver(ctx, cfg, io).start!();
  t.equal(logText().match(/INSECURE/g)?.length, 2);
  t.match(logText(), /"level":40/);
  t.notOk(logText().includes(PASSWORD));
});
