import t from 'tap';
import { Registry } from 'prom-client';
import type { DriverContext } from '../../../agent/drivers/driver.js';
import type { Exec, ExecOptions } from '../../../agent/host/exec.js';
import { frrConfigDefaults, type FrrConfig } from '../../../agent/drivers/frr/config.js';
import { frrDriverFactory } from '../../../agent/drivers/frr/index.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';
import { fixture } from './fixtures.js';

interface Call {
  file: string;
  args: readonly string[];
  opts: ExecOptions;
}

function harness(
  respond: (args: readonly string[], n: number) => string | Error,
  over: Partial<FrrConfig> = {},
) {
  const calls: Call[] = [];
  const dirty: string[] = [];
  const exec: Exec = async (file, args, opts) => {
    calls.push({ file, args, opts });
    const r = respond(args, calls.length);
    if (r instanceof Error) throw r;
    return { stdout: r, stderr: '' };
  };
  const registry = new Registry();
  const ctx: DriverContext = {
    log: silentLog(),
    exec,
    clock: { now: () => 0, monotonic: () => 0 },
    metrics: registry,
    markDirty: (r) => dirty.push(r),
    emit: () => undefined,
    paths: { stateDir: '/nonexistent', runDir: '/nonexistent' },
  };
  const cfg: FrrConfig = {
    ...frrConfigDefaults,
    vtySocketDir: '/run/x',
    configDir: '/etc/x',
    pollIntervalMs: 0,
    ...over,
  };
  return { driver: frrDriverFactory.create(ctx, cfg), calls, dirty, registry };
}

const commandsOf = (args: readonly string[]) => args.filter((_, i) => args[i - 1] === '-c');
const down = () =>
  new PlinthError(ErrorCodes.EXEC_FAILED, 'vtysh exited with 1: bgpd is not running');
const signal = new AbortController().signal;

t.test('factory', async (t) => {
  t.equal(frrDriverFactory.name, 'frr');
  const { driver } = harness(() => '{}');
  t.equal(driver.name, 'frr');
  t.equal(driver.desiredKey, 'bgp');
  t.ok(frrDriverFactory.configSchema.vtySocketDir);
});

t.test('health: every call has a deadline, failures are FRR_UNAVAILABLE', async (t) => {
  const ok = harness(() => fixture('rich-summary.json'));
  t.same(await ok.driver.health(signal), { status: 'healthy' });
  t.equal(ok.calls[0]!.file, '/usr/bin/vtysh');
  t.same(ok.calls[0]!.args, [
    '--vty_socket',
    '/run/x',
    '--config_dir',
    '/etc/x',
    '-c',
    'show bgp summary json',
  ]);
  t.equal(ok.calls[0]!.opts.timeoutMs, 5000);

  for (const [name, err] of [
    ['bgpd down', down()],
    ['vtysh absent', new PlinthError(ErrorCodes.UNAVAILABLE, 'vtysh is not installed')],
    ['timeout', new PlinthError(ErrorCodes.TIMEOUT, 'killed')],
  ] as const) {
    const h = harness(() => err);
    t.match(
      await h.driver.health(signal),
      { status: 'unhealthy', code: 'PLINTH_E_FRR_UNAVAILABLE' },
      name,
    );
    await t.rejects(h.driver.observe(signal), { code: 'PLINTH_E_FRR_UNAVAILABLE' }, name);
  }
  const garbage = harness(() => 'not json');
  t.match(await garbage.driver.health(signal), {
    status: 'unhealthy',
    code: 'PLINTH_E_FRR_UNAVAILABLE',
  });
});

t.test('observe: one batched call plus the BFD call; metrics', async (t) => {
  const h = harness((args) =>
    commandsOf(args)[0] === 'show bfd peers json'
      ? fixture('rich-bfd-peers.json')
      : fixture('rich-observe-echo.txt'),
  );
  const o = await h.driver.observe(signal);
  t.equal(h.calls.length, 2);
  t.ok(h.calls[0]!.args.includes('-E'));
  t.equal(o.objects.filter((x) => x.kind === 'bgp.neighbor').length, 5);
  t.equal(o.objects.filter((x) => x.kind === 'bgp.bfd-peer').length, 1);
  const m = await h.registry.getSingleMetric('plinth_bgp_neighbor_established')!.get();
  t.equal(m.values.length, 5);
  const up = await h.registry.getSingleMetric('plinth_bgp_up')!.get();
  t.equal(up.values[0]!.value, 1);

  const noBfd = harness((args) =>
    commandsOf(args)[0] === 'show bfd peers json' ? down() : fixture('rich-observe-echo.txt'),
  );
  const o2 = await noBfd.driver.observe(signal);
  t.equal(
    o2.objects.filter((x) => x.kind === 'bgp.bfd-peer').length,
    0,
    'bfdd down: no BFD peers, no error',
  );
});

t.test('apply: one vtysh call with the minimal commands, then a re-read', async (t) => {
  const before = fixture('rich-config-echo.txt');
  const after = before.replace(
    ' neighbor 198.18.5.6 description plinth\n',
    ' neighbor 198.18.5.6 description plinth: c\n',
  );
  let configured = false;
  const h = harness((args) => {
    const cmds = commandsOf(args);
    if (cmds[0] === 'configure terminal') {
      configured = true;
      return '';
    }
    return configured ? after : before;
  });
  const p = h.driver.parseDesired!({
    asn: 65001,
    routerId: '198.18.5.1',
    neighbors: [
      { address: '198.18.5.2', remoteAs: 65002, description: 'to b', bfd: true },
      { address: '198.18.5.6', remoteAs: 'external', description: 'c' },
    ],
    prefixes: ['198.18.5.200/32', '198.18.5.208/29'],
  });
  t.same(p.errors, []);
  const results = await h.driver.apply!(p.desired, { objects: [] }, signal);
  const configure = h.calls.filter((c) => commandsOf(c.args)[0] === 'configure terminal');
  t.equal(configure.length, 1, 'one configure call');
  t.same(commandsOf(configure[0]!.args), [
    'configure terminal',
    'router bgp 65001',
    `no neighbor ${[...before.matchAll(/neighbor (plt-frr\S+zz) interface/g)][0]![1]} interface`,
    'no neighbor 198.18.5.10',
    'neighbor 198.18.5.6 description plinth: c',
    'exit',
    'end',
    'write memory',
  ]);
  t.equal(configure[0]!.opts.timeoutMs, 30000);
  t.match(
    results.find((r) => r.id === '198.18.5.6'),
    { ok: true, action: 'update' },
  );
  t.ok(h.dirty.length > 0, 'marks dirty after a change');
});

t.test('apply: nothing to do is no configure call; bgpd down is FRR_UNAVAILABLE', async (t) => {
  const h = harness(() => fixture('empty-config-echo.txt'));
  t.same(await h.driver.apply!(null, { objects: [] }, signal), []);
  t.equal(h.calls.length, 0, 'no desired bgp section: FRR not even read');

  const d = harness(() => down());
  const p = d.driver.parseDesired!({
    asn: 65001,
    neighbors: [{ address: '198.18.5.2', remoteAs: 1 }],
  });
  const r = await d.driver.apply!(p.desired, { objects: [] }, signal);
  t.match(r, [
    { kind: 'bgp.instance', ok: false, code: 'PLINTH_E_FRR_UNAVAILABLE' },
    { kind: 'bgp.neighbor', ok: false, code: 'PLINTH_E_FRR_UNAVAILABLE' },
  ]);
  t.equal(d.calls.length, 1, 'no configure attempted, no write memory');
});

t.test('apply: a refused batch is retried one object at a time and saved', async (t) => {
  const before = fixture('empty-config-echo.txt');
  const h = harness((args) => {
    const cmds = commandsOf(args);
    if (cmds[0] === 'configure terminal')
      return cmds.includes('neighbor 198.18.5.2 remote-as 65002') ? down() : '';
    return before;
  });
  const p = h.driver.parseDesired!({
    asn: 65001,
    neighbors: [{ address: '198.18.5.2', remoteAs: 65002 }],
  });
  const r = await h.driver.apply!(p.desired, { objects: [] }, signal);
  t.match(
    r.find((x) => x.id === '198.18.5.2'),
    { ok: false, code: 'PLINTH_E_EXEC_FAILED' },
  );
  const cmds = h.calls.map((c) => commandsOf(c.args));
  t.ok(cmds.filter((c) => c[0] === 'configure terminal').length >= 2, 'retried per step');
  t.same(cmds.at(-1), ['write memory'], 'what FRR took is saved');
});

t.test('poll: a session change marks the driver dirty', async (t) => {
  const rich = fixture('rich-summary.json');
  const notified = fixture('notified-summary.json');
  let n = 0;
  const h = harness(() => (++n < 3 ? rich : notified), { pollIntervalMs: 10 });
  await h.driver.start!();
  const deadline = Date.now() + 3000;
  while (h.dirty.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await h.driver.stop!();
  t.same(h.dirty.slice(0, 1), ['frr: BGP session state changed']);
  const calls = h.calls.length;
  await new Promise((r) => setTimeout(r, 50));
  t.equal(h.calls.length, calls, 'stop ends the poll');
});
