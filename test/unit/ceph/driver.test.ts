import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import t from 'tap';
import { cephConfigSchema, type CephConfig } from '../../../agent/drivers/ceph/config.js';
import type { CephHostIo } from '../../../agent/drivers/ceph/host-io.js';
import { createCephDriver } from '../../../agent/drivers/ceph/index.js';
import type { DriverContext, DriverEvent } from '../../../agent/drivers/driver.js';
import type { Exec } from '../../../agent/host/exec.js';
import { validateConfig } from '../../../lib/config-schema.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';

/** The driver's IO shell against object-literal fakes fed with captured real output. */
const fx = (name: string) =>
  readFileSync(new URL(`../../fixtures/ceph/${name}`, import.meta.url), 'utf8');

interface Fake {
  calls: string[][];
  inputs: string[];
  killed: [number, string][];
  events: DriverEvent[];
  dirty: string[];
  files: Map<string, string>;
  procs: Map<number, string>;
}

function setup(opts: {
  batch?: (lines: string[]) => string;
  run?: (args: string[]) => { stdout: string; stderr?: string; exitCode?: number };
  config?: Partial<CephConfig>;
  cgroup?: (pid: number) => string;
  exists?: (p: string) => boolean;
}) {
  const f: Fake = {
    calls: [],
    inputs: [],
    killed: [],
    events: [],
    dirty: [],
    files: new Map(),
    procs: new Map([
      [100, 'ceph-osd\0-i\x000\0'],
      [101, '/usr/bin/ceph-osd\0--id=1\0'],
      [102, 'bash\0'],
    ]),
  };
  const exec: Exec = async (file, args, o) => {
    f.calls.push([file, ...args]);
    const i = args.indexOf('--connect-timeout');
    const rest = args.slice(i + 2);
    if (o.input !== undefined) {
      f.inputs.push(o.input);
      const lines = o.input.trim().split('\n');
      return { stdout: (opts.batch ?? defaultBatch)(lines), stderr: '' };
    }
    const r = opts.run?.(rest) ?? { stdout: '' };
    if (r.exitCode) {
      throw new PlinthError(ErrorCodes.EXEC_FAILED, `ceph exited with ${r.exitCode}`, {
        exitCode: r.exitCode,
        stdout: r.stdout,
        stderr: r.stderr ?? '',
      });
    }
    return { stdout: r.stdout, stderr: r.stderr ?? '' };
  };
  const io: CephHostIo = {
    exists: opts.exists ?? ((p) => p === '/etc/ceph/ceph.conf' || p.startsWith('/run/ceph/')),
    readFile: async (p) => f.files.get(p),
    writeFile: async (p, text) => void f.files.set(p, text),
    listPids: async () => [...f.procs.keys()],
    readProc: async (pid, file) => {
      const cmd = f.procs.get(pid);
      if (cmd === undefined) return undefined;
      if (file === 'cmdline') return cmd;
      if (file === 'stat') return `${pid} (ceph-osd) S 1 2 3`;
      return opts.cgroup?.(pid) ?? '0::/init.scope\n';
    },
    kill: (pid, signal) => {
      f.killed.push([pid, signal]);
      f.procs.delete(pid);
      return true;
    },
    hostname: () => 'plt-ceph-h0.example.org',
    which: (n) => `/usr/bin/${n}`,
    env: () => undefined,
    adminSocket: async (_path, cmd) =>
      cmd.prefix === 'perf dump' ? fx('asok-perf-dump-osd.json') : fx('asok-dump-blocked-ops.json'),
    docker: () => {
      throw new Error('no docker in this test');
    },
  };
  const ctx: DriverContext = {
    log: silentLog(),
    exec,
    clock: { now: () => Date.now(), monotonic: () => performance.now() },
    metrics: new Registry(),
    markDirty: (r) => f.dirty.push(r),
    emit: (e) => f.events.push(e),
    paths: { stateDir: '/state', runDir: '/run' },
  };
  const config = validateConfig<CephConfig>(cephConfigSchema, {
    conf: '/etc/ceph/ceph.conf',
    adminSocketDir: '/run/ceph',
    commandTimeoutMs: 3000,
    osdStopTimeoutMs: 1000,
    ...opts.config,
  });
  return { f, driver: createCephDriver(ctx, config, io), ctx };
}

const docs = fx('batch-ok.txt');
const defaultBatch = (lines: string[]) => {
  if (lines.join(',') === 'status,osd dump,osd tree,health detail') return docs;
  if (lines.join(',') === 'df') return fx('df.json');
  if (lines.join(',') === 'status') return fx('status-ok.json');
  if (lines.join(',') === 'osd dump') return fx('osd-dump.json');
  throw new Error(`unexpected batch ${lines.join(',')}`);
};
const sig = () => AbortSignal.timeout(10_000);

t.test(
  'observe: one CLI process for the mon commands, one for df, then df is cached',
  async (t) => {
    const { f, driver } = setup({});
    const o = await driver.observe(sig());
    t.equal(f.calls.length, 2, 'batch + df on the first pass');
    t.same(
      f.inputs.sort(),
      ['df\n', 'status\nosd dump\nosd tree\nhealth detail\n'],
      'df runs beside',
    );
    t.ok(
      f.calls.every((c) => c.includes('--connect-timeout') && c.includes('/etc/ceph/ceph.conf')),
    );
    t.same(
      o.objects.map((x) => x.kind + ':' + x.id).filter((k) => k.startsWith('ceph.osd')),
      ['ceph.osd:osd.0', 'ceph.osd:osd.1', 'ceph.osd:osd.2'],
    );
    t.match(o.objects.find((x) => x.id === 'osd.0')?.data, {
      local: true,
      running: true,
      runner: 'process',
    });
    t.equal(o.objects.find((x) => x.id === 'osd.2')?.data.local, false);
    await driver.observe(sig());
    t.equal(f.calls.length, 3, 'second pass: one process');
    t.same((await driver.health(sig())).status, 'healthy');
    t.equal(f.calls.length, 3, 'health after a fresh pass spawns nothing');
  },
);

t.test('host bucket defaults to the short hostname', async (t) => {
  const { driver } = setup({});
  const o = await driver.observe(sig());
  t.equal(o.objects.find((x) => x.kind === 'ceph.cluster')?.data.hostBucket, 'plt-ceph-h0');
});

t.test('malformed JSON from the CLI: a parse error, and health says so', async (t) => {
  const { driver } = setup({ batch: () => docs.slice(0, 500) });
  await t.rejects(driver.observe(sig()), { code: 'PLINTH_E_PARSE', message: /truncated JSON/ });
  const h = await driver.health(sig());
  t.equal(h.status, 'unhealthy');
  t.equal(h.code, 'PLINTH_E_PARSE');
  const { driver: d2 } = setup({
    batch: (l) => (l[0] === 'status' && l.length > 1 ? '{"fsid": 1}\n{}\n{}\n{}' : defaultBatch(l)),
  });
  await t.rejects(d2.observe(sig()), { code: 'PLINTH_E_PARSE', message: /ceph status: expected/ });
  const { driver: d3 } = setup({ batch: (l) => (l.length > 1 ? '{}\n{}' : defaultBatch(l)) });
  await t.rejects(d3.observe(sig()), {
    code: 'PLINTH_E_PARSE',
    message: /expected 4 JSON documents, got 2/,
  });
});

t.test('absent ceph: undetected, no process spawned', async (t) => {
  const { f, driver } = setup({ exists: () => false });
  t.equal((await driver.health(sig())).status, 'undetected');
  t.same(await driver.observe(sig()), { objects: [] });
  t.equal(f.calls.length, 0);
});

t.test('maintenance enter refused: Ceph words, nothing changed', async (t) => {
  const { f, driver } = setup({
    run: (a) =>
      a[1] === 'ok-to-stop'
        ? {
            stdout: fx('ok-to-stop-no.stdout.txt'),
            stderr: fx('ok-to-stop-no.stderr.txt'),
            exitCode: 16,
          }
        : { stdout: '' },
  });
  await t.rejects(driver.command!('ceph.maintenance.enter', {}, sig()), {
    code: 'PLINTH_E_CONFLICT',
    message: /unsafe to stop osd\(s\) at this time \(8 PGs are or would become offline\)/,
  });
  t.ok(f.calls.some((c) => c.join(' ').endsWith('osd ok-to-stop 0 1 --format json')));
  t.notOk(
    f.calls.some((c) => c.includes('set-group')),
    'noout not set',
  );
  t.same(f.killed, []);
  t.same(
    f.events.map((e) => [e.data?.step, e.severity]),
    [
      ['begin', 'info'],
      ['ok-to-stop', 'warning'],
    ],
  );
});

t.test('maintenance enter: ok-to-stop, noout on the host, SIGTERM to each local OSD', async (t) => {
  const { f, driver } = setup({
    run: (a) =>
      a[1] === 'ok-to-stop' ? { stdout: fx('ok-to-stop-yes.stdout.txt') } : { stdout: '' },
  });
  const r = await driver.command!('ceph.maintenance.enter', {}, sig());
  t.match(r, { ok: true, host: 'plt-ceph-h0', noout: true });
  t.ok(f.calls.some((c) => c.join(' ').endsWith('osd set-group noout plt-ceph-h0')));
  t.same(f.killed, [
    [100, 'SIGTERM'],
    [101, 'SIGTERM'],
  ]);
  t.same(
    f.events.map((e) => e.data?.step),
    ['begin', 'ok-to-stop', 'noout', 'stop-osd', 'stop-osd', 'done'],
  );
  t.match(JSON.parse(f.files.get('/state/ceph-maintenance.json') ?? '{}'), {
    hostBucket: 'plt-ceph-h0',
    osds: [
      { id: 0, runner: 'process' },
      { id: 1, runner: 'process' },
    ],
  });
  t.ok(f.dirty.length > 0, 'markDirty after the change');
});

t.test('systemd-run OSDs are stopped with systemctl, the unit read from the cgroup', async (t) => {
  const { f, driver } = setup({
    cgroup: (pid) =>
      `0::/system.slice/system-ceph\\x2dosd.slice/ceph-f00@osd.${pid - 100}.service\n`,
    run: (a) =>
      a[1] === 'ok-to-stop' ? { stdout: fx('ok-to-stop-yes.stdout.txt') } : { stdout: '' },
  });
  const r = await driver.command!('ceph.maintenance.enter', {}, sig());
  t.match(r, { ok: true });
  t.same(
    f.calls.filter((c) => c[0] === 'systemctl'),
    [
      ['systemctl', 'stop', 'ceph-f00@osd.0.service'],
      ['systemctl', 'stop', 'ceph-f00@osd.1.service'],
    ],
  );
  t.same(f.killed, [], 'no signals for systemd-run OSDs');
  // Exit after the processes are gone: the runner comes from the saved state.
  f.procs.clear();
  await driver.command!('ceph.maintenance.exit', {}, sig());
  t.same(f.calls.filter((c) => c[0] === 'systemctl').slice(2), [
    ['systemctl', 'start', 'ceph-f00@osd.0.service'],
    ['systemctl', 'start', 'ceph-f00@osd.1.service'],
  ]);
});

t.test(
  'maintenance exit starts OSDs with the validated template, clears noout, waits for clean',
  async (t) => {
    const { f, driver } = setup({
      config: { osdStartCommand: ['/usr/bin/ceph-osd', '--cluster', 'ceph', '-i', '{id}'] },
    });
    f.procs.clear();
    const x = await driver.command!('ceph.maintenance.exit', {}, sig());
    t.match(x, { ok: true, noout: false, activeClean: true });
    t.ok(f.calls.some((c) => c.join(' ') === '/usr/bin/ceph-osd --cluster ceph -i 0'));
    t.ok(f.calls.some((c) => c.join(' ') === '/usr/bin/ceph-osd --cluster ceph -i 1'));
    t.ok(f.calls.some((c) => c.join(' ').endsWith('osd unset-group noout plt-ceph-h0')));
    t.same(
      f.events.map((e) => e.data?.step),
      ['begin', 'start-osd', 'start-osd', 'osds-up', 'noout', 'recovery', 'done'],
    );
  },
);

t.test('maintenance enter on a host bucket without OSDs: refused before any change', async (t) => {
  const { f, driver } = setup({ config: { hostBucket: 'plt-ceph-none' } });
  await t.rejects(driver.command!('ceph.maintenance.enter', {}, sig()), {
    code: 'PLINTH_E_NOT_FOUND',
    message: /no OSDs under CRUSH host plt-ceph-none/,
  });
  t.equal(f.calls.length, 1, 'only the read-only batch ran');
});

t.test('a lasting local/map disagreement does not cause an observe storm', async (t) => {
  // osd.0 and osd.1 are up in the map, but their admin sockets are not found.
  const { f, driver } = setup({ exists: (p) => p === '/etc/ceph/ceph.conf' });
  await driver.observe(sig());
  await new Promise((r) => setTimeout(r, 1100));
  t.ok(f.dirty.length >= 1, 'a new disagreement is followed up');
  await driver.stop!(); // drops the pending follow-ups
  await driver.start!();
  const before = f.dirty.length;
  await driver.observe(sig());
  await driver.observe(sig());
  await new Promise((r) => setTimeout(r, 1100));
  t.equal(f.dirty.length, before, 'the same disagreement again: no new follow-ups');
  await driver.stop!();
});

t.test('osd out/in: local only, ids validated before any command line', async (t) => {
  const { f, driver } = setup({});
  await t.rejects(driver.command!('ceph.osd.out', { id: 2 }, sig()), {
    code: 'PLINTH_E_PERMISSION_DENIED',
  });
  for (const bad of ['1 --yes', '-1', 1.5, null, 'osd.x']) {
    await t.rejects(driver.command!('ceph.osd.in', { id: bad }, sig()), {
      code: 'PLINTH_E_INVALID_ARGUMENT',
    });
  }
  t.match(await driver.command!('ceph.osd.out', { id: 'osd.0' }, sig()), {
    ok: true,
    osd: 0,
    in: false,
  });
  t.ok(f.calls.some((c) => c.join(' ').endsWith('osd out 0')));
  await t.rejects(driver.command!('ceph.nope', {}, sig()), { code: 'PLINTH_E_INVALID_ARGUMENT' });
});

t.test('unreachable: the CLI timing out maps to PLINTH_E_CEPH_UNAVAILABLE', async (t) => {
  const { driver } = setup({
    batch: () => {
      throw new PlinthError(ErrorCodes.EXEC_FAILED, 'exited with 1', {
        exitCode: 1,
        stderr: 'timed out',
        stdout: '',
      });
    },
  });
  await t.rejects(driver.observe(sig()), {
    code: 'PLINTH_E_CEPH_UNAVAILABLE',
    message: /unreachable: timed out/,
  });
  const h = await driver.health(sig());
  t.same([h.status, h.code], ['unhealthy', 'PLINTH_E_CEPH_UNAVAILABLE']);
});

t.test('config: bad start templates and host buckets are refused at create', async (t) => {
  for (const over of [
    { osdStartCommand: ['ceph-osd', '-i', '{ID}'] },
    { osdStartCommand: ['ceph-osd'] },
    { osdStartCommand: ['ceph-osd', '-f', '-i', '{id}'] },
    { osdStartCommand: [] },
    { hostBucket: 'a b' },
    { systemdUnit: 'ceph-osd@{id}.service; reboot' },
  ]) {
    t.throws(() => setup({ config: over }), { code: 'PLINTH_E_CONFIG' }, JSON.stringify(over));
  }
});
