/**
 * Host driver benchmark, in the shape of test/bench/types.ts. It lives here because
 * test/bench/ is not the host driver's to edit; test/bench/host.ts can re-export it:
 *   export { bench } from '../integration/host/bench-host.js';
 *
 * Measures the driver in this process against the real kernel of this namespace:
 * observe() latency, a host-metrics scrape, and idle CPU with the rtnetlink socket
 * open (the part of the agent's idle budget this driver spends). Nothing is printed.
 */
import { Registry } from 'prom-client';
import { hostDriverFactory } from '../../../agent/drivers/host/index.js';
import type { DriverContext } from '../../../agent/drivers/driver.js';
import { systemClock } from '../../../agent/host/clock.js';
import { execFile } from '../../../agent/host/exec.js';
import { HOST_CONFIG_DEFAULTS } from '../../../agent/drivers/host/config.js';
import { silentLog } from '../../../lib/log.js';
import type { Bench, BenchResult } from '../../bench/types.js';

const PASSES = 200;
const IDLE_SECONDS = 20;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

export const bench: Bench = {
  name: 'host driver',
  async run(): Promise<BenchResult[]> {
    if (process.platform !== 'linux') return [];
    let dirty = 0;
    const ctx: DriverContext = {
      log: silentLog(),
      exec: execFile,
      clock: systemClock,
      metrics: new Registry(),
      markDirty: () => dirty++,
      emit: () => undefined,
      paths: { stateDir: '/nonexistent', runDir: '/nonexistent' },
    };
    const driver = hostDriverFactory.create(ctx, HOST_CONFIG_DEFAULTS);
    await driver.start?.();
    try {
      const inv0 = performance.now();
      await driver.inventory?.(AbortSignal.timeout(60_000));
      const inventoryMs = performance.now() - inv0;
      const objects = (await driver.observe(AbortSignal.timeout(5000))).objects.length;
      const observe = await timeEach(PASSES, () => driver.observe(AbortSignal.timeout(5000)));
      const scrape = await timeEach(PASSES, () => ctx.metrics.metrics());

      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      dirty = 0;
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      const cpu = process.cpuUsage(cpu0);
      const idlePct = ((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100;

      const p99Scrape = percentile(scrape, 99);
      return [
        {
          name: 'host driver: observe() p50',
          value: Number(percentile(observe, 50).toFixed(2)),
          unit: 'ms',
          note: `${objects} objects; 3 rtnetlink dumps`,
        },
        {
          name: 'host driver: observe() p99',
          value: Number(percentile(observe, 99).toFixed(2)),
          unit: 'ms',
        },
        {
          name: 'host driver: host-metrics scrape p99',
          value: Number(p99Scrape.toFixed(2)),
          unit: 'ms',
          target: '<= 20 ms (whole /metrics)',
          ok: p99Scrape <= 20,
        },
        {
          name: 'host driver: idle CPU (socket open, no scrapes)',
          value: Number(idlePct.toFixed(3)),
          unit: '% of one core',
          target: '<= 1 % (whole agent)',
          ok: idlePct <= 1,
          note: `includes node-netlink's 100 ms ppoll loop; ${dirty} notifications marked dirty meanwhile`,
        },
        {
          name: 'host driver: inventory gather',
          value: Math.round(inventoryMs),
          unit: 'ms',
          note: 'at start and at most once per inventoryRefreshSeconds',
        },
      ];
    } finally {
      await driver.stop?.();
    }
  },
};
