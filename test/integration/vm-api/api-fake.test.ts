import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { channelOptions, loadProto } from '../../../lib/proto.js';
import { dialOptions, loadTls } from '../../../lib/tls.js';
import type { AdminClient } from '../../../proto/gen/plinth/v1/Admin.js';
import { followDrain, vmCall } from '../../../coordinator/cli/vm-client.js';
import type { CliTarget } from '../../../coordinator/cli/admin-client.js';
import type { DrainProgress } from '../../../proto/gen/plinth/v1/DrainProgress.js';
import { testAdmin, TestPki } from '../../harness/spine.js';
import { createFakeVmService } from '../../unit/cli-vm/fake-vm-service.js';
import { runVmCli, startVmApiServer } from './harness.js';

/**
 * The VM Admin API and the `plinth vm|plan|apply|host` commands over real mTLS
 * gRPC, in front of an in-memory VmService (test/unit/cli-vm/fake-vm-service.ts).
 * This tests the API layer and the CLI, not the scheduler or the VM service:
 * real-service.test.ts does that against the real coordinator once it is wired.
 */
const pki = await TestPki.create('pla-vmapi-');
t.teardown(() => pki.cleanup());

const hosts = () => [
  { id: 'h1', vcpus: 4, memoryMiB: 8192 },
  { id: 'h2', vcpus: 4, memoryMiB: 8192 },
  { id: 'h3', vcpus: 2, memoryMiB: 4096 },
];
const vms = createFakeVmService(hosts());
const server = await startVmApiServer(pki, vms);
t.teardown(() => server.stop());
const admin = await testAdmin(pki, server.port);
t.teardown(() => admin.close());
const files = await pki.issue('admin', 'cli');
const target = { coordinator: `127.0.0.1:${server.port}`, ...files };
const cli = (...args: string[]) => runVmCli(args, target);

const spec = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    name,
    vcpus: 2,
    memoryMiB: 2048,
    disks: [{ name: 'disk0', sizeGiB: 10, pool: 'rbd', shared: true }],
    nics: [],
    labels: {},
    requiredLabels: {},
    onHostFailure: 'keep',
    ...extra,
  });

/** The error a call failed with, or undefined when it succeeded. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (x: unknown) => x,
  );

t.test('API: create, the typed record, and the reasons for a rejection', async (t) => {
  const r = await vmCall(admin.client, admin.target, 'CreateVm', { specJson: spec('api-1') });
  t.equal(r.ok, true);
  t.match(r.vm, {
    name: 'api-1',
    status: 'placed',
    hostId: /^h[12]$/,
    power: 'running',
    fenceToken: 1,
    vcpus: 2,
    memoryMib: 2048,
  });
  t.ok(Number(r.vm!.createdMs) > 0, 'created time');
  t.match(JSON.parse(r.vm!.specJson), { name: 'api-1', disks: [{ pool: 'rbd' }] });
  t.match(JSON.parse(r.placementJson), { ok: true, hosts: [{ hostId: r.vm!.hostId }] });

  const no = await vmCall(admin.client, admin.target, 'CreateVm', {
    specJson: spec('huge', { vcpus: 100 }),
  });
  t.equal(no.ok, false, 'a rejection is an answer');
  t.equal(no.code, 'PLINTH_E_CAPACITY');
  t.equal(no.vm, null, 'no record when the service throws the rejection');
  t.match(no.message, /no host fits huge/);
  const p = JSON.parse(no.placementJson) as { hosts: unknown[]; filters: { filter: string }[] };
  t.equal(p.hosts.length, 3, 'a verdict for every host');
  t.ok(p.filters.some((f) => f.filter === 'vcpus'));
  t.equal(vms.records.has('huge'), false);

  t.match(
    await failure(vmCall(admin.client, admin.target, 'CreateVm', { specJson: spec('api-1') })),
    { code: 'PLINTH_E_CONFLICT', message: /a VM named api-1 already exists/ },
  );
  t.match(await failure(vmCall(admin.client, admin.target, 'CreateVm', { specJson: '{"name":' })), {
    code: 'PLINTH_E_INVALID_ARGUMENT',
    message: /the VM spec is not valid JSON/,
  });
  t.match(
    await failure(
      vmCall(admin.client, admin.target, 'CreateVm', { specJson: '{"name":"z","vcpus":0}' }),
    ),
    { code: 'PLINTH_E_INVALID_ARGUMENT', message: /vcpus must be >= 1/ },
    'the service validates the spec; its message comes through',
  );
});

t.test('API: a rejection the service records as a failed VM keeps the record', async (t) => {
  const fake = createFakeVmService(hosts(), { rejection: 'record' });
  const s = await startVmApiServer(pki, fake);
  t.teardown(() => s.stop());
  const a = await testAdmin(pki, s.port);
  t.teardown(() => a.close());
  const no = await vmCall(a.client, a.target, 'CreateVm', {
    specJson: spec('huge', { vcpus: 100 }),
  });
  t.equal(no.ok, false);
  t.equal(no.code, 'PLINTH_E_CAPACITY');
  t.match(no.vm, { name: 'huge', status: 'failed', reason: /no host fits/ });
});

t.test('API: get, list, filters and bad arguments map to status codes', async (t) => {
  const d = await vmCall(admin.client, admin.target, 'GetVm', { name: 'api-1' });
  t.equal(d.vm?.name, 'api-1');
  t.ok(d.history.length >= 2, 'history');
  t.match(d.history[0], { status: 'pending', message: 'accepted' });
  const all = await vmCall(admin.client, admin.target, 'ListVms', {});
  t.ok(all.vms.some((v) => v.name === 'api-1'));
  const none = await vmCall(admin.client, admin.target, 'ListVms', { status: 'failed' });
  t.same(none.vms, []);
  const cases: [Promise<unknown>, string, RegExp][] = [
    [
      vmCall(admin.client, admin.target, 'GetVm', { name: 'nope' }),
      'PLINTH_E_NOT_FOUND',
      /no VM named nope/,
    ],
    [
      vmCall(admin.client, admin.target, 'GetVm', { name: '../x' }),
      'PLINTH_E_INVALID_ARGUMENT',
      /invalid VM name/,
    ],
    [
      vmCall(admin.client, admin.target, 'ListVms', { status: 'happy' }),
      'PLINTH_E_INVALID_ARGUMENT',
      /VM status "happy": one of pending/,
    ],
    [
      vmCall(admin.client, admin.target, 'ListVms', { hostId: 'H 1' }),
      'PLINTH_E_INVALID_ARGUMENT',
      /invalid host id/,
    ],
    [
      vmCall(admin.client, admin.target, 'ApplyPlan', { token: 'a b' }),
      'PLINTH_E_INVALID_ARGUMENT',
      /not a token printed by plinth plan/,
    ],
    [
      vmCall(admin.client, admin.target, 'CordonHost', { hostId: 'nohost', cordoned: true }),
      'PLINTH_E_NOT_FOUND',
      /no host nohost/,
    ],
  ];
  for (const [p, code, re] of cases) t.match(await failure(p), { code, message: re }, String(re));
});

t.test('API: only an admin certificate may call, streams included', async (t) => {
  const agentFiles = await pki.issue('agent', 'h1');
  const tls = await loadTls(agentFiles, 'agent');
  const addr = `127.0.0.1:${server.port}`;
  const { creds, options } = dialOptions(tls, addr, channelOptions);
  const client = new (loadProto().plinth.v1.Admin)(addr, creds, options) as unknown as AdminClient;
  t.teardown(() => client.close());
  const agentTarget: CliTarget = { coordinator: addr, ...agentFiles, source: 'test' };
  const e = await failure(vmCall(client, agentTarget, 'ListVms', {}));
  t.match(e, { code: 'PLINTH_E_PERMISSION_DENIED', message: /needs an admin certificate/ });
  const s = await failure(
    followDrain(
      client,
      agentTarget,
      { method: 'DrainHost', req: { hostId: 'h1', deadlineMs: 1000, parallel: 1 } },
      10_000,
      () => {},
    ),
  );
  t.match(s, { code: 'PLINTH_E_PERMISSION_DENIED' });
  t.notOk(
    vms.calls.some((c) => c.startsWith('drain')),
    'no drain ran',
  );
});

t.test('API: a coordinator without the VM service says so', async (t) => {
  const s = await startVmApiServer(pki, undefined);
  t.teardown(() => s.stop());
  const a = await testAdmin(pki, s.port);
  t.teardown(() => a.close());
  const e = await failure(vmCall(a.client, a.target, 'ListVms', {}));
  t.match(e, { code: 'PLINTH_E_UNAVAILABLE', message: /runs without the VM service/ });
});

t.test('API: drain streams progress, then one result', async (t) => {
  const fake = createFakeVmService(hosts());
  const s = await startVmApiServer(pki, fake);
  t.teardown(() => s.stop());
  const a = await testAdmin(pki, s.port);
  t.teardown(() => a.close());
  await fake.create(JSON.parse(spec('m1')));
  await fake.create(JSON.parse(spec('m2')));
  const from = fake.records.get('m1')!.hostId!;
  const steps: DrainProgress[] = [];
  const r = await followDrain(
    a.client,
    a.target,
    { method: 'DrainHost', req: { hostId: from, deadlineMs: 0, parallel: 0 } },
    10_000,
    (p) => steps.push(p),
  );
  t.same(
    r.moved.sort(),
    [...fake.records.values()]
      .filter((v) => v.history.some((h) => h.message === `moved from ${from}`))
      .map((v) => v.name)
      .sort(),
  );
  t.same(r.left, []);
  t.ok(steps.length >= 3, 'progress before the result');
  t.match(steps[0], { step: 'stopping', fromHost: from });
  t.ok(Number(steps[0]!.atMs) > 0, 'progress is timestamped');
  t.ok(fake.calls.includes(`drain ${from} 600000 4`), 'the defaults: 10 min, 4 at a time');
  const bad = await failure(
    followDrain(
      a.client,
      a.target,
      { method: 'DrainHost', req: { hostId: from, deadlineMs: 25 * 3_600_000, parallel: 1 } },
      10_000,
      () => {},
    ),
  );
  t.match(bad, {
    code: 'PLINTH_E_INVALID_ARGUMENT',
    message: /over the 86400000 ms \(24 h\) limit/,
  });
});

t.test('CLI: vm create, list, show, with --wait and --json', async (t) => {
  const r = await cli(
    'vm',
    'create',
    'web-1',
    '--vcpus',
    '2',
    '--memory',
    '2GiB',
    '--disk',
    'size=20GiB,pool=rbd',
    '--nic',
    'network=prod,announce=198.19.100.5/32',
    '--label',
    'app=web',
  );
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /web-1: placed on h\d .*status placed\nfollow it with: plinth vm show web-1/);
  t.match(vms.records.get('web-1')?.spec, {
    memoryMiB: 2048,
    nics: [{ network: 'prod', announce: '198.19.100.5/32' }],
    labels: { app: 'web' },
  });

  const w = await cli(
    'vm',
    'create',
    'web-2',
    '--vcpus',
    '1',
    '--memory',
    '1G',
    '--disk',
    '10G',
    '--wait',
    '--timeout',
    '30s',
  );
  t.equal(w.code, 0, w.stderr);
  t.match(w.stdout, /web-2: starting on h\d/);
  t.match(w.stdout, /web-2: running on h\d/);

  const f = await cli(
    'vm',
    'create',
    'doomed',
    '--vcpus',
    '1',
    '--memory',
    '256M',
    '--disk',
    '1G',
    '--label',
    'fail=start',
    '--wait',
    '--timeout',
    '30s',
  );
  t.equal(f.code, 1, 'a VM that fails while --wait waits: exit 1');
  t.match(f.stdout, /doomed: failed on h\d \(PLINTH_E_LIBVIRT_UNAVAILABLE: fake start failure\)/);
  t.match(
    f.stderr,
    /doomed failed: PLINTH_E_LIBVIRT_UNAVAILABLE: fake start failure; see plinth vm show doomed/,
  );
  await vms.delete('doomed');

  const j = await cli(
    'vm',
    'create',
    'web-3',
    '--vcpus',
    '1',
    '--memory',
    '512MiB',
    '--disk',
    '10G',
    '--json',
  );
  t.equal(j.code, 0, j.stderr);
  t.match(JSON.parse(j.stdout), {
    ok: true,
    vm: { name: 'web-3', spec: { memoryMiB: 512 } },
    placement: { ok: true },
  });

  const l = await cli('vm', 'list');
  t.match(l.stdout, /^NAME\s+STATUS\s+HOST\s+POWER/m);
  t.match(l.stdout, /^web-1\s+\w+\s+h\d/m);
  const lj = await cli('vm', 'list', '--status', 'running', '--json');
  t.ok((JSON.parse(lj.stdout) as { status: string }[]).every((v) => v.status === 'running'));
  const s = await cli('vm', 'show', 'web-1');
  t.equal(s.code, 0, s.stderr);
  t.match(s.stdout, /why here:\s+placed on h\d/);
  t.match(s.stdout, /history:/);
  const sj = await cli('vm', 'show', 'web-1', '--json');
  t.match(JSON.parse(sj.stdout), {
    vm: { name: 'web-1', spec: { name: 'web-1' } },
    history: [{ status: 'pending' }],
  });
});

t.test('CLI: a rejection prints the table, names the filters and exits 1', async (t) => {
  const r = await cli(
    'vm',
    'create',
    'huge',
    '--vcpus',
    '64',
    '--memory',
    '64GiB',
    '--disk',
    '10G',
  );
  t.equal(r.code, 1);
  t.match(r.stdout, /^HOST\s+READY/m, 'the per-host table');
  t.match(r.stdout, /^h1\s/m);
  t.match(r.stdout, /^h3\s/m);
  t.match(r.stdout, /no host fits huge:\n\s+vcpus: 3 hosts/);
  t.match(r.stdout, /memory: 3 hosts/);
  t.match(r.stderr, /huge was not placed: .*\(PLINTH_E_CAPACITY\)\n\s+nothing was created/);
  const j = await cli(
    'vm',
    'create',
    'huge',
    '--vcpus',
    '64',
    '--memory',
    '64GiB',
    '--disk',
    '10G',
    '--json',
  );
  t.equal(j.code, 1);
  const o = JSON.parse(j.stdout) as {
    ok: boolean;
    rejection: string[];
    placement: { hosts: unknown[] };
  };
  t.equal(o.ok, false);
  t.match(o.rejection, [/^vcpus: 3 hosts/, /^memory: 3 hosts/]);
  t.equal(o.placement.hosts.length, 3);
});

t.test('CLI: bad flags fail before any call, saying what to type', async (t) => {
  const before = vms.calls.length;
  const cases: [string[], RegExp][] = [
    [['vm', 'create', 'x', '--vcpus', '2', '--memory', '2GB', '--disk', '10G'], /GB is ambiguous/],
    [['vm', 'create', 'x', '--memory', '2G', '--disk', '10G'], /--vcpus is missing/],
    [
      ['vm', 'create', 'x', '--vcpus', '1', '--memory', '1G', '--disk', 'size=1G,pool=a b'],
      /not a valid pool name/,
    ],
    [
      [
        'vm',
        'create',
        'x',
        '--vcpus',
        '1',
        '--memory',
        '1G',
        '--disk',
        '1G',
        '--policy',
        'affinity',
      ],
      /add --group NAME/,
    ],
    [
      ['vm', 'create', '--spec', '/nonexistent/pla.json'],
      /cannot read --spec \/nonexistent\/pla.json: ENOENT/,
    ],
    [['vm', 'create', 'x', '--spec', 'f.json', '--vcpus', '2'], /drop --vcpus/],
    [['host', 'drain', 'h1', '--deadline', 'soon'], /--deadline "soon" is not a duration/],
    [['host', 'drain', 'h1', '--parallel', '0'], /--parallel 0 is out of range/],
    [['host', 'maintenance', 'h1', 'sideways'], /enter, exit or status/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(...args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, re, args.join(' '));
  }
  t.equal(vms.calls.length, before, 'nothing reached the service');
});

t.test('CLI: --spec FILE', async (t) => {
  const file = join(pki.dir, 'pla-spec.json');
  await writeFile(file, spec('from-file', { vcpus: 1, memoryMiB: 256 }));
  const r = await cli('vm', 'create', '--spec', file);
  t.equal(r.code, 0, r.stderr);
  t.match(vms.records.get('from-file')?.spec, { vcpus: 1, memoryMiB: 256 });
});

t.test('CLI: stop, start, delete, with --wait', async (t) => {
  const s = await cli('vm', 'stop', 'web-1', '--wait', '--timeout', '10s');
  t.equal(s.code, 0, s.stderr);
  t.match(s.stdout, /web-1: stopped/);
  const st = await cli('vm', 'start', 'web-1', '--json');
  t.equal(st.code, 0, st.stderr);
  t.match(JSON.parse(st.stdout), { name: 'web-1', status: 'starting', power: 'running' });
  const d = await cli('vm', 'delete', 'web-1', '--wait');
  t.equal(d.code, 0, d.stderr);
  t.match(d.stdout, /^web-1: deleted\n$/);
  t.notOk(vms.records.has('web-1'));
  const again = await cli('vm', 'delete', 'web-1');
  t.equal(again.code, 1);
  t.match(
    again.stderr,
    /no VM named web-1 \(PLINTH_E_NOT_FOUND\)|no VM named web-1\n\s+\(PLINTH_E_NOT_FOUND\)/,
  );
});

t.test('CLI: plan, apply, and a stale plan refused', async (t) => {
  const p = await cli(
    'plan',
    'vm',
    'create',
    'planned',
    '--vcpus',
    '1',
    '--memory',
    '1GiB',
    '--disk',
    '10G',
  );
  t.equal(p.code, 0, p.stderr);
  t.match(p.stdout, /^HOST\s+READY/m);
  const token = /plan token: (\S+)/.exec(p.stdout)?.[1];
  t.ok(token, 'a token');
  t.match(p.stdout, new RegExp(`apply it with: plinth apply ${token}`));
  t.notOk(vms.records.has('planned'), 'a plan claims nothing');
  const a = await cli('apply', token!);
  t.equal(a.code, 0, a.stderr);
  t.match(a.stdout, /planned: placed on h\d/);
  t.ok(vms.records.has('planned'));

  const p2 = await cli(
    'plan',
    'vm',
    'create',
    'planned-2',
    '--vcpus',
    '1',
    '--memory',
    '1GiB',
    '--disk',
    '10G',
    '--json',
  );
  const t2 = (JSON.parse(p2.stdout) as { token: string }).token;
  await cli('vm', 'create', 'meanwhile', '--vcpus', '1', '--memory', '256M', '--disk', '10G');
  const stale = await cli('apply', t2);
  t.equal(stale.code, 1);
  t.match(stale.stderr, /the cluster changed since plan/);
  t.match(stale.stderr, /the plan is stale: run the same `plinth plan vm create \.\.\.` again/);
  t.notOk(vms.records.has('planned-2'));

  const gone = await cli('apply', token!);
  t.match(gone.stderr, /plan tokens expire and work once/);
  const none = await cli(
    'plan',
    'vm',
    'create',
    'huge',
    '--vcpus',
    '64',
    '--memory',
    '1G',
    '--disk',
    '10G',
  );
  t.equal(none.code, 1);
  t.match(none.stdout, /no host fits huge/);
});

t.test('CLI: cordon, uncordon, drain with progress and an honest exit code', async (t) => {
  const c = await cli('host', 'cordon', 'h3', '--reason', 'disk swap');
  t.equal(c.code, 0, c.stderr);
  t.match(c.stdout, /h3: cordoned: no new VMs land on it/);
  t.equal(vms.hosts.find((h) => h.id === 'h3')?.cordoned, true);
  const u = await cli('host', 'uncordon', 'h3', '--json');
  t.same(JSON.parse(u.stdout), { hostId: 'h3', cordoned: false });

  // A VM with a local disk: the drain moves the others and refuses it.
  const local = await vms.create({
    ...(JSON.parse(spec('local-1', { vcpus: 1, memoryMiB: 256 })) as object),
    disks: [{ name: 'disk0', sizeGiB: 10, pool: 'local', shared: false }],
  });
  const localHost = local.vm.hostId!;
  const d = await cli('host', 'drain', localHost, '--deadline', '2m', '--parallel', '2');
  t.equal(d.code, 1, 'something stayed: exit 1');
  t.match(d.stdout, /^draining h\d \(deadline 2m, 2 at a time\)/);
  t.match(d.stdout, /local-1\s+refused\s+h\d\s+disk disk0 is local/);
  t.match(d.stdout, /refused local-1: disk disk0 is local/);
  t.match(d.stdout, /is not empty/);
  t.ok(vms.calls.includes(`drain ${localHost} 120000 2`));

  // Only VMs on shared storage remain: a drain of their host empties it.
  for (const v of [...vms.records.values()])
    if (v.spec.disks.some((x) => !x.shared)) await vms.delete(v.name);
  const other = [...vms.records.values()].find((v) => v.hostId)!.hostId!;
  const dj = await cli('host', 'drain', other, '--json');
  t.equal(dj.code, 0, dj.stderr);
  const lines = dj.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.ok(lines.length >= 2);
  t.ok(
    lines.slice(0, -1).every((l) => 'progress' in l),
    'progress lines first',
  );
  t.match(lines.at(-1), { result: { hostId: other, left: [] } }, 'the result last');

  const m = await cli('host', 'maintenance', other, 'exit');
  t.equal(m.code, 0, m.stderr);
  t.match(m.stdout, /maintenance exit done: h\d: moved 0/);
});

t.test('CLI: help teaches with examples, and host keeps its other commands', async (t) => {
  const h = await cli('vm', 'create', '--help');
  t.match(h.stdout, /Examples:\n\s+plinth vm create web-1/);
  t.match(h.stdout, /GB\/MB are refused as ambiguous/);
  const d = await cli('host', 'drain', '--help');
  t.match(d.stdout, /local disk is refused/);
  const host = await cli('host', '--help');
  for (const sub of [
    'show',
    'label',
    'desired',
    'run',
    'bmc',
    'power',
    'cordon',
    'uncordon',
    'drain',
    'maintenance',
  ])
    t.match(host.stdout, new RegExp(`^\\s+${sub}\\b`, 'm'), `host ${sub}`);
  const m = await cli('host', 'maintenance', '--help');
  t.match(m.stdout, /--storage-only/);
});
