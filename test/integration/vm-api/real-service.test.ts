import t from 'tap';
import { DEFAULT_SCHEDULER_INPUT } from '../../../coordinator/scheduler/config.js';
import { vmCall } from '../../../coordinator/cli/vm-client.js';
import type { VmPlacementResponse } from '../../../proto/gen/plinth/v1/VmPlacementResponse.js';
import { startTestAgent, startTestCoordinator, testAdmin, TestPki } from '../../harness/spine.js';
import { waitFor } from '../../harness/wait.js';
import { fakeHypervisor } from '../../harness/fake-hypervisor.js';
import { runVmCli } from './harness.js';

/**
 * The VM API and CLI against the real VM service, scheduler and SQLite store of a
 * real coordinator, with three real agents whose libvirt is an in-memory stand-in
 * (test/harness/fake-hypervisor.ts), through the coordinator's own Admin port. The
 * same lifecycle against a real libvirtd is test/integration/vms/lifecycle-libvirt.test.ts.
 */
const HOSTS = ['pla-h1', 'pla-h2', 'pla-h3'];
const CPUS = 2;
const MEMORY_MIB = 4096;

const pki = await TestPki.create('pla-vmreal-');
t.teardown(() => pki.cleanup());
const coord = await startTestCoordinator(pki);
t.teardown(() => coord.stop());
const admin = await testAdmin(pki, coord.port);
t.teardown(() => admin.close());
for (const id of HOSTS) {
  const lv = fakeHypervisor({ cpus: CPUS, memoryMiB: MEMORY_MIB });
  const agent = await startTestAgent(pki, {
    hostId: id,
    coordinatorPort: coord.port,
    drivers: [lv.driver],
  });
  t.teardown(() => agent.stop());
}
await waitFor(
  'three ready hosts',
  async () =>
    (await admin.call('ListHosts', {})).hosts.filter((h) => h.state === 'ready').length === 3,
  { timeoutMs: 20_000, intervalMs: 100 },
);

// The coordinator serves the VM API itself (coordinator.ts); if it does not, this
// throws and the file fails before any subtest.
await vmCall(admin.client, admin.target, 'ListVms', {});
const api = admin;
const vmPort = coord.port;
const files = await pki.issue('admin', 'pla-cli');
const target = { coordinator: `127.0.0.1:${vmPort}`, ...files };
const cli = (...args: string[]) =>
  runVmCli(args, target, { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 200))) });

const claims = () =>
  coord.store.db
    .prepare(
      'SELECT host_id AS host, SUM(vcpus) AS vcpus, SUM(memory_mib) AS mem, COUNT(*) AS n FROM claims GROUP BY host_id',
    )
    .all() as { host: string; vcpus: number; mem: number; n: number }[];

t.test('create --wait, show, list: status follows what the agent reports', async (t) => {
  const r = await cli(
    'vm',
    'create',
    'r1',
    '--vcpus',
    '1',
    '--memory',
    '256MiB',
    '--disk',
    'size=10GiB,shared',
    '--wait',
    '--timeout',
    '60s',
  );
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /r1: placed (r1 )?on pla-h\d/);
  t.match(r.stdout, /r1: running on pla-h\d/);
  const s = await cli('vm', 'show', 'r1');
  t.match(s.stdout, /vm:\s+r1\s+\(running/);
  t.match(s.stdout, /why here:\s+placed (r1 )?on pla-h\d/);
  t.match(
    s.stdout,
    /pla-h\d: ready ok, .*vcpus ok \(needs 1/,
    "the chosen host's verdict with numbers",
  );
  t.match(s.stdout, /history:[\s\S]*placed[\s\S]*running/);
  const l = await cli('vm', 'list', '--status', 'running', '--json');
  t.match(JSON.parse(l.stdout), [{ name: 'r1', status: 'running' }]);
});

t.test('hard host anti-affinity: three place, the fourth is refused with the table', async (t) => {
  const hostsUsed = new Set<string>();
  for (const n of ['g1', 'g2', 'g3']) {
    const r = await cli(
      'vm',
      'create',
      n,
      '--vcpus',
      '1',
      '--memory',
      '128MiB',
      '--disk',
      '1G',
      '--group',
      'web',
      '--policy',
      'anti-affinity',
      '--scope',
      'host',
      '--json',
    );
    t.equal(r.code, 0, r.stderr);
    hostsUsed.add((JSON.parse(r.stdout) as { vm: { hostId: string } }).vm.hostId);
  }
  t.equal(hostsUsed.size, 3, 'one per host');
  const no = await cli(
    'vm',
    'create',
    'g4',
    '--vcpus',
    '1',
    '--memory',
    '128MiB',
    '--disk',
    '1G',
    '--group',
    'web',
    '--policy',
    'anti-affinity',
  );
  t.equal(no.code, 1);
  for (const h of HOSTS) t.match(no.stdout, new RegExp(`^${h}\\s`, 'm'), `${h} has a row`);
  t.match(no.stdout, /group: 3 hosts/, 'the group filter is named with its count');
  t.match(no.stderr, /g4 was not placed/);
  for (const n of ['g1', 'g2', 'g3']) t.equal((await cli('vm', 'delete', n)).code, 0);
});

t.test(
  'cordon keeps new VMs off a host; drain moves a shared-disk VM; delete cleans up',
  async (t) => {
    const first = (await vmCall(api.client, api.target, 'GetVm', { name: 'r1' })).vm!.hostId;
    t.equal((await cli('host', 'cordon', first)).code, 0);
    for (const n of ['c1', 'c2', 'c3']) {
      const r = await cli(
        'vm',
        'create',
        n,
        '--vcpus',
        '1',
        '--memory',
        '128MiB',
        '--disk',
        '1G',
        '--json',
      );
      t.equal(r.code, 0, r.stderr);
      t.not(
        (JSON.parse(r.stdout) as { vm: { hostId: string } }).vm.hostId,
        first,
        `${n} avoids ${first}`,
      );
    }
    t.equal((await cli('host', 'uncordon', first)).code, 0);

    const d = await cli('host', 'drain', first, '--deadline', '60s');
    t.equal(d.code, 0, d.stdout + d.stderr);
    t.match(d.stdout, /r1\s+\w+/, 'a progress line for r1');
    t.match(d.stdout, new RegExp(`${first} is empty of VMs`));
    const r1 = (await vmCall(api.client, api.target, 'GetVm', { name: 'r1' })).vm!;
    t.not(r1.hostId, first, 'r1 runs elsewhere');
    await cli('host', 'uncordon', first);

    for (const n of ['r1', 'c1', 'c2', 'c3']) {
      const r = await cli('vm', 'delete', n, '--wait', '--timeout', '60s');
      t.equal(r.code, 0, r.stderr);
    }
    t.same((await vmCall(api.client, api.target, 'ListVms', {})).vms, []);
    t.same(claims(), [], 'no claims left');
  },
);

t.test('1,000 concurrent creates: no host over capacity, every claim a placed VM', async (t) => {
  const cfg = DEFAULT_SCHEDULER_INPUT;
  const capVcpus = (CPUS - cfg.reservedCores) * cfg.cpuRatio;
  const capMem = MEMORY_MIB - cfg.reservedMemoryMiB;
  // A fixed mix of sizes (no randomness: a failure reproduces).
  const sizes = [
    [1, 128],
    [2, 256],
    [1, 512],
    [1, 64],
    [2, 1024],
  ] as const;
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => {
      const [vcpus, memoryMiB] = sizes[i % sizes.length]!;
      return vmCall(
        api.client,
        api.target,
        'CreateVm',
        {
          specJson: JSON.stringify({
            name: `burst-${i}`,
            vcpus,
            memoryMiB,
            disks: [{ name: 'disk0', sizeGiB: 1, pool: 'local', shared: false }],
            nics: [],
            labels: {},
            requiredLabels: {},
            onHostFailure: 'keep',
          }),
        },
        120_000,
      ).then(
        (r): VmPlacementResponse | Error => r,
        (e: Error) => e,
      );
    }),
  );
  t.comment(`1000 creates answered in ${Math.round(performance.now() - started)} ms`);
  const errors = results.filter((r): r is Error => r instanceof Error);
  t.same(errors.map((e) => e.message).slice(0, 3), [], 'every create answered (placed or refused)');
  const placed = results.filter((r): r is VmPlacementResponse => !(r instanceof Error) && r.ok);
  const refused = results.filter((r): r is VmPlacementResponse => !(r instanceof Error) && !r.ok);
  t.ok(placed.length > 0, `${placed.length} placed`);
  t.ok(refused.length > 0, `${refused.length} refused: the cluster is small on purpose`);
  t.ok(
    refused.every((r) => r.code === 'PLINTH_E_CAPACITY'),
    'refusals are capacity refusals',
  );
  const sums = claims();
  t.equal(
    sums.reduce((a, s) => a + s.n, 0),
    placed.length,
    'one claim per placed VM, none for a refused one',
  );
  for (const s of sums) {
    t.ok(s.vcpus <= capVcpus, `${s.host}: ${s.vcpus} vCPUs claimed of ${capVcpus}`);
    t.ok(s.mem <= capMem, `${s.host}: ${s.mem} MiB claimed of ${capMem}`);
  }
  const listed = (await vmCall(api.client, api.target, 'ListVms', {})).vms;
  t.equal(listed.length, placed.length, 'every placed VM has a record');
  // Clean up so the agents' teardown has nothing to wait for.
  await Promise.all(
    listed.map((v) => vmCall(api.client, api.target, 'DeleteVm', { name: v.name }, 120_000)),
  );
  t.same(claims(), [], 'every claim released');
});
