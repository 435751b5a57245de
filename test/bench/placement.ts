import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { silentLog } from '../../lib/log.js';
import { resolveSchedulerConfig } from '../../coordinator/scheduler/config.js';
import { PlacementEngine } from '../../coordinator/scheduler/engine.js';
import type { PlacementRequest } from '../../coordinator/scheduler/types.js';
import {
  addSimHosts,
  claimSums,
  openSimStore,
  prng,
  simLiveness,
  type SimHost,
} from '../integration/scheduler/sim.js';
import { percentile } from './proc.js';
import type { Bench, BenchResult } from './types.js';

/**
 * Placement with the real coordinator store (SQLite, WAL, synchronous=FULL as the
 * coordinator opens it), simulated hosts (host rows + inventory + an OVS bridge, no
 * agents) and persisted claims. Every figure includes the durable claim.
 */
const REFERENCE = 'Nomad C1M ≈ 3,750/s (5 servers); kube-scheduler CI thresholds 270–400 pods/s';
const WINDOW = 256;
/**
 * With 100 in flight, one slow commit or one GC pause delays the ~100 requests
 * waiting at that moment. Over 10,000 requests that single event is 1 %, so the
 * p99 then measured one event, not the steady state; 50,000 (about a second) make
 * it 0.2 %. The note prints p99.9 and the slowest request as well.
 */
const CONCURRENT_REQUESTS = 50_000;

function hosts(n: number): SimHost[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `h${String(i).padStart(5, '0')}`,
    threads: 64,
    memoryMiB: 262_144,
    rack: `r${i % 40}`,
    pool: i % 10 === 0 ? 'batch' : 'default',
  }));
}

/**
 * The k-th request of a stream, made when it is sent, as a client's request is born
 * when it arrives: a stream built up front would keep thousands of requests alive
 * in V8's young generation, and every scavenge would copy them (5 ms pauses that
 * are the benchmark's, not the scheduler's).
 */
function requestStream(seed: number, prefix: string): (k: number) => PlacementRequest {
  const rnd = prng(seed);
  const sizes = [1, 2, 4, 8];
  return (k) => {
    const s = sizes[Math.floor(rnd() * sizes.length)]!;
    const q: PlacementRequest = {
      name: `${prefix}${k}`,
      vcpus: s,
      memoryMiB: s * 1024,
      domainType: 'kvm',
      cpuFeatures: [],
      requiredLabels: {},
      networks: ['prod'],
    };
    // One VM in ten in a hard anti-affinity group of three.
    if (k % 10 === 0)
      q.group = {
        name: `g${Math.floor(k / 30)}`,
        policy: 'anti-affinity',
        scope: 'host',
        hard: true,
      };
    return q;
  };
}

/** Seconds of each committed batch (its placements, claims and the commit), for the notes. */
const batchSeconds: number[] = [];

async function withEngine<T>(
  nHosts: number,
  fn: (e: PlacementEngine, check: () => void) => Promise<T>,
): Promise<T> {
  const sim = await openSimStore('pls-bench-place-');
  try {
    addSimHosts(sim.store, hosts(nHosts));
    const engine = new PlacementEngine({
      store: sim.store,
      liveness: simLiveness(),
      config: resolveSchedulerConfig({ poolStrategies: { batch: 'pack' } }),
      networks: { prod: { bridge: 'br-int', vlan: 100 } },
      now: Date.now,
      log: silentLog(),
      onBatch: (_size, seconds) => batchSeconds.push(seconds),
    });
    // A benchmark that overcommits is worthless: check SQLite against capacity.
    const check = () => {
      const cap = 64 * 4;
      for (const [h, s] of claimSums(sim.store))
        if (s.vcpus > cap) throw new Error(`host ${h} over capacity: ${s.vcpus} > ${cap}`);
    };
    return await fn(engine, check);
  } finally {
    await sim.cleanup();
  }
}

/**
 * Keep `window` requests in flight; returns per-request latencies (ms) and elapsed
 * ms. The load generator is plain callbacks: a real client is another process, so
 * its own garbage must not land in the measured heap. Closed-loop async workers
 * (`while (…) await place()`) sometimes put V8 into a mode where every scavenge
 * copies and promotes ~4 MB (pauses of 6–8 ms instead of ~1 ms): the client's cost,
 * not the scheduler's.
 */
function pump(
  engine: PlacementEngine,
  count: number,
  request: (k: number) => PlacementRequest,
  window: number,
): Promise<{ lat: number[]; ms: number; placed: number; cpuUs: number }> {
  const lat: number[] = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let placed = 0;
  let idle = 0;
  const workers = Math.min(window, count);
  return new Promise((resolve, reject) => {
    const send = () => {
      if (next >= count) {
        if (++idle < workers) return;
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(c0);
        lat.sort((a, b) => a - b);
        resolve({ lat, ms, placed, cpuUs: (cpu.user + cpu.system) / count });
        return;
      }
      const q = request(next++);
      const s = performance.now();
      engine.place(q).then((p) => {
        lat.push(performance.now() - s);
        if (p.ok) placed++;
        send();
      }, reject);
    };
    for (let w = 0; w < workers; w++) send();
  });
}

/** V8's GC pauses while it runs: a pause stops every request in flight. */
function gcPauses(): { stop(): string } {
  const ms: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) ms.push(e.duration);
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      obs.disconnect();
      ms.sort((a, b) => a - b);
      return `${ms.length} GC pauses, max ${r2(ms[ms.length - 1] ?? 0)} ms`;
    },
  };
}

const r1 = (v: number) => Math.round(v * 10) / 10;
/** The figures are CPU-bound: say how busy the machine was, and what one placement cost in CPU. */
const context = (cpuUs: number) =>
  `CPU ${Math.round(cpuUs)} µs/placement, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`;
const r2 = (v: number) => Math.round(v * 100) / 100;

export const bench: Bench = {
  name: 'placement',
  async run() {
    const out: BenchResult[] = [];
    for (const n of [1000, 5000]) {
      await withEngine(n, async (engine, check) => {
        const { ms, placed, cpuUs } = await pump(engine, 10_000, requestStream(7, 'vm'), WINDOW);
        check();
        const rate = Math.round((placed / ms) * 1000);
        out.push({
          name: `throughput, 10,000 VMs into ${n.toLocaleString('en')} hosts (${WINDOW} in flight)`,
          value: rate,
          unit: 'placements/s',
          ...(n === 5000 ? { target: '>= 5,000/s', ok: rate >= 5000 } : {}),
          note: `${placed} placed in ${r1(ms / 1000)} s, ${context(cpuUs)}; ${REFERENCE}`,
        });
        if (n !== 5000) return;
        // On a shared machine the wall-clock rate is what the scheduler gets of a
        // core; this is what one idle core would do (claims and commits included).
        out.push({
          name: 'placements per CPU-second at 5,000 hosts (one idle core)',
          value: Math.round(1e6 / cpuUs),
          unit: 'placements/CPU-s',
          note: 'CPU time of the whole process (scan, claims, commits) per placement',
        });
        // One at a time: each placement pays its own commit (fsync).
        const single = await pump(engine, 1000, requestStream(11, 'one'), 1);
        const p50 = percentile(single.lat, 50);
        const p99 = percentile(single.lat, 99);
        out.push(
          { name: 'one placement at 5,000 hosts, p50', value: r2(p50), unit: 'ms' },
          {
            name: 'one placement at 5,000 hosts, p99',
            value: r2(p99),
            unit: 'ms',
            target: '<= 5 ms',
            ok: p99 <= 5,
            note: `includes the durable SQLite claim (one fsync each, synchronous=FULL); ${context(single.cpuUs)}`,
          },
        );
        batchSeconds.length = 0;
        const gc = gcPauses();
        const conc = await pump(engine, CONCURRENT_REQUESTS, requestStream(13, 'c'), 100);
        const pauses = gc.stop();
        const batches = [...batchSeconds].sort((a, b) => a - b).map((v) => v * 1000);
        check();
        const cp99 = percentile(conc.lat, 99);
        const crate = Math.round((conc.placed / conc.ms) * 1000);
        out.push(
          {
            name: '100 concurrent requests at 5,000 hosts, p50',
            value: r2(percentile(conc.lat, 50)),
            unit: 'ms',
          },
          {
            name: '100 concurrent requests at 5,000 hosts, p99',
            value: r2(cp99),
            unit: 'ms',
            target: '<= 5 ms',
            ok: cp99 <= 5,
            // Every request in flight waits out a slow commit or a GC pause: say both,
            // and the slowest request, beside the p99.
            note: `over ${CONCURRENT_REQUESTS.toLocaleString('en')} requests, p99.9 ${r2(percentile(conc.lat, 99.9))} ms, max ${r2(conc.lat[conc.lat.length - 1] ?? 0)} ms; ${batches.length} batches (transaction + commit) p50 ${r2(percentile(batches, 50))} ms, max ${r2(batches[batches.length - 1] ?? 0)} ms; ${pauses}; ${context(conc.cpuUs)}`,
          },
          {
            name: '100 concurrent requests at 5,000 hosts, throughput',
            value: crate,
            unit: 'placements/s',
            target: '>= 5,000/s',
            ok: crate >= 5000,
            note: `${context(conc.cpuUs)}; ${REFERENCE}`,
          },
        );
      });
    }
    return out;
  },
};
