import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from '../../../agent/host/exec.js';
import { notifySocket } from '../../harness/notify-socket.js';
import { REPO, TestPki, testAdmin, writeJson } from '../../harness/spine.js';
import { sleep, waitFor } from '../../harness/wait.js';

/** The daemons as systemd runs them: real processes, a notify socket, SIGTERM to stop. */
const pki = await TestPki.create();
t.teardown(() => pki.cleanup());
const base = 18100 + Math.floor(Math.random() * 800);
const ports = { grpc: base, agentMetrics: base + 1, coordMetrics: base + 2, prometheus: base + 3 };
const notify = notifySocket();
t.teardown(() => notify.close());

const coordCfg = join(pki.dir, 'coordinator.json');
const agentCfg = join(pki.dir, 'agent.json');
await writeJson(coordCfg, {
  dataDir: join(pki.dir, 'coordinator'),
  listen: `127.0.0.1:${ports.grpc}`,
  tls: await pki.issue('coordinator', 'coordinator'),
  metrics: { listen: `127.0.0.1:${ports.coordMetrics}` },
});
await writeJson(agentCfg, {
  dataDir: join(pki.dir, 'agent'),
  coordinator: { address: `127.0.0.1:${ports.grpc}` },
  tls: await pki.issue('agent', 'daemon-host'),
  metrics: { listen: `127.0.0.1:${ports.agentMetrics}` },
});

const children: ChildProcess[] = [];
function daemon(kind: 'agent' | 'coordinator', cfg: string): ChildProcess {
  const c = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'test/harness/plinth-cli.ts'), kind, '--config', cfg],
    {
      cwd: REPO,
      // What systemd passes to a Type=notify unit with WatchdogSec=0.4.
      env: { ...process.env, NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '400000' },
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  );
  children.push(c);
  return c;
}
t.teardown(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const coord = daemon('coordinator', coordCfg);
await waitFor('coordinator READY=1', () => notify.messages.some((m) => m.includes('READY=1')), {
  timeoutMs: 20_000,
});
const agent = daemon('agent', agentCfg);
await waitFor(
  'agent READY=1',
  () => notify.messages.filter((m) => m.includes('READY=1')).length >= 2,
  { timeoutMs: 20_000 },
);

t.test('both daemons tell systemd they are ready and keep the watchdog fed', async (t) => {
  t.ok(
    notify.messages.some(
      (m) => /READY=1/.test(m) && /STATUS=coordinator serving on port \d+/.test(m),
    ),
    'coordinator READY with a status line',
  );
  t.ok(
    notify.messages.some((m) => /READY=1/.test(m) && /STATUS=agent daemon-host running/.test(m)),
    'agent READY with a status line',
  );
  const before = notify.messages.filter((m) => m === 'WATCHDOG=1').length;
  await sleep(1000);
  const pings = notify.messages.filter((m) => m === 'WATCHDOG=1').length - before;
  t.ok(
    pings >= 6,
    `at least 6 watchdog pings in 1 s from two daemons at WatchdogSec=0.4 (got ${pings})`,
  );
});

t.test('the agent is ready at the coordinator with real inventory', async (t) => {
  const admin = await testAdmin(pki, ports.grpc);
  t.teardown(() => admin.close());
  const h = await waitFor(
    'ready',
    async () =>
      (await admin.call('ListHosts', {})).hosts.find(
        (x) => x.id === 'daemon-host' && x.state === 'ready',
      ),
    { timeoutMs: 20_000 },
  );
  t.ok(h.cpuThreads > 0, 'CPU threads reported');
  t.ok(Number(h.memoryBytes) > 0, 'memory reported');
  const d = await admin.call('GetHost', { id: 'daemon-host' });
  t.ok(d.inventory?.cpu?.model, 'CPU model reported');
  t.ok(
    (d.inventory?.nics ?? []).length > 0 || (d.inventory?.disks ?? []).length > 0,
    'disks or NICs reported',
  );
  t.ok(
    d.objects.some((o) => o.kind === 'host.link' && o.id === 'lo'),
    'links observed through rtnetlink',
  );
});

t.test('/metrics passes promtool and has the series the issue asks for', async (t) => {
  for (const [name, port] of [
    ['agent', ports.agentMetrics],
    ['coordinator', ports.coordMetrics],
  ] as const) {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    t.equal(res.status, 200);
    const body = await res.text();
    const file = join(pki.dir, `${name}.prom`);
    writeFileSync(file, body);
    const lint = await execFile('promtool', ['check', 'metrics'], {
      timeoutMs: 20_000,
      input: body,
    }).catch((e: { details?: { stdout?: string; stderr?: string } }) => ({
      stdout: e.details?.stdout ?? '',
      stderr: `promtool failed: ${e.details?.stderr ?? String(e)}`,
    }));
    t.equal(
      (lint.stdout + lint.stderr).trim(),
      '',
      `promtool check metrics is clean for the ${name}`,
    );
    const want =
      name === 'agent'
        ? [
            'plinth_driver_up{driver="host"} 1',
            'plinth_driver_observe_duration_seconds_bucket',
            'plinth_agent_process_resident_memory_bytes',
            'plinth_agent_nodejs_eventloop_lag_seconds',
            'plinth_agent_stream_state 2',
            'plinth_agent_outbox_depth',
            'plinth_host_link_up',
            'plinth_host_memory_bytes',
            'plinth_host_cpu_seconds_total',
            'plinth_host_network',
            'plinth_host_filesystem_bytes',
          ]
        : [
            'plinth_coordinator_hosts{state="ready"} 1',
            'plinth_coordinator_connected_agents 1',
            'plinth_coordinator_messages_total',
            'plinth_coordinator_store_commit_seconds_bucket',
          ];
    for (const w of want) t.ok(body.includes(w), `${name} exposes ${w}`);
  }
  const bad = await fetch(`http://127.0.0.1:${ports.agentMetrics}/metrics`, { method: 'POST' });
  t.equal(bad.status, 405, '/metrics is read-only');
});

t.test('a real Prometheus scrapes the agent and answers a query', async (t) => {
  const which = await execFile('prometheus', ['--version'], { timeoutMs: 10_000 }).catch(
    () => undefined,
  );
  if (!which) {
    t.plan(0, 'skipped: prometheus is not installed (Debian package prometheus)');
    return;
  }
  const dir = join(pki.dir, 'prometheus');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: plinth-agent\n    static_configs:\n      - targets: ['127.0.0.1:${ports.agentMetrics}']\n`,
  );
  const prom = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
    ],
    { stdio: 'ignore' },
  );
  children.push(prom);
  const q = encodeURIComponent('plinth_driver_up{driver="host",job="plinth-agent"}');
  const result = await waitFor(
    'the series in Prometheus',
    async () => {
      const r = (await (
        await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${q}`)
      ).json()) as { data?: { result?: { value: [number, string] }[] } };
      return r.data?.result?.[0];
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  t.equal(
    result.value[1],
    '1',
    'Prometheus has plinth_driver_up{driver="host"} = 1 from the agent',
  );
  prom.kill('SIGTERM');
});

t.test('SIGTERM stops both cleanly and says STOPPING=1', async (t) => {
  const exits = [agent, coord].map(
    (c) =>
      new Promise<number | null>((r) =>
        c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code)),
      ),
  );
  agent.kill('SIGTERM');
  coord.kill('SIGTERM');
  const codes = await Promise.race([Promise.all(exits), sleep(15_000).then(() => ['timeout'])]);
  t.same(codes, [0, 0], 'both exit 0');
  t.ok(notify.messages.filter((m) => m.includes('STOPPING=1')).length >= 2, 'both said STOPPING=1');
});
