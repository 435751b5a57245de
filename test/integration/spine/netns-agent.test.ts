import t from 'tap';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { REPO, TestPki, testAdmin, writeJson, type TestAdmin } from '../../harness/spine.js';
import { canUseNetns, createLinkedNetns, type LinkedNetns } from '../../harness/spine-netns.js';
import { sleep, waitFor } from '../../harness/wait.js';

/**
 * Real processes, real kernel: the coordinator runs in the root namespace, the
 * agent inside its own network namespace (its "host"), and they talk mTLS gRPC
 * over a veth. Links are created and changed by the test in the agent's namespace.
 */
const logs: string[] = [];
t.teardown(() => {
  if (t.counts.fail > 0) t.comment(logs.join('').slice(-6000));
});

const skip = await canUseNetns();
if (skip) {
  t.comment(`skipping: ${skip}`);
  t.pass(`skipped: ${skip}`);
} else {
  try {
    await run();
  } catch (e) {
    t.fail(`${(e as Error).message}\n${logs.join('').slice(-6000)}`);
  }
}

function start(args: string[], netns?: string): ChildProcess {
  const cmd = [
    process.execPath,
    '--import',
    'tsx',
    join(REPO, 'test/harness/plinth-cli.ts'),
    ...args,
  ];
  const child = netns
    ? spawn('ip', ['netns', 'exec', netns, ...cmd], {
        cwd: REPO,
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    : spawn(cmd[0]!, cmd.slice(1), { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  // Keep the tail of each daemon's log: printed if the test fails.
  child.stderr!.on('data', (d: Buffer) => {
    logs.push(`[${args[0]}] ${d.toString()}`);
    if (logs.length > 200) logs.shift();
  });
  return child;
}

async function kill9(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGKILL');
  await Promise.race([gone, sleep(5000)]);
}

async function linkAt(admin: TestAdmin, host: string, name: string) {
  const d = await admin.call('GetHost', { id: host });
  const o = d.objects.find((x) => x.kind === 'host.link' && x.id === name);
  return o ? (JSON.parse(o.dataJson) as { adminUp: boolean; operState: string }) : undefined;
}

async function run() {
  const pki = await TestPki.create();
  t.teardown(() => pki.cleanup());
  const ns: LinkedNetns = await createLinkedNetns(1);
  t.teardown(() => ns.destroy());
  const port = 17000 + Math.floor(Math.random() * 900);
  const coordTls = await pki.issue('coordinator', 'coordinator', [ns.rootAddr]);
  const agentTls = await pki.issue('agent', 'nsh1');
  const coordCfg = join(pki.dir, 'coordinator.json');
  const agentCfg = join(pki.dir, 'agent.json');
  await writeJson(coordCfg, {
    dataDir: join(pki.dir, 'coordinator'),
    listen: `${ns.rootAddr}:${port}`,
    tls: coordTls,
    metrics: { enabled: false, listen: '127.0.0.1:0' },
    heartbeatSeconds: 0.5,
    startupGraceSeconds: 30,
  });
  await writeJson(agentCfg, {
    dataDir: join(pki.dir, 'agent'),
    coordinator: { address: `${ns.rootAddr}:${port}` },
    tls: agentTls,
    metrics: { listen: '127.0.0.1:0' },
    // (veth pairs: this kernel has no dummy module.)
    // Only events should make link changes fast: the periodic relist is slow here.
    drivers: { host: { enabled: true, intervalSeconds: 60 } },
  });
  let coord: ChildProcess | undefined = start(['coordinator', '--config', coordCfg]);
  let agent: ChildProcess | undefined = start(['agent', '--config', agentCfg], ns.name);
  t.teardown(async () => {
    await kill9(agent);
    await kill9(coord);
  });
  // The admin dials the root-side address, which the coordinator certificate names.
  const admin = await testAdmin(pki, port, ns.rootAddr);
  t.teardown(() => admin.close());

  await waitFor(
    'agent ready',
    async () =>
      (await admin.call('ListHosts', {})).hosts.find((h) => h.id === 'nsh1' && h.state === 'ready'),
    { timeoutMs: 30_000, intervalMs: 200 },
  );

  await t.test(
    'a link set down in the agent namespace shows at the coordinator within 1 s',
    async (t) => {
      await ns.exec(['ip', 'link', 'add', 'plt-dum0', 'type', 'veth', 'peer', 'name', 'plt-dum0p']);
      await ns.exec(['ip', 'link', 'set', 'plt-dum0', 'up']);
      await waitFor(
        'link up at the coordinator',
        async () => (await linkAt(admin, 'nsh1', 'plt-dum0'))?.adminUp === true,
        { timeoutMs: 5000, intervalMs: 20 },
      );
      const latencies: number[] = [];
      for (let i = 0; i < 3; i++) {
        await ns.exec(['ip', 'link', 'set', 'plt-dum0', 'down']);
        const t0 = performance.now();
        await waitFor(
          'link down at the coordinator',
          async () => (await linkAt(admin, 'nsh1', 'plt-dum0'))?.adminUp === false,
          { timeoutMs: 5000, intervalMs: 10 },
        );
        latencies.push(performance.now() - t0);
        await ns.exec(['ip', 'link', 'set', 'plt-dum0', 'up']);
        await waitFor(
          'link up again',
          async () => (await linkAt(admin, 'nsh1', 'plt-dum0'))?.adminUp === true,
          { timeoutMs: 5000, intervalMs: 10 },
        );
      }
      t.comment(
        `kernel event -> coordinator: ${latencies.map((l) => `${Math.round(l)} ms`).join(', ')}`,
      );
      t.ok(
        Math.max(...latencies) < 1000,
        `every link-down reached the coordinator within 1 s (max ${Math.round(Math.max(...latencies))} ms)`,
      );
    },
  );

  await t.test('kill -9 in any order loses nothing and corrupts nothing', async (t) => {
    // 1. Desired state acknowledged to the operator survives a kill -9 right after.
    const set = await admin.call('SetDesired', {
      id: 'nsh1',
      specJson: JSON.stringify({ note: 'kept' }),
    });
    await kill9(coord);
    // 2. While the coordinator is gone the agent observes a change (outbox), then dies too.
    await ns.exec(['ip', 'link', 'add', 'plt-dum1', 'type', 'veth', 'peer', 'name', 'plt-dum1p']);
    await sleep(300);
    await kill9(agent);
    // 3. A change while both are down; the agent comes back first, then the coordinator.
    await ns.exec(['ip', 'link', 'add', 'plt-dum2', 'type', 'veth', 'peer', 'name', 'plt-dum2p']);
    agent = start(['agent', '--config', agentCfg], ns.name);
    await sleep(1500);
    coord = start(['coordinator', '--config', coordCfg]);
    await waitFor(
      'both links at the coordinator',
      async () =>
        (await linkAt(admin, 'nsh1', 'plt-dum1')) && (await linkAt(admin, 'nsh1', 'plt-dum2')),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const d = await admin.call('GetDesired', { id: 'nsh1' });
    t.equal(d.generation, set.generation, 'the acknowledged desired generation survived');
    t.same(JSON.parse(d.specJson), { note: 'kept' });
    // 4. The other order: coordinator killed after the agent, started before it, with churn in between.
    await kill9(agent);
    await ns.exec(['ip', 'link', 'del', 'plt-dum1']);
    await kill9(coord);
    coord = start(['coordinator', '--config', coordCfg]);
    await sleep(500);
    agent = start(['agent', '--config', agentCfg], ns.name);
    // 5. kill -9 the agent while it is recording a burst of changes.
    for (let i = 0; i < 10; i++)
      await ns.exec([
        'ip',
        'link',
        'add',
        `plt-b${i}`,
        'type',
        'veth',
        'peer',
        'name',
        `plt-b${i}p`,
      ]);
    await kill9(agent);
    agent = start(['agent', '--config', agentCfg], ns.name);
    await waitFor(
      'coordinator view matches the namespace',
      async () => {
        const host = await admin.call('GetHost', { id: 'nsh1' });
        const names = host.objects.filter((o) => o.kind === 'host.link').map((o) => o.id);
        return (
          !names.includes('plt-dum1') &&
          names.includes('plt-dum2') &&
          [...Array(10).keys()].every((i) => names.includes(`plt-b${i}`))
        );
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await waitFor(
      'outbox drained',
      async () => {
        const db = new Database(join(pki.dir, 'agent', 'agent.db'), {
          readonly: true,
          fileMustExist: true,
        });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n === 0;
        } finally {
          db.close();
        }
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    for (const file of [
      join(pki.dir, 'agent', 'agent.db'),
      join(pki.dir, 'coordinator', 'coordinator.db'),
    ]) {
      const db = new Database(file, { readonly: true });
      t.equal(
        db.pragma('quick_check', { simple: true }),
        'ok',
        `${file.split('/').slice(-2).join('/')} is intact`,
      );
      db.close();
    }
    const events = await admin.call('ListEvents', { afterId: 0, limit: 1000, hostId: 'nsh1' });
    t.notOk(
      events.events.some((e) => /-> down/.test(e.message)),
      'no restart made the host down',
    );
  });
}
