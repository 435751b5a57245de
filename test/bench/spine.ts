import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { REPO, TestPki, testAdmin, writeJson } from '../harness/spine.js';
import { sleep, waitFor } from '../harness/wait.js';
import { cpuShare, percentile, rssBytes } from './proc.js';
import type { Bench, BenchResult } from './types.js';

const MiB = 1024 * 1024;
const SIM_AGENTS = Number(process.env.PLINTH_BENCH_AGENTS ?? 1000);

/** Run the compiled daemon, as production does (npm run build first). */
function daemon(kind: 'agent' | 'coordinator', cfg: string): ChildProcess {
  return spawn(process.execPath, [join(REPO, 'bin/plinth.js'), kind, '--config', cfg], {
    cwd: REPO,
    stdio: 'ignore',
  });
}

async function stop(
  c: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill(signal);
  await Promise.race([gone, sleep(10_000).then(() => c.kill('SIGKILL'))]);
}

const result = (
  name: string,
  value: number,
  unit: string,
  target?: string,
  ok?: boolean,
  note?: string,
): BenchResult => ({ name, value, unit, target, ok, note });

export const bench: Bench = {
  name: 'spine',
  async run() {
    if (!existsSync(join(REPO, 'dist/coordinator/cli/main.js')))
      throw new Error('run `npm run build` first (the bench measures the compiled daemons)');
    const out: BenchResult[] = [];
    const pki = await TestPki.create('plt-bench-spine-');
    const port = 18900 + Math.floor(Math.random() * 90);
    const agentMetrics = port + 100;
    const coordCfg = join(pki.dir, 'coordinator.json');
    const agentCfg = join(pki.dir, 'agent.json');
    await writeJson(coordCfg, {
      dataDir: join(pki.dir, 'coordinator'),
      listen: `127.0.0.1:${port}`,
      tls: await pki.issue('coordinator', 'coordinator'),
      metrics: { listen: '127.0.0.1:0' },
    });
    await writeJson(agentCfg, {
      dataDir: join(pki.dir, 'agent'),
      coordinator: { address: `127.0.0.1:${port}` },
      tls: await pki.issue('agent', 'bench-host'),
      metrics: { listen: `127.0.0.1:${agentMetrics}` },
    });
    let coord: ChildProcess | undefined = daemon('coordinator', coordCfg);
    let agent: ChildProcess | undefined;
    let sim: ChildProcess | undefined;
    const admin = await testAdmin(pki, port);
    try {
      // --- Agent, idle, host driver only, default intervals.
      agent = daemon('agent', agentCfg);
      await waitFor(
        'agent ready',
        async () =>
          (await admin.call('ListHosts', {})).hosts.some(
            (h) => h.id === 'bench-host' && h.state === 'ready',
          ),
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      await sleep(5000);
      const share = await cpuShare(agent.pid!, 30_000);
      const rss = rssBytes(agent.pid!) / MiB;
      out.push(
        result(
          'agent idle CPU (host driver, default intervals, 30 s)',
          +(share * 100).toFixed(2),
          '% of a core',
          '<= 1 %',
          share <= 0.01,
        ),
      );
      out.push(result('agent idle RSS', +rss.toFixed(1), 'MiB', '<= 80 MiB', rss <= 80));

      // --- /metrics latency, 500 sequential scrapes.
      const lat: number[] = [];
      for (let i = 0; i < 500; i++) {
        const t0 = performance.now();
        const r = await fetch(`http://127.0.0.1:${agentMetrics}/metrics`);
        await r.text();
        lat.push(performance.now() - t0);
      }
      lat.sort((a, b) => a - b);
      out.push(result('/metrics p50 (500 scrapes)', +percentile(lat, 50).toFixed(2), 'ms'));
      out.push(
        result(
          '/metrics p99 (500 scrapes)',
          +percentile(lat, 99).toFixed(2),
          'ms',
          '<= 20 ms',
          percentile(lat, 99) <= 20,
        ),
      );
      await stop(agent);

      // --- Coordinator with simulated agents (real mTLS gRPC streams on loopback).
      sim = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(REPO, 'test/bench/sim-agents.ts'),
          String(SIM_AGENTS),
          `127.0.0.1:${port}`,
          pki.pkiDir,
          'sim',
        ],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const simLines = createInterface({ input: sim.stdout! });
      let lastSim = '';
      simLines.on('line', (l) => (lastSim = l));
      const readyCount = async () =>
        (await admin.call('ListHosts', {}, 60_000)).hosts.filter(
          (h) => h.id.startsWith('sim-') && h.state === 'ready',
        ).length;
      await waitFor(
        `${SIM_AGENTS} simulated agents ready (${lastSim})`,
        async () => (await readyCount()) === SIM_AGENTS,
        { timeoutMs: 180_000, intervalMs: 1000 },
      );
      await sleep(5000);
      const cShare = await cpuShare(coord.pid!, 30_000);
      const cRss = rssBytes(coord.pid!) / MiB;
      out.push(
        result(
          `coordinator CPU with ${SIM_AGENTS} agents heartbeating every 2 s (30 s)`,
          +(cShare * 100).toFixed(1),
          '% of a core',
          '<= 25 %',
          cShare <= 0.25,
        ),
      );
      out.push(
        result(
          `coordinator RSS with ${SIM_AGENTS} agents`,
          +cRss.toFixed(1),
          'MiB',
          '<= 300 MiB',
          cRss <= 300,
        ),
      );

      // --- Coordinator restart: time until every agent is back and ready; nothing marked down.
      const lastEvent = Number(
        (await admin.call('ListEvents', { afterId: 0, limit: 1, hostId: '' })).events.at(-1)?.id ??
          0,
      );
      await stop(coord);
      const t0 = performance.now();
      coord = daemon('coordinator', coordCfg);
      await waitFor(
        'all agents ready after the restart',
        async () => (await readyCount()) === SIM_AGENTS,
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      const reconnect = (performance.now() - t0) / 1000;
      out.push(
        result(
          `all ${SIM_AGENTS} reconnected and ready after a coordinator restart`,
          +reconnect.toFixed(1),
          's',
          '<= 20 s',
          reconnect <= 20,
        ),
      );
      await sleep(2000);
      const after = await admin.call(
        'ListEvents',
        { afterId: lastEvent, limit: 10_000, hostId: '' },
        60_000,
      );
      const downs = after.events.filter(
        (e) => e.type === 'host.state' && /-> down/.test(e.message),
      ).length;
      out.push(
        result('hosts marked down by the coordinator restart', downs, 'hosts', '= 0', downs === 0),
      );
    } finally {
      admin.close();
      await stop(sim);
      await stop(agent);
      await stop(coord);
      await pki.cleanup();
    }
    return out;
  },
};
